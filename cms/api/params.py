"""Query parameters of the headless API: an unknown parameter or page type is an error (400),
never ignored."""

import functools

from django.utils.translation import gettext as _
from ninja.errors import HttpError
from wagtail.api.v3.errors import problem_response
from wagtail.models import get_page_models

PAGE_MODELS = {model._meta.label: model for model in get_page_models()}


def bad_request(detail: str):
    return problem_response(status=400, detail=detail)


def unknown_parameters_message(unknown, allowed) -> str:
    return _("Paramètre(s) inconnu(s) : %(unknown)s. Paramètres acceptés : %(allowed)s.") % {
        "unknown": ", ".join(sorted(unknown)),
        "allowed": ", ".join(sorted(allowed)) or _("aucun"),
    }


def unknown_page_types_message(labels) -> str:
    return _("Type de page inconnu : %(types)s. Types disponibles : %(known)s.") % {
        "types": ", ".join(labels),
        "known": ", ".join(sorted(PAGE_MODELS)),
    }


# Past this, an offset would only reach the database to fail ("bigint out of range").
MAX_OFFSET = 1_000_000


def pagination_error(request) -> str | None:
    """A French message when ``offset`` or ``limit`` is a number too large to mean anything."""
    for name in ("offset", "limit"):
        value = request.GET.get(name, "").strip()
        if value.lstrip("+-").isdigit() and int(value) > MAX_OFFSET:
            return _("Le paramètre « %(name)s » doit valoir au plus %(max)s.") % {
                "name": name,
                "max": MAX_OFFSET,
            }
    return None


def only_parameters(*names: str):
    """Refuse (400) query parameters the endpoint doesn't declare, with the accepted list."""
    allowed = frozenset(names)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            unknown = set(request.GET.keys()) - allowed
            if unknown:
                raise HttpError(400, unknown_parameters_message(unknown, allowed))
            error = pagination_error(request)
            if error:
                raise HttpError(400, error)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
