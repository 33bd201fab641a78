"""HTTP caching of public pages.

Anonymous GETs of live, unrestricted pages may be kept by a shared cache (CDN, Varnish) for
``s-maxage`` seconds and served stale while it revalidates; browsers keep them a minute. Signed-in
users, previews and restricted pages are never stored. When a front-end cache is configured
(``WAGTAILFRONTENDCACHE``), ``wagtail.contrib.frontend_cache`` purges a page when it is published
or unpublished.
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers, patch_cache_control
from wagtail.models import PageViewRestriction

DEFAULT_PUBLIC_CACHE_CONTROL = "public, s-maxage=600, stale-while-revalidate=86400, max-age=60"


def public_cache_control() -> str:
    return getattr(settings, "PUBLIC_PAGE_CACHE_CONTROL", "") or DEFAULT_PUBLIC_CACHE_CONTROL


def _is_restricted(page) -> bool:
    """Whether the page or an ancestor has a view restriction (one query)."""
    step = page.steplen
    ancestor_paths = [page.path[:length] for length in range(step, len(page.path) + 1, step)]
    return PageViewRestriction.objects.filter(page__path__in=ancestor_paths).exists()


def apply_cache_policy(page, request, response):
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.has_header("Cache-Control") or getattr(request, "is_preview", False):
        return response
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response
    if not page.live or _is_restricted(page):
        patch_cache_control(response, private=True, no_cache=True)
        return response
    response["Cache-Control"] = public_cache_control()
    return response
