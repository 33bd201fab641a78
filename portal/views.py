import os
import socket
import uuid

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import cache_control, never_cache

from accounts.permissions import can_manage
from referrals.permissions import (
    actor_for,
    is_organisation_admin,
    reads_journal,
    runs_rights,
    uses_commission_area,
)
from referrals.work import work_items


@cache_control(public=True, max_age=86400)
def favicon(request):
    """``/favicon.ico``, asked for by browsers and feed readers that ignore ``<link rel=icon>``."""
    return HttpResponsePermanentRedirect(static("portal/icons/favicon-32.png"))


def _server_id() -> str:
    """Which app server answered: APP_SERVER_ID if set (e.g. "app1"), else host and process."""
    return settings.APP_SERVER_ID or f"{socket.gethostname()}/{os.getpid()}"


@never_cache
def healthz(request):
    """For load balancers: the database and the cache reachable, and which server answered.
    503 when either is unreachable; says nothing else (no version, no configuration)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unreachable"
    try:
        key = f"healthz:{uuid.uuid4().hex}"
        cache.set(key, "1", timeout=10)
        checks["cache"] = "ok" if cache.get(key) == "1" else "unreachable"
        cache.delete(key)
    except Exception:
        checks["cache"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks, "server": _server_id()},
        status=200 if healthy else 503,
    )


@login_required
def dashboard(request):
    """The signed-in home: what needs my action now, who I am acting for, what I can do."""
    membership = request.current_membership
    internal_roles = []
    if membership is not None:
        internal_roles = list(membership.internal_roles.select_related("establishment"))
    return render(
        request,
        "portal/dashboard.html",
        {
            "membership": membership,
            "internal_roles": internal_roles,
            "can_manage": membership is not None
            and can_manage(request.user, membership.organisation),
            "reads_referrals": uses_commission_area(actor := actor_for(request)),
            "reads_journal": reads_journal(actor),
            "runs_rights": runs_rights(actor),
            "work": work_items(actor) if membership is not None else [],
            "reassigns": is_organisation_admin(actor),
        },
    )


def choose_language(request, code):
    """Switch language with a plain link (no form, so public pages set no CSRF cookie and stay
    cacheable by a shared cache). Choosing a language changes nothing but a preference cookie."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


# The 500 page is self-contained (inline styles, no static file): its styles are allowed there.
server_error = csp_update({"style-src": [UNSAFE_INLINE]})(defaults.server_error)
