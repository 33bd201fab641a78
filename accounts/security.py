"""Who must use two-factor authentication (MFA), how long a session lasts, when every session
of a person ends and when a personal API token stops working: the one place for these rules.

**MFA** is required (``mfa_required``) of:

- superusers and staff users (Django admin);
- L'Îlot's internal team: every member of an internal organisation and everyone holding an
  internal role (commission member, head of establishment, management, editor, DPO);
- anyone who may open the Wagtail admin (the editors' group);
- organisation admins (they invite and deactivate members);
- every member of an organisation whose admin required it (``Organisation.require_mfa``).

Other partners may set it up, or not. Until someone who must use MFA has set up an
authenticator app or a security key, every page outside the account pages sends them to
*Double authentification* (``accounts.middleware.SecurityMiddleware``), the portal, the Wagtail
admin and the Django admin included; they cannot remove their last one (``MFAAdapter``).

**Sessions**: idle for longer than ``SESSION_IDLE_TIMEOUT_INTERNAL`` seconds (internal team,
default 30 minutes) or ``SESSION_IDLE_TIMEOUT_PARTNER`` (others, default 8 hours), or older than
``SESSION_ABSOLUTE_LIFETIME`` (default 12 hours) whatever the activity, a session ends.
Every session of a person ends (``end_all_sessions``) when their password changes (Django's own
session hash), when the account is deactivated, when a membership of theirs ends or loses its
admin role, when their organisation is deactivated, and when an internal role of theirs is
removed or changed (``accounts.signals``).

**API tokens** work (``token_refusal``) only for an active account with an active membership
(or a superuser), and until the expiry chosen when it was made (one year by default; 30 or 90
days; or none). The tokens of someone whose last active membership ends, or whose account is
deactivated, are revoked. The check is made for every API at once, before any view
(``accounts.middleware.APITokenMiddleware``).
"""

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .models import APITokenExpiry, InternalRole, Membership, Organisation, User

# Authenticators that are a second factor on their own (recovery codes only back them up).
PRIMARY_AUTHENTICATORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def _memberships(user, memberships):
    if memberships is None:
        return list(user.active_memberships())
    return memberships


def is_internal(user: User, memberships=None) -> bool:
    """L'Îlot's team: staff, superusers, members of an internal organisation, internal roles."""
    if user.is_staff or user.is_superuser:
        return True
    memberships = _memberships(user, memberships)
    if any(m.organisation.kind == Organisation.Kind.ILOT for m in memberships):
        return True
    return InternalRole.objects.filter(membership__in=[m.pk for m in memberships]).exists()


def mfa_required(user: User, memberships=None, internal: bool | None = None) -> bool:
    """Whether `user` must use MFA (the list at the top of this module). `memberships` (the
    user's active memberships) and `internal` (`is_internal`), when the caller already has them
    (the middleware does)."""
    if not user.is_authenticated:
        return False
    memberships = _memberships(user, memberships)
    if internal is None:
        internal = is_internal(user, memberships)
    if internal or any(
        m.role == Membership.Role.ADMIN or m.organisation.require_mfa for m in memberships
    ):
        return True
    return user.has_perm("wagtailadmin.access_admin")


def has_mfa(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=PRIMARY_AUTHENTICATORS).exists()


def idle_timeout(internal: bool) -> int:
    """Seconds of inactivity after which a session ends (`internal`: `is_internal`)."""
    return (
        settings.SESSION_IDLE_TIMEOUT_INTERNAL
        if internal
        else settings.SESSION_IDLE_TIMEOUT_PARTNER
    )


def end_all_sessions(user: User) -> None:
    """End every session of `user`, whatever the session backend: raising the epoch changes
    the session hash Django checks on every request; the sessions allauth lists are deleted
    too, so that none stays in the store."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.session_epoch += 1
    for session in UserSession.objects.filter(user=user):
        session.end()


# --- API tokens ----------------------------------------------------------------------------


def may_use_api(user: User) -> bool:
    """An active account with an active membership in an active organisation, or a
    superuser."""
    return user.is_active and (user.is_superuser or user.active_memberships().exists())


def set_expiry(token, expires_at) -> None:
    APITokenExpiry.objects.update_or_create(token=token, defaults={"expires_at": expires_at})


def token_refusal(token) -> str | None:
    """Why `token` (an active, i.e. not revoked, APIToken) may not be used now, or None."""
    expiry = APITokenExpiry.objects.filter(token=token).values_list("expires_at", flat=True)
    expires_at = next(iter(expiry), None)
    if expires_at is not None and expires_at <= timezone.now():
        return "expired"
    if not may_use_api(token.user):
        return "no_access"
    return None


def revoke_api_tokens(user: User) -> int:
    """Revoke every active token of `user` (their last membership ended)."""
    return user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
