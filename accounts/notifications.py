from django.urls import reverse

from core.notifications import EmailNotification


class InvitationNotification(EmailNotification):
    template_name = "accounts/emails/invitation"
    digestible = False

    def __init__(self, invitation, token: str):
        super().__init__(
            [invitation.email],
            organisation_name=invitation.organisation.name,
            inviter=invitation.invited_by.get_full_name() if invitation.invited_by else "",
            path=reverse("accounts:invitation", args=[token]),
            expires_at=invitation.expires_at,
        )


class DailyDigest(EmailNotification):
    """The day's held-back notifications of one person who chose a daily digest."""

    template_name = "accounts/emails/digest"
    digestible = False

    def __init__(self, user, items):
        super().__init__([user.email], items=items)
