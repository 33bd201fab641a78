"""What ends sessions and revokes API tokens (the rules: accounts.security). Signals, so that a
change made anywhere — the members page, the Django admin, a script — has the same effect."""

import time

from allauth.account.signals import user_logged_in
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import devices, security
from .middleware import SESSION_AUTH_AT, SESSION_SEEN_AT
from .models import InternalRole, Membership, Organisation, User


def _end_sessions(user_ids) -> None:
    for user in User.objects.filter(pk__in=list(user_ids)):
        security.end_all_sessions(user)


def _revoke_tokens_without_membership(user_ids) -> None:
    for user in User.objects.filter(pk__in=list(user_ids)):
        if not user.active_memberships().exists():
            security.revoke_api_tokens(user)


def _previous(instance, *fields):
    """The saved values of `fields` before this save, or None for a new row."""
    if instance.pk is None or instance._state.adding:
        return None
    return type(instance).objects.filter(pk=instance.pk).values(*fields).first()


def _touches(kwargs, *fields) -> bool:
    update_fields = kwargs.get("update_fields")
    return update_fields is None or bool(set(update_fields) & set(fields))


@receiver(pre_save, sender=User)
def _user_before(sender, instance, **kwargs):
    instance._security_before = (
        _previous(instance, "is_active") if _touches(kwargs, "is_active") else None
    )


@receiver(post_save, sender=User)
def _user_deactivated(sender, instance, **kwargs):
    before = getattr(instance, "_security_before", None)
    if before and before["is_active"] and not instance.is_active:
        security.end_all_sessions(instance)
        security.revoke_api_tokens(instance)


@receiver(pre_save, sender=Membership)
def _membership_before(sender, instance, **kwargs):
    instance._security_before = (
        _previous(instance, "is_active", "role") if _touches(kwargs, "is_active", "role") else None
    )


@receiver(post_save, sender=Membership)
def _membership_ended_or_demoted(sender, instance, **kwargs):
    before = getattr(instance, "_security_before", None)
    if not before:
        return
    ended = before["is_active"] and not instance.is_active
    demoted = before["role"] == Membership.Role.ADMIN and instance.role != Membership.Role.ADMIN
    if ended or demoted:
        _end_sessions([instance.user_id])
    if ended:
        _revoke_tokens_without_membership([instance.user_id])


@receiver(post_delete, sender=Membership)
def _membership_deleted(sender, instance, **kwargs):
    _end_sessions([instance.user_id])
    _revoke_tokens_without_membership([instance.user_id])


@receiver(pre_save, sender=Organisation)
def _organisation_before(sender, instance, **kwargs):
    instance._security_before = (
        _previous(instance, "is_active") if _touches(kwargs, "is_active") else None
    )


@receiver(post_save, sender=Organisation)
def _organisation_deactivated(sender, instance, **kwargs):
    before = getattr(instance, "_security_before", None)
    if before and before["is_active"] and not instance.is_active:
        members = instance.memberships.filter(is_active=True).values_list("user_id", flat=True)
        _end_sessions(members)
        _revoke_tokens_without_membership(members)


@receiver(pre_save, sender=InternalRole)
def _role_before(sender, instance, **kwargs):
    instance._security_before = _previous(instance, "role", "establishment_id", "membership_id")


@receiver(post_save, sender=InternalRole)
def _role_changed(sender, instance, **kwargs):
    before = getattr(instance, "_security_before", None)
    now = {
        "role": instance.role,
        "establishment_id": instance.establishment_id,
        "membership_id": instance.membership_id,
    }
    if before and before != now:
        _end_sessions(
            Membership.objects.filter(pk=before["membership_id"]).values_list("user_id", flat=True)
        )


@receiver(post_delete, sender=InternalRole)
def _role_removed(sender, instance, **kwargs):
    _end_sessions(
        Membership.objects.filter(pk=instance.membership_id).values_list("user_id", flat=True)
    )


@receiver(user_logged_in)
def _session_started(sender, request, user, response=None, **kwargs):
    """The session's absolute lifetime starts now; this device is known for `user` from now
    on (the login rate limit: accounts.devices)."""
    now = int(time.time())
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_SEEN_AT] = now
    if response is not None:
        devices.remember(response, user)
