"""The public site in Wagtail's admin: snippets, cache headers of served pages, headless preview."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .api.preview import HeadlessPreviewButton, preview_redirect
from .cache import apply_cache_policy
from .models import GlossaryTerm, KeyFigure


class GlossaryTermViewSet(SnippetViewSet):
    model = GlossaryTerm
    icon = "help"
    menu_label = _("Glossaire")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["term", "abbreviation"]
    ordering = ["term"]


class KeyFigureViewSet(SnippetViewSet):
    model = KeyFigure
    icon = "table"
    menu_label = _("Chiffres clés")
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["label", "display_value", "year", "page"]
    list_filter = ["year"]
    ordering = ["sort_order", "-year"]


register_snippet(GlossaryTermViewSet)
register_snippet(KeyFigureViewSet)


@hooks.register("on_serve_page")
def public_cache_headers(next_serve_page):
    """Let a shared cache (CDN) keep the public pages of anonymous visitors for a while."""

    def serve(page, request, args, kwargs):
        response = next_serve_page(page, request, args, kwargs)
        return apply_cache_policy(page, request, response)

    return serve


@hooks.register("register_admin_urls")
def headless_preview_urls():
    return [path("apercu-site/<int:page_id>/", preview_redirect, name="cms_headless_preview")]


@hooks.register("register_page_header_buttons")
def headless_preview_button(page, user, view_name, next_url=None):
    if page.depth > 1:
        yield HeadlessPreviewButton(page=page)
