from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from core.tasks import send_email

from . import devices
from .proconnect import conf as proconnect


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

    def _get_login_attempts_cache_key(self, request, **credentials):
        """Failed logins from a device that signed in as this login before are counted apart
        (accounts.devices): a stranger's wrong passwords do not lock the owner out."""
        key = super()._get_login_attempts_cache_key(request, **credentials)
        device = devices.device_for(request, credentials.get("email", ""))
        return f"{key}:appareil:{device}" if device else key

    def get_login_stages(self):
        """allauth's stages, with its MFA stage aware of ProConnect's `amr`
        (accounts.proconnect.policy)."""
        return [
            "accounts.proconnect.mfa.AuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def get_logout_redirect_url(self, request):
        """A ProConnect sign-in also ends at ProConnect (accounts.proconnect.views.logout).
        allauth asks for this URL before it logs out."""
        if request.session.get(proconnect.SESSION_ID_TOKEN) and proconnect.is_enabled():
            return reverse("proconnect_logout")
        return super().get_logout_redirect_url(request)

    def logout(self, request):
        id_token = request.session.get(proconnect.SESSION_ID_TOKEN)
        super().logout(request)  # flushes the session
        if id_token:
            request.session[proconnect.SESSION_LOGOUT_ID_TOKEN] = id_token
