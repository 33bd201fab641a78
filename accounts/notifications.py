from django.urls import reverse

from portal.notifications import EmailNotification

from .invitations import make_token


class InvitationNotification(EmailNotification):
    template_name = "accounts/emails/invitation"
    digestible = False

    def __init__(self, invitation):
        super().__init__(
            [invitation.email],
            organisation_name=invitation.organisation.name,
            inviter=invitation.invited_by.get_full_name() if invitation.invited_by else "",
            path=reverse("accounts:invitation", args=[make_token(invitation)]),
            expires_at=invitation.expires_at,
        )
