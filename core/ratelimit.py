"""A fixed-window limit per client address for the endpoints anyone may call without an account
(the certificates' public check, the browsers' CSP reports). The counts are in the shared cache,
so that several app servers count together (README, "Deploying on several machines")."""

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied


def client_ip(request) -> str | None:
    """The client's address, as seen through the proxies counted in
    `ALLAUTH_TRUSTED_PROXY_COUNT`; None when it cannot be trusted."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return None  # no address, or proxies that do not match the configuration


def over_rate(request, scope: str, limit: int, seconds: int = 60) -> bool:
    """True once this address has called `scope` more than `limit` times in the window."""
    key = f"rate:{scope}:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        return False
