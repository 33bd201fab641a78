"""Invitations: the only way an account is created or joins an organisation."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Membership, User
from .notifications import InvitationNotification

SALT = "accounts.invitation"


class InvitationError(Exception):
    """Why an invitation link cannot be used; `code` picks the page shown."""

    messages = {
        "invalid": _("Ce lien d'invitation n'est pas valide. Vérifiez qu'il est complet."),
        "expired": _(
            "Ce lien d'invitation a expiré. Demandez à l'administrateur de votre organisation "
            "de vous renvoyer une invitation."
        ),
        "used": _(
            "Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse e-mail."
        ),
        "revoked": _("Cette invitation a été annulée par votre organisation."),
    }

    def __init__(self, code: str):
        self.code = code
        super().__init__(str(self.messages[code]))


def make_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=SALT).sign(invitation.key)


def read_token(token: str) -> Invitation:
    max_age = settings.INVITATION_VALIDITY_DAYS * 24 * 3600
    signer = signing.TimestampSigner(salt=SALT)
    try:
        key = signer.unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvitationError("expired") from None
    except signing.BadSignature:
        raise InvitationError("invalid") from None
    invitation = Invitation.objects.select_related("organisation").filter(key=key).first()
    if invitation is None:
        # A well-signed key that no longer exists was rotated by a resend.
        raise InvitationError("expired")
    check_usable(invitation)
    return invitation


def check_usable(invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise InvitationError("used")
    if invitation.revoked_at:
        raise InvitationError("revoked")
    if invitation.is_expired or not invitation.organisation.is_active:
        raise InvitationError("expired")


class AlreadyMember(Exception):
    pass


def invite(*, organisation, email: str, role: str, invited_by) -> Invitation:
    """Invite `email` into `organisation`, or resend the pending invitation of that address."""
    email = email.strip().lower()
    if Membership.objects.filter(
        organisation=organisation, user__email__iexact=email, is_active=True
    ).exists():
        raise AlreadyMember
    with transaction.atomic():
        invitation = (
            Invitation.objects.pending()
            .select_for_update()
            .filter(organisation=organisation, email__iexact=email)
            .first()
        )
        if invitation is None:
            invitation = Invitation(organisation=organisation, email=email)
        else:
            invitation.rotate_key()
        invitation.role = role
        invitation.invited_by = invited_by
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:
            # Two admins invited the same address at the same moment: resend the other one.
            invitation = Invitation.objects.pending().get(
                organisation=organisation, email__iexact=email
            )
        InvitationNotification(invitation, make_token(invitation)).send()
    return invitation


def resend(invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        invitation.rotate_key()
        invitation.save(update_fields=["key", "sent_at"])
        InvitationNotification(invitation, make_token(invitation)).send()
    return invitation


def _lock_usable(invitation: Invitation) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    )
    check_usable(invitation)
    return invitation


def accept_as_new_user(invitation: Invitation, form) -> Membership:
    """Create the invitee's account from `form` (name and password) and make them a member.
    A double submit finds the invitation used; an address that got an account meanwhile too."""
    with transaction.atomic():
        invitation = _lock_usable(invitation)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationError("used")
        user = form.save()
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        return accept(invitation, user)


def accept(invitation: Invitation, user: User) -> Membership:
    """Mark the invitation used and make `user` an active member. Safe against a double submit:
    the second one finds the invitation used."""
    with transaction.atomic():
        invitation = _lock_usable(invitation)
        membership, created = Membership.objects.get_or_create(
            user=user,
            organisation=invitation.organisation,
            defaults={"role": invitation.role},
        )
        if not created:
            membership.is_active = True
            membership.deactivated_at = None
            if invitation.role == Membership.Role.ADMIN:
                membership.role = Membership.Role.ADMIN
            membership.save(update_fields=["is_active", "deactivated_at", "role"])
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership
