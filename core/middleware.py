import re
import uuid

from csp.constants import NONE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.utils.module_loading import import_string

SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Every request gets an id (the proxy's `X-Request-ID` when it is sane, a new one
    otherwise), kept in `request.request_id` for the logs and the access journal, and sent back
    in the response's `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if SAFE_ID.match(given) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class PrivateResponseMiddleware:
    """No shared cache and no browser cache may keep what was meant for one person: every
    response to a signed-in user, to a request carrying credentials (an API token) or under
    ``settings.PRIVATE_PATH_PREFIXES`` (the partner API) is ``Cache-Control: no-store, private``,
    whatever the view said. Anonymous public pages keep their own cache headers."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(getattr(settings, "PRIVATE_PATH_PREFIXES", ()))

    def is_private(self, request) -> bool:
        if "Authorization" in request.headers or request.path_info.startswith(self.prefixes):
            return True
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)

    def __call__(self, request):
        response = self.get_response(request)
        if self.is_private(request):
            response["Cache-Control"] = "no-store, private"
            del response["Expires"]
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (``settings.CONTENT_SECURITY_POLICY``), plus the relaxations of
    ``settings.CSP_PATH_RELAXATIONS`` for the paths they name (the admin sites): their sources
    are added to the policy's, or replace it where it was ``'none'``. A view's own
    ``csp_replace`` still wins. The functions named in ``settings.CSP_EXTRA_SOURCES`` add
    sources that depend on the configuration of the moment (ProConnect's origin to form-action),
    the way Django plugs backends in: core knows no app."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self.extra_sources = [
            import_string(path) for path in getattr(settings, "CSP_EXTRA_SOURCES", [])
        ]

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        directives = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get(
            "DIRECTIVES", {}
        )
        extra = {}
        for source in self.extra_sources:
            for name, sources in source().items():
                extra.setdefault(name, []).extend(sources)
        if extra:
            parts.update = {
                name: [*extra.get(name, []), *(parts.update or {}).get(name, [])]
                for name in {*extra, *(parts.update or {})}
            }
        for prefix, relaxation in getattr(settings, "CSP_PATH_RELAXATIONS", {}).items():
            if request.path_info.startswith(prefix):
                replace = {}
                for name, sources in relaxation.items():
                    current = [s for s in directives.get(name, []) if s != NONE]
                    replace[name] = [*current, *(s for s in sources if s not in current)]
                parts.replace = {**replace, **(parts.replace or {})}
        return parts
