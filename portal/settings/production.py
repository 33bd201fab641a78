"""Production: everything from the environment; refuses to start without a real SECRET_KEY."""

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DEV_MFA_KEY,
    MFA_ENCRYPTION_KEY,
    MFA_ENCRYPTION_KEY_FALLBACKS,
    SECRET_KEY,
    env_bool,
    os,
)

if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-", "test-", "django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production."
    )

for _key in (MFA_ENCRYPTION_KEY, *MFA_ENCRYPTION_KEY_FALLBACKS):
    try:
        Fernet(_key)
    except ValueError:
        _key = None
    if not _key or _key == DEV_MFA_KEY:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEY (and each of MFA_ENCRYPTION_KEY_FALLBACKS) must be a Fernet key "
            "of its own in production: it encrypts the MFA secrets in the database."
        )

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
