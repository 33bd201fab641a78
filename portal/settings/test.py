"""Tests: the real PostgreSQL (DATABASE_URL), immediate tasks, in-memory email."""

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEV_MFA_KEY, INSTALLED_APPS, os

SECRET_KEY = "test-only-key"
DEBUG = False
ALLOWED_HOSTS = ["*"]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilot")
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The tests run on PostgreSQL only: set DATABASE_URL to postgres://…")
if "django.contrib.postgres" not in INSTALLED_APPS:
    INSTALLED_APPS.append("django.contrib.postgres")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
LANGUAGE_CODE = "fr"
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
MFA_ENCRYPTION_KEY = DEV_MFA_KEY
