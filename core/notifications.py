"""One class per email, as in les emplois de l'inclusion.

A notification renders its subject and body in French at the moment of the action and hands them
to the `send_email` task. Emails carry no judicial or health detail: a reference and a link only.

Recipients who chose a daily digest get a line in it instead of an email: the function named by
the `NOTIFICATION_DIGEST_HOLDER` setting (accounts keeps the digests) takes the recipients and
returns those it held back, so this bottom layer knows nothing of users.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string

from .tasks import send_email

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
        if not self.recipients or _muted.get():
            return []
        subject, body = self.render()
        held = set()
        holder = getattr(settings, "NOTIFICATION_DIGEST_HOLDER", "")
        if self.digestible and holder:
            held = import_string(holder)(self.recipients, subject, self.digest_text())
        return [
            send_email.enqueue(subject=subject, body=body, recipients=[recipient])
            for recipient in self.recipients
            if recipient not in held
        ]
