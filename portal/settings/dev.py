"""Local development: `make run`. Never use in production."""

from .base import *  # noqa: F403
from .base import DEV_MFA_KEY, os

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MFA_ENCRYPTION_KEY = os.environ.get("MFA_ENCRYPTION_KEY") or DEV_MFA_KEY
