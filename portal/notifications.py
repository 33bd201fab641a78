"""One class per email, as in les emplois de l'inclusion.

A notification renders its subject and body in French at the moment of the action and hands them
to the `send_email` task. Emails carry no judicial or health detail: a reference and a link only.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from portal.tasks import send_email

_muted = ContextVar("notifications_muted", default=False)


@contextmanager
def muted():
    """Send nothing inside this block: for loading demo data or history, which is not news."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


class EmailNotification:
    template_name: str  # a directory holding subject.txt and body.txt
    digestible = True  # may wait for the daily digest of recipients who chose one

    def __init__(self, recipients: list[str], **context):
        self.recipients = [r for r in dict.fromkeys(recipients) if r]
        self.context = {"site_url": settings.SITE_URL.rstrip("/"), **context}

    def render(self) -> tuple[str, str]:
        with translation.override("fr"):
            subject = render_to_string(f"{self.template_name}/subject.txt", self.context)
            body = render_to_string(f"{self.template_name}/body.txt", self.context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
        return subject, body

    def digest_text(self) -> str:
        """What stands for this notification in a daily digest (besides its subject)."""
        return ""

    def send(self) -> list:
        """One email per recipient (nobody learns who else was told), or a line in the daily
        digest of those who chose it."""
        from accounts.models import PendingNotification, User

        if not self.recipients or _muted.get():
            return []
        subject, body = self.render()
        digest_users = {}
        if self.digestible:
            digest_users = {
                user.email: user
                for user in User.objects.filter(email__in=self.recipients, daily_digest=True)
            }
        digest_text = self.digest_text()
        PendingNotification.objects.bulk_create(
            PendingNotification(user=user, subject=subject, body=digest_text)
            for user in digest_users.values()
        )
        return [
            send_email.enqueue(subject=subject, body=body, recipients=[recipient])
            for recipient in self.recipients
            if recipient not in digest_users
        ]


class DailyDigest(EmailNotification):
    template_name = "portal/emails/digest"
    digestible = False

    def __init__(self, user, items):
        super().__init__([user.email], items=items)


def send_daily_digests() -> int:
    """One email per user with held-back notifications; returns how many were sent."""
    from django.db import transaction

    from accounts.models import PendingNotification, User

    sent = 0
    for user in User.objects.filter(pending_notifications__isnull=False).distinct():
        with transaction.atomic():
            items = list(user.pending_notifications.select_for_update())
            if not items:
                continue
            DailyDigest(user, items).send()
            PendingNotification.objects.filter(pk__in=[item.pk for item in items]).delete()
        sent += 1
    return sent
