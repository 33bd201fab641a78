"""Wagtail's API v3 at ``/api/v3/`` (django-ninja, OpenAPI 3.1, docs at ``/api/v3/docs/``).

Every page type, the snippets (glossary terms, key figures), images and documents, read
anonymously (live and public pages only) and written with a bearer token
(``wagtail.models.APIToken``) whose user has the Wagtail permission. ``v3_urls()`` mounts it with
three additions: unknown query parameters and unknown page types are refused (400) on the page
endpoints instead of being ignored, a huge ``offset`` or ``limit`` is a 400 everywhere, and any
other path under ``/api/v3/`` is a JSON 404.
StreamFields and images are shown as ``cms.api.schemas`` describes.
"""

import functools

from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, re_path, resolve
from django.utils.translation import gettext as _
from wagtail.api.v3.api import api as v3_api
from wagtail.api.v3.errors import problem_response
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination
from wagtail.api.v3.routers.pages import PageFilterSchema
from wagtail.api.v3.schemas.pages import BASE_PAGE_READ_FIELDS
from wagtail.api.v3.schemas.params import OrderingSchema, SearchSchema
from wagtail.api.validators import APIFieldValidator
from wagtail.models import Page

from .params import (
    PAGE_MODELS,
    bad_request,
    pagination_error,
    unknown_page_types_message,
    unknown_parameters_message,
)

LIST_PAGES_PARAMETERS = frozenset(
    {
        *PageFilterSchema.model_fields,
        *OrderingSchema.model_fields,
        *SearchSchema.model_fields,
        *WagtailLimitOffsetPagination.Input.model_fields,
    }
)
PAGE_DETAIL_PARAMETERS = frozenset({"version", "rich_text_format", "site"})
FIND_PAGE_PARAMETERS = frozenset({"id", "html_path", "site", "version", "rich_text_format"})


def list_pages_parameters(types: list[str]) -> set[str]:
    """Parameters of ``GET /pages/``: v3's own, plus a filter per field of the page type."""
    models = [PAGE_MODELS[label] for label in types]
    model = models[0] if len(models) == 1 else Page
    filters = APIFieldValidator(
        model=model, fields=[], base_fields=BASE_PAGE_READ_FIELDS, db_fields_only=True
    ).allowed_fields
    return set(LIST_PAGES_PARAMETERS) | set(filters)


def strict_page_parameters(view, kind: str):
    """Refuse unknown query parameters and page types (400) instead of ignoring them."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        names = set(request.GET.keys())
        if kind == "list":
            types = request.GET.getlist("type")  # repeat the parameter for several types
            unknown_types = [label for label in types if label not in PAGE_MODELS]
            if unknown_types:
                return bad_request(unknown_page_types_message(unknown_types))
            allowed = list_pages_parameters(types)
        elif kind == "detail":
            allowed = PAGE_DETAIL_PARAMETERS
        else:
            allowed = FIND_PAGE_PARAMETERS
        unknown = names - set(allowed)
        if unknown:
            return bad_request(unknown_parameters_message(unknown, allowed))
        return view(request, *args, **kwargs)

    return wrapper


STRICT_VIEWS = {"list_pages": "list", "detail_page": "detail", "find_page": "find"}


def not_found(request, *args, **kwargs):
    """Any other path under /api/v3/: a JSON 404 (or the same path with its final slash)."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                request.path + "/" + (f"?{query}" if query else "")
            )
    return problem_response(status=404, detail=_("Aucune ressource à cette adresse."))


def numeric_identifiers(view):
    """``/pages/abc/`` is a malformed path: 404, not a validation error."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        for name, value in kwargs.items():
            if name.endswith("_id") and not str(value).isdigit():
                return not_found(request)
        return view(request, *args, **kwargs)

    return wrapper


def bounded_pagination(view):
    """A huge ``offset`` or ``limit`` is a 400, not a database error."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        error = pagination_error(request)
        if error:
            return bad_request(error)
        return view(request, *args, **kwargs)

    return wrapper


def v3_urls():
    """``include()``-able URLs of the Wagtail API v3 (see the module's docstring)."""
    patterns, app_name, namespace = v3_api.urls
    patterns = list(patterns)
    for pattern in patterns:
        kind = STRICT_VIEWS.get(getattr(pattern, "name", None))
        if kind:
            pattern.callback = strict_page_parameters(pattern.callback, kind)
        if "_id>" in str(pattern.pattern):
            pattern.callback = numeric_identifiers(pattern.callback)
        pattern.callback = bounded_pagination(pattern.callback)
    patterns.append(re_path(r"^.*$", not_found))
    return patterns, app_name, namespace
