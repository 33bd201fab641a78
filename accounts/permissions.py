"""Who may manage which organisation: the one place for these rules."""

from django.shortcuts import get_object_or_404

from .models import Membership, Organisation


def manageable_organisations(user):
    """Organisations whose members and invitations `user` may manage: those where they are an
    active admin, or every organisation for staff."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_staff:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        is_active=True,
        memberships__user=user,
        memberships__is_active=True,
        memberships__role=Membership.Role.ADMIN,
    )


def can_manage(user, organisation) -> bool:
    return manageable_organisations(user).filter(pk=organisation.pk).exists()


def get_manageable_organisation_or_404(user, pk) -> Organisation:
    """Another organisation is a 404, never a 403: its existence is not disclosed."""
    return get_object_or_404(manageable_organisations(user), pk=pk)
