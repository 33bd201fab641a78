"""One class per email, as in les emplois de l'inclusion.

A notification renders its subject and body in French at the moment of the action and hands them
to the `send_email` task. Emails carry no judicial or health detail: a reference and a link only.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from portal.tasks import send_email


class EmailNotification:
    template_name: str  # a directory holding subject.txt and body.txt

    def __init__(self, recipients: list[str], **context):
        self.recipients = [r for r in dict.fromkeys(recipients) if r]
        self.context = {"site_url": settings.SITE_URL.rstrip("/"), **context}

    def render(self) -> tuple[str, str]:
        with translation.override("fr"):
            subject = render_to_string(f"{self.template_name}/subject.txt", self.context)
            body = render_to_string(f"{self.template_name}/body.txt", self.context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
        return subject, body

    def send(self) -> list:
        """One email per recipient: nobody learns who else was told."""
        if not self.recipients:
            return []
        subject, body = self.render()
        return [
            send_email.enqueue(subject=subject, body=body, recipients=[recipient])
            for recipient in self.recipients
        ]
