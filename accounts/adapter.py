from types import SimpleNamespace
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from core.tasks import send_email

from . import devices
from .proconnect import conf as proconnect

# Links of allauth's emails: rebuilt on SITE_URL, never on the request's Host header (a forged
# Host would otherwise send a password-reset key to the forger's site).
EMAIL_LINKS = ("password_reset_url", "signup_url", "activate_url", "reset_password_url")


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _on_site_url(url: str) -> str:
    parts = urlsplit(url)
    return site_url(parts.path + (f"?{parts.query}" if parts.query else ""))


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Public sign-up is closed: accounts come from invitations only."""
        return False

    def send_mail(self, template_prefix, email, context):
        """allauth's emails (password reset…) go through the task worker too, so that a mail
        server failure never turns into an error page. Their links and the site's name and
        domain come from SITE_URL."""
        context = {
            **context,
            "current_site": SimpleNamespace(
                name=str(settings.ORGANISATION_NAME), domain=urlsplit(settings.SITE_URL).netloc
            ),
        }
        for name in EMAIL_LINKS:
            if isinstance(context.get(name), str):
                context[name] = _on_site_url(context[name])
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (content for content, mimetype in message.alternatives if mimetype == "text/html"),
            "",
        )
        send_email.enqueue(
            subject=message.subject, body=message.body, recipients=message.to, html_body=html
        )

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return site_url(path.replace("UID-KEY", quote(key)))

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
