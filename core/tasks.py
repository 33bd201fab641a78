"""Background tasks every app may enqueue (run by `manage.py db_worker`)."""

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_email(subject: str, body: str, recipients: list[str], html_body: str = "") -> int:
    """Send one email. Runs in the worker so that a mail failure never undoes the action that
    triggered it: the failure is kept in the task result, the action stays recorded."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=recipients)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    return message.send()
