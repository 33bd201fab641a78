"""Query parameters of the headless API: an unknown parameter is an error, never ignored."""

import functools

from django.utils.translation import gettext as _
from ninja.errors import HttpError


def unknown_parameters_message(unknown, allowed) -> str:
    return _("Paramètre(s) inconnu(s) : %(unknown)s. Paramètres acceptés : %(allowed)s.") % {
        "unknown": ", ".join(sorted(unknown)),
        "allowed": ", ".join(sorted(allowed)) or _("aucun"),
    }


def only_parameters(*names: str):
    """Refuse (400) query parameters the endpoint doesn't declare, with the accepted list."""
    allowed = frozenset(names)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            unknown = set(request.GET.keys()) - allowed
            if unknown:
                raise HttpError(400, unknown_parameters_message(unknown, allowed))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
