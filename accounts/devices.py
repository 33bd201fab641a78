"""Known devices, so that a stranger typing wrong passwords for someone's address does not
lock its owner out (README, "Sécurité et données personnelles").

allauth limits failed logins per IP address and per login (``ACCOUNT_RATE_LIMITS
["login_failed"]``, e.g. 5 per 5 minutes per login). A successful sign-in leaves a signed cookie
on the device (a random id and a keyed digest of the login, no address in clear). Failed
attempts from that device for that login are counted in a bucket of their own: the stranger's
failures fill the shared bucket, and the owner still signs in from a browser they used before.
From a new device the owner shares the stranger's bucket (at most 5 minutes of waiting, or a
password reset)."""

from django.conf import settings
from django.core import signing
from django.utils.crypto import get_random_string, salted_hmac

COOKIE = "ilot_appareil"
SALT = "accounts.devices"


def _login_digest(login: str) -> str:
    return salted_hmac(SALT, login.strip().lower(), algorithm="sha256").hexdigest()[:32]


def remember(response, user) -> None:
    value = signing.dumps({"l": _login_digest(user.email), "d": get_random_string(20)}, salt=SALT)
    response.set_cookie(
        COOKIE,
        value,
        max_age=settings.KNOWN_DEVICE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def device_for(request, login: str) -> str | None:
    """The id of this device when it signed in as `login` before, else None."""
    value = request.COOKIES.get(COOKIE) if request is not None else None
    if not value or not login:
        return None
    try:
        data = signing.loads(value, salt=SALT, max_age=settings.KNOWN_DEVICE_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("l") != _login_digest(login):
        return None
    return str(data.get("d") or "") or None
