"""Template helpers of the public site: menu, breadcrumbs, absolute URLs, figures."""

import re
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from wagtail.models import Page, Site

register = template.Library()

NBSP = "\xa0"


@register.filter
def figure(value, unit=""):
    """A figure the French way: 1 500, 84 %, 12,5 mois ("—" when not measured)."""
    if value in (None, ""):
        return "—"
    value = Decimal(str(value))
    if value == value.to_integral_value():
        decimals = 0
    else:
        decimals = max(0, -value.normalize().as_tuple().exponent)
    text = number_format(value, decimals, use_l10n=True, force_grouping=True)
    unit = (unit or "").strip()
    return f"{text}{NBSP}{unit}" if unit else text


def _site(request):
    if request is None:
        return None
    if not hasattr(request, "_cms_site"):
        site = Site.find_for_request(request)
        request._cms_site = site
    return request._cms_site


@register.simple_tag(takes_context=True)
def main_menu_items(context):
    """Children of the site root shown in menus, with the aria-current value of each."""
    request = context.get("request")
    site = _site(request)
    if site is None:
        return []
    if not hasattr(request, "_cms_menu_pages"):
        request._cms_menu_pages = list(
            Page.objects.live().in_menu().child_of(site.root_page).order_by("path")
        )
    current = context.get("page")
    current_path = getattr(current, "path", None) if isinstance(current, Page) else None
    items = []
    for item in request._cms_menu_pages:
        url = item.get_url(request)
        if current_path is not None:
            if current.pk == item.pk:
                state = "page"
            elif current_path.startswith(item.path):
                state = "true"
            else:
                state = ""
        else:
            state = "true" if url and request.path.startswith(url) else ""
        items.append({"title": item.title, "url": url, "current": state})
    return items


@register.simple_tag
def breadcrumb_ancestors(page):
    """Ancestors of ``page`` from the home page down, the page itself excluded."""
    if page is None or not isinstance(page, Page) or page.depth <= 2:
        return []
    return list(page.get_ancestors().filter(depth__gte=2).live())


def absolute(url: str) -> str:
    if not url or re.match(r"^https?://", url):
        return url
    base = getattr(settings, "SITE_URL", "") or getattr(settings, "WAGTAILADMIN_BASE_URL", "")
    return base.rstrip("/") + url


@register.filter
def absolute_url(url):
    """An absolute URL on the configured SITE_URL (canonical links, Open Graph, sitemaps)."""
    return absolute(url or "")


@register.simple_tag(takes_context=True)
def canonical_url(context, page=None):
    request = context.get("request")
    if page is not None:
        return absolute(page.get_url(request) or "")
    if request is None:
        return ""
    return absolute(request.path)


@register.filter
def iframe_title(html, title):
    """Give embedded iframes an accessible name (oEmbed providers rarely do)."""
    if not html:
        return html
    html = str(html)
    if "<iframe" in html and " title=" not in html:
        html = html.replace("<iframe", f'<iframe title="{escape(title)}"', 1)
    return mark_safe(html)


@register.filter
def plural_fr(count, forms):
    """``{{ n|plural_fr:"établissement,établissements" }}``: French plural (0 and 1 singular)."""
    singular, _sep, plural = str(forms).partition(",")
    try:
        return singular if abs(int(count)) < 2 else plural
    except (TypeError, ValueError):
        return plural
