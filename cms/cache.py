"""HTTP caching of public pages: headers for shared caches, and the application's own cache.

Anonymous GETs of live, unrestricted pages may be kept by a shared cache (CDN, Varnish) for
``s-maxage`` seconds and served stale while it revalidates; browsers keep them a minute. Signed-in
users, previews and restricted pages are never stored. When a front-end cache is configured
(``WAGTAILFRONTENDCACHE``), ``wagtail.contrib.frontend_cache`` purges a page when it is published
or unpublished.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
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


# --------------------------------------------------------------------------------------------
# The application's own cache of public pages (when no CDN sits in front)
# --------------------------------------------------------------------------------------------

GENERATION_KEY = "public-pages:generation"


def public_cache_seconds() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 600) or 0)


def purge_public_pages(*args, **kwargs):
    """Forget every cached public page and API read: the next request renders afresh.

    Connected to the same events as the front-end cache purge (publish, unpublish) and to moves,
    deletions and snippet or site setting changes, which can show on any page (menus, footer,
    glossary); a new generation makes every earlier key unreachable at once."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


class PublicPageCacheMiddleware:
    """Serve anonymous visitors' public pages (and API v3 public reads) from the shared cache.

    Stored: GET responses (200) whose ``Cache-Control`` says ``public`` (``apply_cache_policy``
    gives it only to live, unrestricted pages seen anonymously) or anonymous API v3 reads; never
    a response setting a cookie (a form's CSRF token) or carrying a per-request CSP nonce. Read:
    only by requests without a session cookie or an ``Authorization`` header, so signed-in users
    always get a fresh page. Keyed by host, language, path and query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = self.key(request)
        if key is None:
            return self.get_response(request)
        cached = cache.get(key)
        if cached is not None:
            cached["X-Cache"] = "HIT"
            return cached
        response = self.get_response(request)
        if self.storable(request, response):
            if getattr(response, "render", None) and not response.is_rendered:
                response.render()
            cache.set(key, response, public_cache_seconds())
            response["X-Cache"] = "MISS"
        return response

    def key(self, request) -> str | None:
        if request.method not in ("GET", "HEAD") or not public_cache_seconds():
            return None
        if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
            return None
        if request.path.startswith(("/admin/", "/api/v3/site/preview/")):
            return None
        generation = cache.get(GENERATION_KEY) or 0
        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        return f"public-pages:{generation}:{request.get_host()}:{language}:{digest}"

    def storable(self, request, response) -> bool:
        if request.method != "GET" or response.status_code != 200 or response.cookies:
            return False
        if getattr(response, "streaming", False):
            return False
        if "nonce-" in response.get("Content-Security-Policy", ""):
            return False
        control = response.get("Cache-Control", "")
        if "private" in control or "no-cache" in control or "no-store" in control:
            return False
        return "public" in control or request.path.startswith("/api/v3/")
