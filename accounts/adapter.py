from allauth.account.adapter import DefaultAccountAdapter

from core.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Public sign-up is closed: accounts come from invitations only."""
        return False

    def send_mail(self, template_prefix, email, context):
        """allauth's emails (password reset…) go through the task worker too, so that a mail
        server failure never turns into an error page."""
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (content for content, mimetype in message.alternatives if mimetype == "text/html"),
            "",
        )
        send_email.enqueue(
            subject=message.subject, body=message.body, recipients=message.to, html_body=html
        )
