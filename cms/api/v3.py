"""Wagtail's API v3 at ``/api/v3/`` (django-ninja, OpenAPI 3.1, docs at ``/api/v3/docs/``).

Every page type, images and documents, read anonymously (live and public pages only), and the
snippets (glossary terms, key figures), read with a bearer token (``wagtail.models.APIToken``)
whose user has the Wagtail permission; anonymous front-ends read the public snippets at
``/api/v3/site/glossary/`` and ``/api/v3/site/key-figures/`` (``cms.api.site``). Writes need the
token. ``v3_urls()`` mounts it with three additions: unknown query parameters (and page types)
are refused (400) on the read endpoints of pages, images, documents and snippets instead of being
ignored, a huge ``offset`` or ``limit`` is a 400 everywhere, and any other path under
``/api/v3/`` is a JSON 404.
StreamFields and images are shown as ``cms.api.schemas`` describes.
"""

import functools

from django.apps import apps
from django.db import IntegrityError, transaction
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, re_path, resolve
from django.utils.translation import gettext as _
from wagtail.api.v3.api import api as v3_api
from wagtail.api.v3.errors import problem_response
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination
from wagtail.api.v3.routers.pages import PageFilterSchema
from wagtail.api.v3.schemas.pages import BASE_PAGE_READ_FIELDS
from wagtail.api.v3.schemas.params import OrderingSchema, SearchSchema, TranslationFilterSchema
from wagtail.api.validators import APIFieldValidator
from wagtail.documents import get_document_model
from wagtail.documents.api.v3.router import BASE_DOCUMENT_READ_FIELDS
from wagtail.images import get_image_model
from wagtail.images.api.v3.router import BASE_IMAGE_READ_FIELDS
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
COLLECTION_PARAMETERS = frozenset(
    {
        *OrderingSchema.model_fields,
        *SearchSchema.model_fields,
        *WagtailLimitOffsetPagination.Input.model_fields,
    }
)


def list_pages_parameters(types: list[str]) -> set[str]:
    """Parameters of ``GET /pages/``: v3's own, plus a filter per field of the page type."""
    models = [PAGE_MODELS[label] for label in types]
    model = models[0] if len(models) == 1 else Page
    filters = APIFieldValidator(
        model=model, fields=[], base_fields=BASE_PAGE_READ_FIELDS, db_fields_only=True
    ).allowed_fields
    return set(LIST_PAGES_PARAMETERS) | set(filters)


def _field_filters(model, base_fields) -> set[str]:
    """The ``?field=value`` filters a list endpoint accepts: the model's API fields in the DB."""
    return set(
        APIFieldValidator(
            model=model, fields=[], base_fields=base_fields, db_fields_only=True
        ).allowed_fields
    )


def _list_pages(request, kwargs) -> set[str] | str:
    types = request.GET.getlist("type")  # repeat the parameter for several types
    unknown_types = [label for label in types if label not in PAGE_MODELS]
    if unknown_types:
        return unknown_page_types_message(unknown_types)
    return list_pages_parameters(types)


def _list_snippets(request, kwargs) -> set[str] | None:
    try:
        model = apps.get_model(kwargs.get("type", ""))
    except (LookupError, ValueError):
        return None  # an unknown snippet type: the endpoint answers it
    return (
        COLLECTION_PARAMETERS
        | set(TranslationFilterSchema.model_fields)
        | {"rich_text_format"}
        | _field_filters(model, [model._meta.pk.name])
    )


# What each read endpoint accepts: a set of parameters, or a function of the request and the
# path's arguments (returning the set, an error message, or None for "let the endpoint answer").
STRICT_VIEWS = {
    "list_pages": _list_pages,
    "detail_page": PAGE_DETAIL_PARAMETERS,
    "find_page": FIND_PAGE_PARAMETERS,
    "list_images": lambda request, kwargs: (
        COLLECTION_PARAMETERS | _field_filters(get_image_model(), BASE_IMAGE_READ_FIELDS)
    ),
    "detail_image": frozenset(),
    "list_documents": lambda request, kwargs: (
        COLLECTION_PARAMETERS | _field_filters(get_document_model(), BASE_DOCUMENT_READ_FIELDS)
    ),
    "detail_document": frozenset(),
    "list_snippets": _list_snippets,
    "detail_snippet": frozenset({"version", "rich_text_format"}),
}


def strict_parameters(view, accepted):
    """Refuse unknown query parameters (and page types) with a 400 instead of ignoring them."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        allowed = accepted(request, kwargs) if callable(accepted) else accepted
        if isinstance(allowed, str):
            return bad_request(allowed)
        if allowed is not None:
            unknown = set(request.GET.keys()) - set(allowed)
            if unknown:
                return bad_request(unknown_parameters_message(unknown, allowed))
        return view(request, *args, **kwargs)

    return wrapper


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
    """``/pages/abc/`` is a malformed path: 404, not a validation error (our snippets' keys are
    numbers too)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        for name, value in kwargs.items():
            if (name.endswith("_id") or name == "pk") and not str(value).isdigit():
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


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def constraints_as_client_errors(view):
    """A write that the database refuses (Wagtail's create path validates only the fields it is
    given, so a snippet posted without a required field reaches a NOT NULL constraint) is the
    client's error: a 422 problem in French, the transaction rolled back, never a 500."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method in SAFE_METHODS:
            return view(request, *args, **kwargs)
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except IntegrityError:
            return problem_response(
                status=422,
                detail=_(
                    "Données incomplètes ou contradictoires : un champ obligatoire manque ou une "
                    "valeur est déjà utilisée. Rien n'a été enregistré."
                ),
            )

    return wrapper


def v3_urls():
    """``include()``-able URLs of the Wagtail API v3 (see the module's docstring)."""
    patterns, app_name, namespace = v3_api.urls
    patterns = list(patterns)
    for pattern in patterns:
        accepted = STRICT_VIEWS.get(getattr(pattern, "name", None))
        if accepted is not None:
            pattern.callback = strict_parameters(pattern.callback, accepted)
        if "_id>" in str(pattern.pattern) or "<pk>" in str(pattern.pattern):
            pattern.callback = numeric_identifiers(pattern.callback)
        pattern.callback = constraints_as_client_errors(bounded_pagination(pattern.callback))
    patterns.append(re_path(r"^.*$", not_found))
    return patterns, app_name, namespace
