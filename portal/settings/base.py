"""Settings shared by every environment; deployment-specific values come from the environment."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_days(name: str, default: int):
    """A number of days; anything else is kept as given, for the system check to refuse it
    with a clear message (portal.E002)."""
    value = os.environ.get(name, str(default)).strip()
    return int(value) if value.isdigit() else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core",
    "portal",
    "accounts",
    "cms",
    # The headless API's schema hooks must run before wagtail.snippets builds the v3 schemas.
    "cms.api.apps.CmsApiConfig",
    "referrals",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.table_block",
    "wagtail.contrib.frontend_cache",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v3",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "corsheaders",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.usersessions",
    # Sign in with ProConnect: an allauth provider (its URLs are under /compte/proconnect/).
    "accounts.proconnect",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    # Outermost after the request id, so that every response (errors included) gets them.
    "core.middleware.PrivateResponseMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Expired tokens, and those of people who lost access, answer 401 on every API.
    "accounts.middleware.APITokenMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.LanguageMiddleware",
    # Anonymous visitors' public pages from the shared cache (cms.cache): after the language is
    # known, before the rest of the stack runs.
    "cms.cache.PublicPageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.CurrentOrganisationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Session lifetimes and enforced MFA (accounts.security).
    "accounts.middleware.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# Never kept by a cache (core.middleware.PrivateResponseMiddleware): responses to signed-in users,
# to requests with an Authorization header, and everything under these paths.
PRIVATE_PATH_PREFIXES = ["/api/orientations/"]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.current_organisation",
                "referrals.context_processors.vocabulary",
                "referrals.context_processors.work_badge",
            ],
        },
    },
]

# Database: a SQLite file by default so `make run` needs nothing; PostgreSQL everywhere else.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is shared by the web server and the worker (`manage.py db_worker`):
    # write transactions take the lock when they begin (IMMEDIATE) and wait for it up to 20 s
    # instead of failing with "database is locked"; WAL lets readers run beside a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Full-text search with French stemming for Wagtail's database search backend.
    INSTALLED_APPS.append("django.contrib.postgres")
    # No JIT compilation: the portal's queries are short, and a large organisation's counts
    # could pass the planner's threshold and spend more compiling than running (README,
    # "Benchmarks"). Set per connection, so that it holds without changing the server.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache: a shared Redis when REDIS_URL is set (required with several app servers: rate limits,
# sessions' bookkeeping), local memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ilot"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Session lifetimes (accounts.security): idle timeouts for L'Îlot's team and for partners, and
# an absolute lifetime whatever the activity.
SESSION_IDLE_TIMEOUT_INTERNAL = 60 * int(os.environ.get("SESSION_IDLE_MINUTES_INTERNAL", "30"))
SESSION_IDLE_TIMEOUT_PARTNER = 60 * int(os.environ.get("SESSION_IDLE_MINUTES_PARTNER", "480"))
SESSION_ABSOLUTE_LIFETIME = 3600 * int(os.environ.get("SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email login, closed sign-up (see accounts.adapter), rate limits, MFA.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[L'Îlot] "
# Notifications wait for the daily digest of those who chose one (see core.notifications).
NOTIFICATION_DIGEST_HOLDER = "accounts.digest.hold_for_digest"
# After deactivating a member of a partner organisation, its admin lands on the list of that
# member's open referrals to reassign them (`?de=<user id>` is added).
MEMBER_DEACTIVATED_REDIRECT = "referrals:reassign"
ACCOUNT_CHANGE_EMAIL = False
# Changing an email address asks for the password again (MFA's pages always do; the password
# form asks for the current one); the person is told of every change by email.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so that they are visible and tested. The "key" (the login) of
    # failed logins is split per known device (accounts.devices): a stranger's wrong passwords
    # do not lock the owner out of the browser they use.
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "login": "30/m/ip",
}
# Which app server answered, in /healthz (default: host name and process id).
APP_SERVER_ID = os.environ.get("APP_SERVER_ID", "")
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("ALLAUTH_TRUSTED_PROXY_COUNT", "0"))
KNOWN_DEVICE_DAYS = 180  # lifetime of the cookie marking a device that signed in
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "L'Îlot"
MFA_TOTP_TOLERANCE = 1  # the previous and next codes too: phones' clocks drift
MFA_PASSKEY_LOGIN_ENABLED = False
# TOTP secrets and recovery-code seeds are encrypted in the database (accounts.mfa) with this
# Fernet key (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`);
# older keys listed in MFA_ENCRYPTION_KEY_FALLBACKS still decrypt during a rotation. Required in
# production; development and tests use a fixed key.
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_ENCRYPTION_KEY = os.environ.get("MFA_ENCRYPTION_KEY", "")
MFA_ENCRYPTION_KEY_FALLBACKS = env_list("MFA_ENCRYPTION_KEY_FALLBACKS")
DEV_MFA_KEY = "ZGV2LW9ubHktbWZhLWtleS1ub3QtZm9yLXByb2R1Y3Q="  # development and tests only
USERSESSIONS_TRACK_ACTIVITY = False

# ProConnect, the state agents' OpenID Connect federation (see README, "ProConnect"): offered on
# the login page only when a client id and a domain (or a discovery URL) are set. Invitations stay
# the only way in; ProConnect signs into an invited account (accounts/proconnect/).
PROCONNECT_DOMAIN = os.environ.get("PROCONNECT_DOMAIN", "")
PROCONNECT_DISCOVERY_URL = os.environ.get("PROCONNECT_DISCOVERY_URL", "") or (
    f"https://{PROCONNECT_DOMAIN}/api/v2/.well-known/openid-configuration"
    if PROCONNECT_DOMAIN
    else ""
)
PROCONNECT_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "")
PROCONNECT_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "")
PROCONNECT_SCOPES = os.environ.get(
    "PROCONNECT_SCOPES", "openid email given_name usual_name uid siret idp_id"
).split()
SOCIALACCOUNT_ADAPTER = "accounts.proconnect.adapter.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {}
if PROCONNECT_CLIENT_ID and PROCONNECT_DISCOVERY_URL:
    if not PROCONNECT_CLIENT_SECRET:
        raise ImproperlyConfigured(
            "PROCONNECT_CLIENT_SECRET must be set with PROCONNECT_CLIENT_ID."
        )
    SOCIALACCOUNT_PROVIDERS["proconnect"] = {
        "APPS": [
            {
                "provider_id": "proconnect",
                "name": "ProConnect",
                "client_id": PROCONNECT_CLIENT_ID,
                "secret": PROCONNECT_CLIENT_SECRET,
                "settings": {"server_url": PROCONNECT_DISCOVERY_URL, "scope": PROCONNECT_SCOPES},
            }
        ]
    }
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # accounts are matched by accounts.proconnect.policy
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = int(os.environ.get("PROCONNECT_TIMEOUT", "5"))

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

INVITATION_VALIDITY_DAYS = 7

# Internationalisation: French first, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static and media files.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Referral attachments: never served by URL, only through a permission-checked view.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Optional S3-compatible object storage, so that several app servers share uploaded files.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", True)
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_PRIVATE_BUCKET_NAME", AWS_STORAGE_BUCKET_NAME),
            "location": "private",
            "default_acl": "private",
            "querystring_auth": True,
        },
    }

# Email: SMTP settings from the environment; console backend in development.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "L'Îlot <ne-pas-repondre@ilot.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: Django tasks (backport) stored in the database, run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Wagtail
WAGTAIL_SITE_NAME = "L'Îlot"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "/compte/login/"  # private pages: the portal's login too
WAGTAIL_PASSWORD_RESET_ENABLED = False
# Password and email change only in the portal's account pages (allauth: re-authentication,
# notice by email), not in the Wagtail admin's account page.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français"), ("en", "English")]
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "french"}
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "ods", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Request bodies: form fields at most 2.5 MB in memory (Django's default, stated), uploaded files
# over 2.5 MB spooled to a temporary file; referral documents at most 10 MB, refused from the
# request's Content-Length before the body is read (referrals.partner.views.referral_upload).
# The proxy's client_max_body_size stops anything bigger first (README, deployment).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DOCUMENT_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# Optional antivirus for uploaded documents (core.antivirus): ClamAV's daemon on a Unix socket or
# over TCP. When set, a document is refused if clamd cannot be reached (fail closed).
CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET", "")
CLAMD_HOST = os.environ.get("CLAMD_HOST", "")
CLAMD_PORT = int(os.environ.get("CLAMD_PORT", "3310"))
CLAMD_TIMEOUT = int(os.environ.get("CLAMD_TIMEOUT", "30"))

# Downloads of referral documents: after the permission check, the view streams the file, or,
# when this is set (e.g. "/_private/"), hands the transfer to nginx with X-Accel-Redirect to
# this internal location (README, deployment). Only with PRIVATE_MEDIA_ROOT (not a bucket).
PRIVATE_FILES_X_ACCEL_PREFIX = os.environ.get("PRIVATE_FILES_X_ACCEL_PREFIX", "")

SITE_URL = WAGTAILADMIN_BASE_URL

# Public pages: what a shared cache (CDN, Varnish) may keep for anonymous visitors (see cms.cache).
PUBLIC_PAGE_CACHE_CONTROL = os.environ.get(
    "PUBLIC_PAGE_CACHE_CONTROL", "public, s-maxage=600, stale-while-revalidate=86400, max-age=60"
)
# Optional front-end cache purged on publish/unpublish (wagtail.contrib.frontend_cache):
# an HTTP PURGE endpoint (Varnish, nginx) and/or Cloudflare. Nothing is purged when unset.
# The application's own cache of public pages for anonymous visitors, in seconds (0: off).
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "600"))

WAGTAILFRONTENDCACHE = {}
if os.environ.get("FRONTEND_CACHE_PURGE_URL"):
    WAGTAILFRONTENDCACHE["http"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": os.environ["FRONTEND_CACHE_PURGE_URL"],
    }
if os.environ.get("CLOUDFLARE_BEARER_TOKEN") and os.environ.get("CLOUDFLARE_ZONE_ID"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "BEARER_TOKEN": os.environ["CLOUDFLARE_BEARER_TOKEN"],
        "ZONEID": os.environ["CLOUDFLARE_ZONE_ID"],
    }
WAGTAILFRONTENDCACHE_LANGUAGES = []

# Headless CMS: Wagtail API v3 at /api/v3/, site endpoints at /api/v3/site/, data·inclusion
# export at /api/data-inclusion/v1/ (see cms.api).
WAGTAILAPI_RICH_TEXT_FORMAT = "html"  # rich text with internal links resolved to public URLs
WAGTAILAPI_LIMIT_MAX = 100
# Image renditions given with every image of the API (name → Wagtail filter spec).
CMS_API_IMAGE_RENDITIONS = {
    "small": "width-480",
    "medium": "width-960",
    "large": "width-1600",
}
# Headless preview: the front-end page that shows a draft, called with ?token=… (see cms.api).
HEADLESS_PREVIEW_URL = os.environ.get("HEADLESS_PREVIEW_URL", "")
HEADLESS_PREVIEW_MAX_AGE = int(os.environ.get("HEADLESS_PREVIEW_MAX_AGE", str(60 * 60)))
# CORS for the decoupled front-end(s), on the API only.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False

# Logging: no personal data is ever logged by the application; requests are logged by the proxy.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # 4xx paths may carry tokens or identifiers: only server errors are logged.
        "django.request": {"level": "ERROR"},
    },
}

# Backups (`manage.py backup` / `restore`, portal.backup): a Fernet key, kept apart from them.
BACKUP_ENCRYPTION_KEY = os.environ.get("BACKUP_ENCRYPTION_KEY", "")

SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "contact@ilot.test")
ORGANISATION_NAME = _("L'Îlot")

# Referrals
REFERRAL_INFO_REQUEST_EXPIRY_DAYS = int(os.environ.get("REFERRAL_INFO_REQUEST_EXPIRY_DAYS", "30"))
REFERRAL_REMINDER_DAYS = int(os.environ.get("REFERRAL_REMINDER_DAYS", "10"))
REFERRAL_WAITING_DAYS = int(os.environ.get("REFERRAL_WAITING_DAYS", "10"))
# Events and messages older than this are no longer news (unread markers, "Mon espace", badge).
REFERRAL_NEWS_DAYS = int(os.environ.get("REFERRAL_NEWS_DAYS", "30"))

# Retention of personal data (README, "Sécurité et données personnelles"): days after which
# the daily purge deletes or anonymises. Each must be a positive whole number (system check).
RETENTION_ATTACHMENTS_DAYS = env_days("RETENTION_ATTACHMENTS_DAYS", 183)  # after the decision
RETENTION_REFERRALS_DAYS = env_days("RETENTION_REFERRALS_DAYS", 730)  # after the last activity
RETENTION_DRAFTS_DAYS = env_days("RETENTION_DRAFTS_DAYS", 90)  # drafts never submitted
RETENTION_UNANSWERED_DAYS = env_days("RETENTION_UNANSWERED_DAYS", 60)  # waiting for a decision
RETENTION_JOURNAL_DAYS = env_days("RETENTION_JOURNAL_DAYS", 365)  # access journal entries
RETENTION_NOTICE_DAYS = env_days("RETENTION_NOTICE_DAYS", 30)  # notice before anonymising
# Whom a person asks about their data (on the receipt handed to them): the data protection
# officer's address (docs/registre-des-traitements.md).
DPO_CONTACT = os.environ.get("DPO_CONTACT", "dpo@ilot.test")
# One user reading more distinct files than this in a day stands out in the journal's page.
JOURNAL_ALERT_READS = int(os.environ.get("JOURNAL_ALERT_READS", "30"))

# Content-Security-Policy (django-csp, core.middleware.ContentSecurityPolicyMiddleware), enforced in
# every settings module so that what it breaks shows in development and in the browser tests.
# No inline script and no inline style anywhere on the public site and the portal: scripts are
# static files (portal/static/portal/js/), data goes through `json_script`. Public pages are cached
# whole for anonymous visitors, so they use no nonce.
CSP_REPORT_URL = "/csp-report/"
CSP_FRAME_SOURCES = env_list(
    "CSP_FRAME_SOURCES",
    "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com,"
    "https://www.dailymotion.com,https://geo.dailymotion.com",
)
# Where images and media are served from when not from this site (an S3 bucket's domain).
CSP_MEDIA_SOURCES = env_list("CSP_MEDIA_SOURCES")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *CSP_MEDIA_SOURCES],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, *CSP_MEDIA_SOURCES],
        "frame-src": CSP_FRAME_SOURCES,
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "report-uri": CSP_REPORT_URL,
    }
}
# Sources added to every response's policy by these functions: the sign-in and logout forms are
# redirected to ProConnect when it is configured (form-action must allow its origin).
CSP_EXTRA_SOURCES = ["accounts.proconnect.conf.csp_sources"]
# The one place for what the admin sites need beyond that policy, by path prefix: the sources are
# added to the directive's (they replace it when it was 'none').
# Wagtail's admin writes inline scripts (date pickers, inline panels) and inline styles, and
# previews images from blob: URLs; Django's admin writes inline styles.
CSP_PATH_RELAXATIONS = {
    "/admin/": {
        "script-src": [UNSAFE_INLINE],
        "style-src": [UNSAFE_INLINE],
        "img-src": ["blob:"],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
    },
    "/django-admin/": {"style-src": [UNSAFE_INLINE]},
}
# Wagtail's admin would load avatars from gravatar.com and ask releases.wagtail.org for a newer
# version from the editors' browsers (telling them who uses the admin): both off.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
