"""The site API at ``/api/v3/site/``: what a decoupled front-end needs beside Wagtail's API v3.

Navigation, breadcrumbs, a page by its path, site settings, search, the public glossary and key
figures, and the headless preview of drafts (``cms.api.preview``); documented at
``/api/v3/site/docs/``. Read-only and anonymous: only live, public pages appear. Pages are shown
in the same JSON as ``GET /api/v3/pages/{id}/``, links to pages as ``cms.api.schemas`` describes.
"""

import re

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from wagtail.api.rich_text import RichTextOutputFormat
from wagtail.api.v2.utils import get_full_url
from wagtail.api.v3.errors import problem_response, register_exception_handlers
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination
from wagtail.api.v3.registry import registry
from wagtail.api.v3.routers.pages import PageDetailSchema
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend

from ..models import GlossaryTerm, KeyFigure, SiteSettings
from .params import PAGE_MODELS, bad_request, only_parameters, unknown_page_types_message
from .preview import InvalidPreviewToken, read_token
from .schemas import PageLinkSchema, page_link_representation

DESCRIPTION = """
Ce dont un site découplé (front-end) a besoin en plus de l'API Wagtail v3
([documentation](/api/v3/docs/)) : menu de navigation, fil d'Ariane, recherche d'une page par son
chemin, paramètres du site, recherche plein texte, glossaire et chiffres clés publics, aperçu des
brouillons.

Lecture seule, sans authentification : seules les pages publiées et publiques (sans restriction
d'accès) apparaissent. Les erreurs sont au format `application/problem+json` ; un paramètre
inconnu donne 400.
"""

site_api = NinjaAPI(
    title="API du site — L'Îlot",
    version="1",
    description=DESCRIPTION,
    urls_namespace="cms_api",
    docs_url="/docs/",
    openapi_url="/openapi.json",
)
register_exception_handlers(site_api)


def current_site(request: HttpRequest) -> Site:
    site = Site.find_for_request(request)
    if site is None:
        raise Http404(_("Aucun site n'est configuré."))
    return site


def public_pages(site: Site):
    """Live pages of the site without any view restriction (nor under one)."""
    return Page.objects.live().public().descendant_of(site.root_page, inclusive=True)


class MenuItemSchema(PageLinkSchema):
    children: list["MenuItemSchema"] = []


class NavigationSchema(Schema):
    home: PageLinkSchema
    items: list[MenuItemSchema] = Field(
        description="Pages « afficher dans les menus » sous l'accueil, avec leurs sous-pages."
    )


@site_api.get(
    "/navigation/",
    response=NavigationSchema,
    summary="Menu de navigation",
    description="Les pages de premier niveau affichées dans les menus, avec leurs sous-pages "
    "affichées dans les menus (deux niveaux).",
    operation_id="site_navigation",
    tags=["site"],
)
@only_parameters()
def navigation(request):
    site = current_site(request)
    root = site.root_page
    pages = list(
        public_pages(site)
        .filter(depth__in=[root.depth + 1, root.depth + 2], show_in_menus=True)
        .order_by("path")
    )
    items: dict[str, dict] = {}
    top: list[dict] = []
    for page in pages:
        item = {**page_link_representation(page, request), "children": []}
        if page.depth == root.depth + 1:
            items[page.path] = item
            top.append(item)
        else:
            parent = items.get(page.path[: -Page.steplen])
            if parent is not None:  # under a page that isn't in the menus: not shown
                parent["children"].append(item)
    return {"home": page_link_representation(root, request), "items": top}


class PageLookup(Schema):
    id: int | None = Field(None, description="Identifiant de la page.")
    path: str | None = Field(
        None, description="Chemin public de la page, par exemple /nos-etablissements/."
    )


SLUG_RE = re.compile(r"^[\w-]+$")


def page_for_path(request, site: Site, path: str):
    """The public page at ``path`` on ``site``, or 404 (also for malformed paths)."""
    if not path.startswith("/") or len(path) > 1000 or "//" in path:
        raise Http404(_("Chemin invalide."))
    components = [component for component in path.split("/") if component]
    if not all(SLUG_RE.match(component) for component in components):
        raise Http404(_("Chemin invalide."))
    try:
        page, _args, _kwargs = site.root_page.specific.route(request, components)
    except Http404:
        raise Http404(_("Aucune page publique à ce chemin.")) from None
    if not public_pages(site).filter(pk=page.pk).exists():
        raise Http404(_("Aucune page publique à ce chemin."))
    return page


def lookup_page(request, lookup: PageLookup):
    site = current_site(request)
    if (lookup.id is None) == (lookup.path is None):
        raise HttpError(400, _("Précisez la page par son identifiant (id) ou son chemin (path)."))
    if lookup.path is not None:
        return site, page_for_path(request, site, lookup.path)
    page = public_pages(site).filter(pk=lookup.id).first()
    if page is None:
        raise Http404(_("Aucune page publique avec cet identifiant."))
    return site, page


@site_api.get(
    "/breadcrumbs/",
    response=list[PageLinkSchema],
    summary="Fil d'Ariane",
    description="Les pages de l'accueil à la page demandée (incluse), par `id` ou `path`.",
    operation_id="site_breadcrumbs",
    tags=["site"],
)
@only_parameters("id", "path")
def breadcrumbs(request, lookup: PageLookup = Query(...)):  # noqa: B008
    site, page = lookup_page(request, lookup)
    ancestors = (
        public_pages(site).ancestor_of(page, inclusive=True).filter(depth__gte=site.root_page.depth)
    )
    return [page_link_representation(ancestor, request) for ancestor in ancestors.order_by("depth")]


@site_api.get(
    "/find/",
    response=PageDetailSchema,
    summary="Page par son chemin",
    description="La page publique à ce chemin, dans le même JSON que `GET /api/v3/pages/{id}/`. "
    "404 si aucune page publique ne s'y trouve ou si le chemin est mal formé.",
    operation_id="site_find",
    tags=["site"],
)
@only_parameters("path", "rich_text_format")
def find(request, path: str, rich_text_format: RichTextOutputFormat | None = None):
    site = current_site(request)
    return page_for_path(request, site, path).specific


class SiteSettingsSchema(Schema):
    site_name: str
    root_url: str
    home: PageLinkSchema
    contact_address: str
    contact_phone: str
    contact_email: str
    donation_url: str
    facebook_url: str
    linkedin_url: str
    instagram_url: str
    youtube_url: str
    legal_notice_page: PageLinkSchema | None = None
    accessibility_page: PageLinkSchema | None = None
    accessibility_status: str = Field(
        description="Conformité RGAA : totale, partielle, non_conforme."
    )
    accessibility_status_label: str
    search_url: str = Field(description="Adresse de la recherche de cette API.")


@site_api.get(
    "/settings/",
    response=SiteSettingsSchema,
    summary="Paramètres du site",
    description="Coordonnées, réseaux sociaux, pages légales et conformité RGAA du site.",
    operation_id="site_settings",
    tags=["site"],
)
@only_parameters()
def site_settings(request):
    site = current_site(request)
    values = SiteSettings.for_site(site)
    linked = {
        page.pk: page
        for page in public_pages(site).filter(
            pk__in=[values.legal_notice_page_id, values.accessibility_page_id]
        )
    }
    return {
        "site_name": site.site_name or settings.WAGTAIL_SITE_NAME,
        "root_url": site.root_url,
        "home": page_link_representation(site.root_page, request),
        **{
            name: getattr(values, name)
            for name in (
                "contact_address",
                "contact_phone",
                "contact_email",
                "donation_url",
                "facebook_url",
                "linkedin_url",
                "instagram_url",
                "youtube_url",
                "accessibility_status",
            )
        },
        "accessibility_status_label": values.get_accessibility_status_display(),
        "legal_notice_page": page_link_representation(
            linked.get(values.legal_notice_page_id), request
        ),
        "accessibility_page": page_link_representation(
            linked.get(values.accessibility_page_id), request
        ),
        "search_url": get_full_url(request, "/api/v3/site/search/"),
    }


class SearchResultSchema(PageLinkSchema):
    search_description: str = ""


class SearchResultsSchema(Schema):
    query: str
    count: int
    items: list[SearchResultSchema]


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=200, description="Les mots recherchés.")
    type: str | None = Field(None, description="Un type de page, par exemple cms.NewsPage.")
    limit: int = Field(10, ge=1, le=50)
    offset: int = Field(0, ge=0)


@site_api.get(
    "/search/",
    response=SearchResultsSchema,
    summary="Recherche",
    description="Recherche plein texte (configuration française) dans les pages publiées et "
    "publiques, par pertinence.",
    operation_id="site_search",
    tags=["site"],
)
@only_parameters("q", "type", "limit", "offset")
def search(request, query: SearchQuery = Query(...)):  # noqa: B008
    site = current_site(request)
    text = query.q.strip()
    if not text:
        return bad_request(_("Saisissez les mots recherchés (paramètre q)."))
    pages = public_pages(site)
    if query.type:
        model = PAGE_MODELS.get(query.type)
        if model is None:
            return bad_request(unknown_page_types_message([query.type]))
        pages = pages.type(model)
    results = get_search_backend().search(text, pages, operator="and")
    count = results.count()
    items = [
        {**page_link_representation(page, request), "search_description": page.search_description}
        for page in results[query.offset : query.offset + query.limit]
    ]
    return {"query": text, "count": count, "items": items}


GlossaryTermSchema = registry.get(GlossaryTerm._meta.label).read_schema
KeyFigureSchema = registry.get(KeyFigure._meta.label).read_schema


@site_api.get(
    "/glossary/",
    response=list[GlossaryTermSchema],
    summary="Glossaire",
    description="Les termes du glossaire (sigles et définitions), par ordre alphabétique.",
    operation_id="site_glossary",
    tags=["snippets"],
)
@paginate(WagtailLimitOffsetPagination)
@only_parameters("limit", "offset")
def glossary(request, **kwargs):
    return GlossaryTerm.objects.order_by("term", "pk")


class KeyFigureFilter(Schema):
    page: int | None = Field(None, description="Identifiant de l'établissement ou du programme.")
    year: int | None = None


@site_api.get(
    "/key-figures/",
    response=list[KeyFigureSchema],
    summary="Chiffres clés",
    description="Les chiffres clés des rapports d'activité, d'une page ou d'une année.",
    operation_id="site_key_figures",
    tags=["snippets"],
)
@paginate(WagtailLimitOffsetPagination)
@only_parameters("page", "year", "limit", "offset")
def key_figures(request, filters: KeyFigureFilter = Query(...), **kwargs):  # noqa: B008
    figures = KeyFigure.objects.order_by("sort_order", "-year", "pk")
    condition = Q()
    if filters.page is not None:
        condition &= Q(page_id=filters.page)
    if filters.year is not None:
        condition &= Q(year=filters.year)
    return figures.filter(condition)


@site_api.get(
    "/preview/",
    response=PageDetailSchema,
    summary="Aperçu d'un brouillon",
    description="La dernière version (brouillon compris) de la page d'un lien d'aperçu signé, "
    "créé par le bouton « Aperçu sur le site » de l'administration. Même JSON que "
    "`GET /api/v3/pages/{id}/`. 401 si le lien est invalide ou expiré.",
    operation_id="site_preview",
    tags=["preview"],
)
@only_parameters("token", "rich_text_format")
def preview(request, token: str, rich_text_format: RichTextOutputFormat | None = None):
    try:
        page = read_token(token)
    except InvalidPreviewToken as error:
        return problem_response(status=401, detail=str(error))
    return page
