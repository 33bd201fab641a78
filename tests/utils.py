import html
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.mail.backends.base import BaseEmailBackend

from accounts import security


def login(client, user):
    """Signed in as `user` (who, if their role requires MFA, has set it up, as the portal
    requires: accounts.security)."""
    if security.mfa_required(user) and not security.has_mfa(user):
        enrol_totp(user)
    user.refresh_from_db(fields=["session_epoch"])  # the session hash includes it
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def enrol_totp(user) -> str:
    """Give `user` an authenticator app; returns its secret (for `totp_code`)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, shift: int = 0) -> str:
    """The code an authenticator app shows now (or `shift` periods away) for `secret`
    (allauth's own computation)."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + shift
    return format_hotp_value(hotp_value(secret, counter))


def text(response) -> str:
    """The response body as a person reads it (HTML entities decoded)."""
    return html.unescape(response.content.decode())


class BrokenEmailBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")
