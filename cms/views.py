"""Public views outside the page tree: search and robots.txt."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from .forms import SearchForm
from .models import GlossaryPage, GlossaryTerm

RESULTS_PER_PAGE = 10

ROBOTS_DISALLOW = [
    "/admin/",
    "/compte/",
    "/espace/",
    "/orientations/",
    "/commission/",
    "/api/",
    "/invitation/",
    "/organisations/",
    "/django-admin/",
    "/recherche/",
]


@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    query = ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()
    results_page = None
    paginator = None
    terms = []
    glossary = None
    if query:
        terms = list(get_search_backend().search(query, GlossaryTerm, operator="and")[:5])
        glossary = GlossaryPage.objects.live().first() if terms else None
        if glossary is None:
            terms = []  # shown only with a link to the glossary page
        results = Page.objects.live().public().specific().search(query, operator="and")
        paginator = Paginator(results, RESULTS_PER_PAGE)
        try:
            number = int(request.GET.get("page", "1"))
        except ValueError:
            raise Http404(_("Numéro de page invalide.")) from None
        if number < 1:
            raise Http404(_("Numéro de page invalide."))
        results_page = paginator.get_page(number)
    response = render(
        request,
        "cms/search.html",
        {
            "form": form,
            "query": query,
            "results_page": results_page,
            "paginator": paginator,
            "extra_query": urlencode({"q": query}),
            "terms": terms,
            "glossary": glossary,
            # What the page shows: the pages found and the glossary terms above them.
            "count": (paginator.count if paginator else 0) + len(terms),
        },
    )
    # Results depend on the query and change with every publication: never in a shared cache.
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request):
    lines = ["User-agent: *", *[f"Disallow: {path}" for path in ROBOTS_DISALLOW], ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
