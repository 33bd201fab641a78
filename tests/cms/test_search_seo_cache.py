"""Search (PostgreSQL, French stemming), sitemap, robots.txt, meta tags and HTTP caching."""

import pytest
from django.conf import settings
from wagtail.contrib.frontend_cache.backends.base import BaseBackend
from wagtail.models import PageViewRestriction, Site

from tests.factories import (
    EstablishmentPageFactory,
    GlossaryPageFactory,
    GlossaryTermFactory,
    NewsPageFactory,
    UserFactory,
)
from tests.utils import login, text

pytestmark = pytest.mark.django_db

PUBLIC = "public, s-maxage=600, stale-while-revalidate=86400, max-age=60"


@pytest.fixture
def chemin_vert():
    return EstablishmentPageFactory(
        title="CHRS Chemin Vert",
        intro="Des hommes seuls sortant de prison.",
        admission_criteria="<p>Aménagement de peine ou semi-liberté.</p>",
        body=[
            {
                "type": "paragraph",
                "value": "<p>Nous accueillons des personnes sous bracelets électroniques.</p>",
            }
        ],
    )


def test_search_finds_words_of_the_body_with_french_stemming(client, chemin_vert):
    EstablishmentPageFactory(title="CHRS Thuillier", intro="Femmes seules et familles.")
    response = client.get("/recherche/", {"q": "bracelet"})
    assert response.status_code == 200
    body = text(response)
    assert "<strong>1 résultat</strong>" in body
    assert f'<a href="{chemin_vert.url}">CHRS Chemin Vert</a>' in body
    assert "CHRS Thuillier" not in body
    assert "no-cache" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_search_shows_matching_glossary_terms(client, chemin_vert):
    glossary = GlossaryPageFactory()
    GlossaryTermFactory(
        term="Placement sous surveillance électronique",
        abbreviation="PSE",
        definition="Un aménagement de peine contrôlé par un bracelet électronique.",
    )
    body = text(client.get("/recherche/", {"q": "bracelet"}))
    assert "Dans le glossaire" in body
    assert f'<a href="{glossary.url}#terme-pse">PSE — Placement sous surveillance' in body
    # The count is what the page shows: one page and one term.
    assert "<strong>2 résultats</strong> pour « bracelet » (1 page et 1 terme du glossaire)." in (
        body
    )


def test_search_covers_admission_criteria_and_handles_empty_and_bad_input(client, chemin_vert):
    assert "CHRS Chemin Vert" in text(client.get("/recherche/", {"q": "semi-liberté"}))
    body = text(client.get("/recherche/"))
    assert '<form method="get" action="/recherche/" role="search"' in body
    assert "résultat" not in body
    assert "Aucune page ne correspond" in text(client.get("/recherche/", {"q": "zzzzzz"}))
    assert client.get("/recherche/", {"q": "bracelet", "page": "abc"}).status_code == 404
    assert client.get("/recherche/", {"q": "bracelet", "page": "99"}).status_code == 200


def test_sitemap_lists_live_pages(client, chemin_vert):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert f"{chemin_vert.url}</loc>" in response.content.decode()


def test_robots_txt_disallows_private_areas_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    for path in ("/admin/", "/compte/", "/espace/", "/django-admin/"):
        assert f"Disallow: {path}\n" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_canonical_and_open_graph_meta(client):
    news = NewsPageFactory(title="Grand froid", intro="Neuf places de plus cet hiver.")
    body = text(client.get(news.url))
    canonical = f"{settings.SITE_URL}{news.url}"
    assert f'<link rel="canonical" href="{canonical}">' in body
    assert f'<meta property="og:url" content="{canonical}">' in body
    assert '<meta property="og:title" content="Grand froid">' in body
    assert '<meta name="description" content="Neuf places de plus cet hiver.">' in body


def test_anonymous_page_views_may_be_cached_by_a_shared_cache(client, chemin_vert):
    response = client.get(chemin_vert.url)
    assert response["Cache-Control"] == PUBLIC


def test_signed_in_users_get_private_pages(client, chemin_vert):
    login(client, UserFactory())
    cache_control = client.get(chemin_vert.url)["Cache-Control"]
    assert "s-maxage" not in cache_control and "public" not in cache_control
    assert "private" in cache_control


def test_restricted_pages_are_never_publicly_cached(client, chemin_vert):
    PageViewRestriction.objects.create(
        page=chemin_vert, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    response = client.get(chemin_vert.url)
    assert "public" not in response.get("Cache-Control", "")


def test_a_restriction_on_an_ancestor_counts(chemin_vert):
    from cms.cache import _is_restricted

    assert not _is_restricted(chemin_vert)
    PageViewRestriction.objects.create(
        page=chemin_vert.get_parent(), restriction_type=PageViewRestriction.LOGIN
    )
    assert _is_restricted(chemin_vert)


PURGED = []


class RecordingBackend(BaseBackend):
    def purge(self, url):
        PURGED.append(url)


def test_publishing_purges_the_page_its_listing_and_the_home_page(settings):
    settings.WAGTAILFRONTENDCACHE = {"test": {"BACKEND": f"{__name__}.RecordingBackend"}}
    news = NewsPageFactory()
    for _ in range(11):
        NewsPageFactory(parent=news.get_parent())
    PURGED.clear()
    news.save_revision().publish()
    root = Site.objects.get(is_default_site=True).root_url  # purges use the Site's address
    index_url = root + news.get_parent().url
    assert root + news.url in PURGED
    assert index_url in PURGED and f"{index_url}?page=2" in PURGED
    assert f"{root}/" in PURGED


# The application's own cache of public pages ------------------------------------------------


def test_anonymous_visitors_get_the_cached_page_and_publishing_shows_at_once(client, chemin_vert):
    first = client.get(chemin_vert.url)
    assert first["X-Cache"] == "MISS"
    again = client.get(chemin_vert.url)
    assert again["X-Cache"] == "HIT"
    assert again.content == first.content
    chemin_vert.title = "CHRS Chemin Vert (Paris 11e)"
    chemin_vert.save_revision().publish()
    fresh = client.get(chemin_vert.url)
    assert fresh["X-Cache"] == "MISS"
    assert "CHRS Chemin Vert (Paris 11e)" in text(fresh)
    # A draft is not published: the cached public page stays.
    chemin_vert.title = "Brouillon"
    chemin_vert.save_revision()
    assert "Brouillon" not in text(client.get(chemin_vert.url))


def test_signed_in_users_and_restricted_pages_are_never_served_from_the_cache(client, chemin_vert):
    client.get(chemin_vert.url)
    login(client, UserFactory())
    response = client.get(chemin_vert.url)
    assert "X-Cache" not in response
    client.logout()
    client.cookies.clear()
    PageViewRestriction.objects.create(
        page=chemin_vert, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    from cms.cache import purge_public_pages

    purge_public_pages()
    for _ in range(2):
        response = client.get(chemin_vert.url)
        assert response.get("X-Cache") != "HIT"
        assert "Nous accueillons" not in text(response)


def test_unpublishing_moving_and_snippet_changes_purge(client, chemin_vert):
    glossary = GlossaryPageFactory()
    client.get(glossary.url)
    assert client.get(glossary.url)["X-Cache"] == "HIT"
    GlossaryTermFactory(
        term="Service pénitentiaire d'insertion et de probation", abbreviation="SPIP"
    )
    assert "SPIP" in text(client.get(glossary.url))
    client.get(chemin_vert.url)
    chemin_vert.unpublish()
    assert client.get(chemin_vert.url).status_code == 404
    news = NewsPageFactory()
    client.get(news.url)
    old_url = news.url
    news.move(news.get_parent().get_parent(), pos="last-child")
    news.refresh_from_db()
    response = client.get(old_url)  # no longer the cached page: Wagtail's redirect to the new one
    assert response.status_code == 301 and response["Location"] == news.url


def test_responses_setting_a_cookie_or_a_nonce_are_not_stored(rf):
    from django.http import HttpResponse

    from cms.cache import PublicPageCacheMiddleware

    def with_cookie(request):
        response = HttpResponse("formulaire")
        response["Cache-Control"] = PUBLIC
        response.set_cookie("csrftoken", "x")
        return response

    def with_nonce(request):
        response = HttpResponse("page")
        response["Cache-Control"] = PUBLIC
        response["Content-Security-Policy"] = "script-src 'nonce-abc'"
        return response

    for view in (with_cookie, with_nonce):
        middleware = PublicPageCacheMiddleware(view)
        for _ in range(2):
            assert "X-Cache" not in middleware(rf.get(f"/{view.__name__}/"))


def test_api_v3_public_reads_are_cached_and_purged(client, chemin_vert):
    url = f"/api/v3/pages/{chemin_vert.pk}/"
    assert client.get(url)["X-Cache"] == "MISS"
    assert client.get(url)["X-Cache"] == "HIT"
    chemin_vert.title = "CHRS Chemin Vert — nouveau nom"
    chemin_vert.save_revision().publish()
    assert client.get(url).json()["title"] == "CHRS Chemin Vert — nouveau nom"
