"""Headless CMS API: Wagtail API v3 at /api/v3/ and the site endpoints at /api/v3/site/."""

import json

import pytest
from django.db import connection
from wagtail.models import APIToken, PageViewRestriction, get_page_models

from cms.models import NewsPage, SiteSettings, StandardPage
from tests.factories import (
    EstablishmentIndexPageFactory,
    EstablishmentPageFactory,
    EventPageFactory,
    GlossaryPageFactory,
    GlossaryTermFactory,
    ImageFactory,
    IndexPageFactory,
    KeyFigureFactory,
    MembershipFactory,
    NewsIndexPageFactory,
    NewsPageFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    StandardPageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PAGE_TYPES = sorted(
    model._meta.label for model in get_page_models() if model._meta.app_label == "cms"
)


def bearer(user) -> dict:
    _token, plaintext = APIToken.create_token(user=user, name="Outil éditorial")
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


@pytest.fixture
def site_tree(home):
    """One page of every type under the home page, all live and public."""
    establishments = EstablishmentIndexPageFactory(title="Nos établissements")
    programmes = ProgrammeIndexPageFactory(title="Nos programmes")
    news = NewsIndexPageFactory(title="Actualités")
    return {
        "cms.HomePage": home,
        "cms.EstablishmentIndexPage": establishments,
        "cms.EstablishmentPage": EstablishmentPageFactory(
            title="CHRS Chemin Vert", parent=establishments
        ),
        "cms.ProgrammeIndexPage": programmes,
        "cms.ProgrammePage": ProgrammePageFactory(title="AQI", parent=programmes),
        "cms.NewsIndexPage": news,
        "cms.NewsPage": NewsPageFactory(title="Une nouvelle", parent=news),
        "cms.StandardPage": StandardPageFactory(title="Qui sommes-nous", show_in_menus=True),
        "cms.GlossaryPage": GlossaryPageFactory(),
        "cms.IndexPage": IndexPageFactory(title="L'association"),
        "cms.EventPage": EventPageFactory(title="Forum de la réinsertion"),
    }


def listed_ids(client, **params) -> set[int]:
    response = client.get("/api/v3/pages/", {"limit": 100, **params})
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


# --------------------------------------------------------------------------------------------
# Every page type and snippet, documented, listed and readable
# --------------------------------------------------------------------------------------------


def test_docs_document_every_page_type_and_snippet(client):
    assert client.get("/api/v3/docs/").status_code == 200
    schema = client.get("/api/v3/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    components = schema["components"]["schemas"]
    for label in PAGE_TYPES:
        assert f"{label.split('.')[1]}Schema" in components, label
    for snippet in ("GlossaryTermSchema", "KeyFigureSchema"):
        assert snippet in components
    assert "/api/v3/snippets/{type}/" in schema["paths"]
    # StreamField blocks are typed, images come with renditions.
    assert "BodyBlockParagraphItem" in components
    assert "ImageWithRenditionsSchema" in components
    site_docs = client.get("/api/v3/site/openapi.json").json()
    for path in ("navigation", "breadcrumbs", "find", "settings", "search", "glossary"):
        assert f"/api/v3/site/{path}/" in site_docs["paths"]
    assert client.get("/api/v3/site/docs/").status_code == 200


def test_every_page_type_is_listed_and_readable(client, site_tree):
    for label in PAGE_TYPES:
        page = site_tree[label]
        assert page.pk in listed_ids(client, type=label), label
        response = client.get(f"/api/v3/pages/{page.pk}/")
        assert response.status_code == 200, label
        data = response.json()
        assert data["meta"]["type"] == label
        assert data["title"] == page.title


def test_structured_fields_of_an_establishment(client, site_tree):
    page = site_tree["cms.EstablishmentPage"]
    data = client.get(f"/api/v3/pages/{page.pk}/").json()
    assert data["city"] == "Amiens"
    assert data["publics"] == ["hommes_seuls"]
    assert data["referral_types"] == ["sortie_seche"]
    assert data["admission_criteria"] == "<p>Homme seul, majeur.</p>"
    assert data["meta"]["parent"]["id"] == site_tree["cms.EstablishmentIndexPage"].pk


def test_snippets_readable_with_a_token_and_publicly_through_the_site_api(client, editor):
    GlossaryTermFactory(
        term="Service pénitentiaire d'insertion et de probation", abbreviation="SPIP"
    )
    KeyFigureFactory(label="demandes traitées", value=53)
    assert client.get("/api/v3/snippets/cms.GlossaryTerm/").status_code == 401
    for label in ("cms.GlossaryTerm", "cms.KeyFigure"):
        response = client.get(f"/api/v3/snippets/{label}/", **bearer(editor))
        assert response.status_code == 200
        assert response.json()["count"] == 1
    terms = client.get("/api/v3/site/glossary/").json()
    assert terms["items"][0]["abbreviation"] == "SPIP"
    figures = client.get("/api/v3/site/key-figures/", {"year": 2019}).json()
    assert figures["items"][0]["label"] == "demandes traitées"
    assert client.get("/api/v3/site/key-figures/", {"year": 2020}).json()["count"] == 0


def test_rich_text_is_html_with_internal_links_resolved(client, site_tree):
    target = site_tree["cms.ProgrammePage"]
    page = StandardPageFactory(
        title="Liens",
        body=json.dumps(
            [
                {
                    "type": "paragraph",
                    "value": f'<p>Voir <a linktype="page" id="{target.pk}">l\'AQI</a>.</p>',
                }
            ]
        ),
    )
    data = client.get(f"/api/v3/pages/{page.pk}/").json()
    paragraph = data["body"][0]
    assert paragraph["type"] == "paragraph"
    assert 'href="/nos-programmes/aqi/"' in paragraph["value"]
    assert "linktype" not in paragraph["value"]


def test_streamfield_blocks_are_typed_json_and_images_have_renditions(client, site_tree):
    image = ImageFactory(file__width=2000, file__height=1000, description="Un atelier")
    target = site_tree["cms.NewsPage"]
    page = StandardPageFactory(
        title="Blocs",
        body=json.dumps(
            [
                {"type": "heading", "value": {"level": "h2", "text": "Nos missions"}},
                {
                    "type": "image",
                    "value": {"image": image.pk, "alt": "Atelier", "decorative": False},
                },
                {"type": "call_to_action", "value": {"text": "Lire", "page": target.pk}},
                {"type": "quote", "value": {"text": "Merci.", "attribution": "P. F."}},
            ]
        ),
    )
    body = client.get(f"/api/v3/pages/{page.pk}/").json()["body"]
    assert [block["type"] for block in body] == ["heading", "image", "call_to_action", "quote"]
    assert body[0]["value"] == {"level": "h2", "text": "Nos missions"}
    picture = body[1]["value"]["image"]
    assert picture["id"] == image.pk and picture["alt"] == "Un atelier"
    assert {name: r["width"] for name, r in picture["renditions"].items()} == {
        "small": 480,
        "medium": 960,
        "large": 1600,
    }
    assert picture["srcset"].count("w,") == 2
    assert body[1]["value"]["alt"] == "Atelier"
    link = body[2]["value"]["page"]
    assert link["id"] == target.pk and link["url"] == target.url
    assert body[3]["value"]["attribution"] == "P. F."


def test_image_foreign_keys_have_renditions(client, site_tree):
    news = site_tree["cms.NewsPage"]
    news.image = ImageFactory(file__width=1200, file__height=800)
    news.save()
    data = client.get(f"/api/v3/pages/{news.pk}/").json()
    assert set(data["image"]["renditions"]) == {"small", "medium", "large"}
    assert data["image"]["renditions"]["large"]["width"] == 1200  # never enlarged
    assert data["image_card"]["width"] == 640


# --------------------------------------------------------------------------------------------
# Visibility: drafts, unpublished and restricted pages never leak anonymously
# --------------------------------------------------------------------------------------------


def hidden_everywhere(client, page):
    assert page.pk not in listed_ids(client)
    assert page.pk not in listed_ids(client, type=page.specific_class._meta.label)
    assert client.get(f"/api/v3/pages/{page.pk}/").status_code == 404
    assert client.get(f"/api/v3/pages/{page.pk}/", {"version": "draft"}).status_code == 404
    assert client.get("/api/v3/pages/find/", {"html_path": page.url_path}).status_code == 404
    path = "/" + "/".join(page.url_path.strip("/").split("/")[1:]) + "/"
    assert client.get("/api/v3/site/find/", {"path": path}).status_code == 404
    assert client.get("/api/v3/site/breadcrumbs/", {"id": page.pk}).status_code == 404
    navigation = json.dumps(client.get("/api/v3/site/navigation/").json())
    assert f'"id": {page.pk},' not in navigation
    results = client.get("/api/v3/site/search/", {"q": "Confidentiel"}).json()
    assert page.pk not in {item["id"] for item in results["items"]}


def test_never_published_page_is_hidden(client, site_tree):
    page = StandardPageFactory(title="Confidentiel", live=False, show_in_menus=True)
    hidden_everywhere(client, page)


def test_unpublished_page_is_hidden(client, site_tree):
    page = StandardPageFactory(title="Confidentiel", show_in_menus=True)
    page.save_revision().publish()
    assert page.pk in listed_ids(client)
    page.unpublish()
    hidden_everywhere(client, page)


def test_restricted_page_and_its_children_are_hidden(client, site_tree):
    page = StandardPageFactory(title="Confidentiel", show_in_menus=True)
    child = StandardPageFactory(title="Confidentiel enfant", parent=page)
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    hidden_everywhere(client, page)
    hidden_everywhere(client, child)


def test_login_restricted_page_hidden_even_with_a_session(client, site_tree):
    page = StandardPageFactory(title="Confidentiel", show_in_menus=True)
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    client.force_login(UserFactory())  # a session never authenticates the API
    hidden_everywhere(client, page)


def test_draft_changes_never_leak_anonymously(client, site_tree):
    news = site_tree["cms.NewsPage"]
    news.save_revision().publish()
    news.title = "Titre en cours de rédaction"
    news.save_revision()
    for params in ({}, {"version": "draft"}):
        data = client.get(f"/api/v3/pages/{news.pk}/", params).json()
        assert data["title"] == "Une nouvelle"
    assert "rédaction" not in client.get("/api/v3/pages/", {"limit": 100}).content.decode()


# --------------------------------------------------------------------------------------------
# Writes need a token whose user has the permission
# --------------------------------------------------------------------------------------------


def news_payload(parent, **extra):
    return {
        "meta": {"type": "cms.NewsPage", "parent_id": parent.pk},
        "title": "Portes ouvertes à l'Îlot Gourmand",
        "date": "2025-06-12",
        "intro": "Venez découvrir l'atelier.",
        **extra,
    }


def post_json(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def patch_json(client, url, data, **headers):
    return client.patch(url, json.dumps(data), content_type="application/json", **headers)


def test_writes_without_a_valid_token_are_refused(client, site_tree, editor):
    news_index = site_tree["cms.NewsIndexPage"]
    news = site_tree["cms.NewsPage"]
    count = NewsPage.objects.count()
    token, plaintext = APIToken.create_token(user=editor, name="Ancien")
    token.revoke()
    partner = MembershipFactory().user  # a partner of the referral portal: no page permission
    attempts = [
        ({}, 401),
        ({"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}, 401),
        ({"HTTP_AUTHORIZATION": "Bearer pas-un-jeton"}, 401),
        (bearer(partner), 403),
    ]
    client.force_login(editor)  # a session never authenticates the API
    for headers, status in attempts:
        response = post_json(client, "/api/v3/pages/", news_payload(news_index), **headers)
        assert response.status_code == status, headers
        assert response["Content-Type"] == "application/problem+json"
        response = patch_json(client, f"/api/v3/pages/{news.pk}/", {"title": "Piraté"}, **headers)
        assert response.status_code == status, headers
        response = client.delete(f"/api/v3/pages/{news.pk}/", **headers)
        assert response.status_code == status, headers
    assert NewsPage.objects.count() == count
    news.refresh_from_db()
    assert news.title == "Une nouvelle"
    assert news.get_latest_revision() is None


def test_an_editor_creates_and_updates_a_news_page(client, site_tree, editor):
    headers = bearer(editor)
    news_index = site_tree["cms.NewsIndexPage"]
    response = post_json(
        client,
        "/api/v3/pages/",
        news_payload(
            news_index,
            body=[{"type": "paragraph", "value": "<p>Le 12 juin, de 10 h à 17 h.</p>"}],
        ),
        **headers,
    )
    assert response.status_code == 201, response.content
    page = NewsPage.objects.get(pk=response.json()["id"])
    assert not page.live  # a draft until published
    assert page.get_parent().pk == news_index.pk
    assert page.pk not in listed_ids(client)

    response = patch_json(
        client,
        f"/api/v3/pages/{page.pk}/",
        {"meta": {"action": "publish"}, "intro": "Entrée libre."},
        **headers,
    )
    assert response.status_code == 200, response.content
    page.refresh_from_db()
    assert page.live and page.intro == "Entrée libre."
    data = client.get(f"/api/v3/pages/{page.pk}/").json()
    assert data["intro"] == "Entrée libre."
    assert "Le 12 juin, de 10 h à 17 h." in data["body"][0]["value"]


def test_an_editor_cannot_write_outside_the_site(client, site_tree, editor):
    response = post_json(
        client,
        "/api/v3/pages/",
        {"meta": {"type": "cms.StandardPage", "parent_id": 1}, "title": "Hors du site"},
        **bearer(editor),
    )
    assert response.status_code in (403, 422)
    assert not StandardPage.objects.filter(title="Hors du site").exists()


# --------------------------------------------------------------------------------------------
# Bad parameters (400) and malformed paths (404)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, params, message",
    [
        ("/api/v3/pages/", {"fields": "title"}, "Paramètre(s) inconnu(s) : fields"),
        ("/api/v3/pages/", {"type": "cms.BlogPage"}, "Type de page inconnu : cms.BlogPage"),
        ("/api/v3/pages/", {"type": "cms.NewsPage", "colour": "red"}, "colour"),
        ("/api/v3/pages/1/", {"format": "xml"}, "format"),
        ("/api/v3/pages/find/", {"html_path": "/", "foo": "1"}, "foo"),
        ("/api/v3/site/navigation/", {"depth": "3"}, "depth"),
        ("/api/v3/site/search/", {"q": "chrs", "page": "2"}, "page"),
        ("/api/v3/site/search/", {"q": "chrs", "type": "cms.Nope"}, "cms.Nope"),
        ("/api/v3/site/breadcrumbs/", {}, "identifiant (id) ou son chemin (path)"),
        ("/api/data-inclusion/v1/services/", {"offset": "2"}, "offset"),
        ("/api/v3/images/", {"fields": "title"}, "Paramètre(s) inconnu(s) : fields"),
        ("/api/v3/images/1/", {"format": "json"}, "format"),
        ("/api/v3/documents/", {"colour": "red"}, "colour"),
        ("/api/v3/documents/1/", {"fields": "*"}, "fields"),
        ("/api/v3/snippets/cms.GlossaryTerm/", {"colour": "red"}, "colour"),
        ("/api/v3/snippets/cms.KeyFigure/1/", {"draft": "1"}, "draft"),
    ],
)
def test_unknown_parameters_and_page_types_are_refused(client, site_tree, url, params, message):
    response = client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert message in response.json()["detail"]


def test_known_parameters_of_images_documents_and_snippets_are_accepted(client, editor):
    image = ImageFactory(title="Façade")
    GlossaryTermFactory(term="Travail d'intérêt général", abbreviation="TIG")
    response = client.get("/api/v3/images/", {"title": "Façade", "limit": 5, "order": "id"})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [image.pk]
    assert client.get(f"/api/v3/images/{image.pk}/").status_code == 200
    assert client.get("/api/v3/documents/", {"search": "rapport", "offset": 0}).status_code == 200
    response = client.get(
        "/api/v3/snippets/cms.GlossaryTerm/", {"abbreviation": "TIG"}, **bearer(editor)
    )
    assert response.status_code == 200
    assert [item["term"] for item in response.json()["items"]] == ["Travail d'intérêt général"]


def test_known_field_filters_are_accepted(client, site_tree):
    news = site_tree["cms.NewsPage"]
    ids = listed_ids(client, type="cms.NewsPage", date=news.date.isoformat())
    assert ids == {news.pk}
    assert site_tree["cms.StandardPage"].pk in listed_ids(client, show_in_menus="true")
    several = listed_ids(client, type=["cms.NewsPage", "cms.StandardPage"])
    assert several == {site_tree["cms.NewsPage"].pk, site_tree["cms.StandardPage"].pk}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v3/pages/abc/",
        "/api/v3/pages/999999/",
        "/api/v3/nope/",
        "/api/v3/pages/find/?html_path=/nos-etablissements/inconnu/",
        "/api/v3/site/find/?path=/nos-etablissements/inconnu/",
        "/api/v3/site/find/?path=nos-etablissements",
        "/api/v3/site/find/?path=/../etc/passwd",
        "/api/v3/site/find/?path=//nos-etablissements/",
        "/api/v3/site/find/?path=/nos%20etablissements/",
        "/api/v3/site/breadcrumbs/?path=/a/%3Cscript%3E/",
    ],
)
def test_malformed_or_unknown_paths_are_404(client, site_tree, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_missing_final_slash_redirects(client):
    response = client.get("/api/v3/pages?limit=5")
    assert response.status_code == 301
    assert response["Location"] == "/api/v3/pages/?limit=5"


# --------------------------------------------------------------------------------------------
# Site endpoints: navigation, breadcrumbs, find by path, settings, search
# --------------------------------------------------------------------------------------------


def test_navigation_gives_menu_pages_with_their_children(client, site_tree):
    about = site_tree["cms.StandardPage"]
    StandardPageFactory(title="Notre histoire", parent=about, show_in_menus=True)
    StandardPageFactory(title="Hors menu", parent=about, show_in_menus=False)
    data = client.get("/api/v3/site/navigation/").json()
    assert data["home"]["url"] == "/"
    titles = [item["title"] for item in data["items"]]
    assert titles == ["Nos établissements", "Nos programmes", "Actualités", "Qui sommes-nous"]
    about_item = data["items"][3]
    assert about_item["url"] == "/qui-sommes-nous/"
    assert [child["title"] for child in about_item["children"]] == ["Notre histoire"]
    assert about_item["children"][0]["url"] == "/qui-sommes-nous/notre-histoire/"


def test_breadcrumbs_by_id_and_by_path(client, site_tree):
    page = site_tree["cms.EstablishmentPage"]
    expected = ["L'Îlot", "Nos établissements", "CHRS Chemin Vert"]
    by_id = client.get("/api/v3/site/breadcrumbs/", {"id": page.pk}).json()
    assert [crumb["title"] for crumb in by_id] == expected
    by_path = client.get(
        "/api/v3/site/breadcrumbs/", {"path": "/nos-etablissements/chrs-chemin-vert/"}
    ).json()
    assert by_path == by_id
    assert by_id[-1]["url"] == "/nos-etablissements/chrs-chemin-vert/"


def test_find_by_path_returns_the_same_json_as_the_detail(client, site_tree):
    page = site_tree["cms.EstablishmentPage"]
    found = client.get("/api/v3/site/find/", {"path": "/nos-etablissements/chrs-chemin-vert/"})
    assert found.status_code == 200
    assert found.json() == client.get(f"/api/v3/pages/{page.pk}/").json()
    home = client.get("/api/v3/site/find/", {"path": "/"}).json()
    assert home["meta"]["type"] == "cms.HomePage"
    # v3's own find redirects to the detail.
    response = client.get("/api/v3/pages/find/", {"html_path": "/nos-etablissements/"})
    assert response.status_code == 302


def test_site_settings(client, site_tree, home):
    legal = StandardPageFactory(title="Mentions légales")
    hidden = StandardPageFactory(title="Accessibilité", live=False)
    settings = SiteSettings.for_site(home.get_site())
    settings.contact_phone = "01 43 14 31 00"
    settings.contact_email = "contact@ilot.test"
    settings.legal_notice_page = legal
    settings.accessibility_page = hidden
    settings.save()
    data = client.get("/api/v3/site/settings/").json()
    assert data["contact_phone"] == "01 43 14 31 00"
    assert data["contact_email"] == "contact@ilot.test"
    assert data["legal_notice_page"]["url"] == "/mentions-legales/"
    assert data["accessibility_page"] is None  # not live: not given
    assert data["accessibility_status"] == "non_conforme"
    assert data["home"]["id"] == home.pk


def test_search_live_public_pages_in_french(client, site_tree):
    StandardPageFactory(title="Hébergement des sortants de prison", intro="Sorties sèches.")
    StandardPageFactory(title="Hébergements brouillon", live=False)
    data = client.get("/api/v3/site/search/", {"q": "hébergement"}).json()
    titles = [item["title"] for item in data["items"]]
    assert "Hébergement des sortants de prison" in titles  # French stemming: hébergement(s)
    assert "Hébergements brouillon" not in titles
    assert data["count"] == len(titles)
    only_news = client.get("/api/v3/site/search/", {"q": "nouvelle", "type": "cms.NewsPage"})
    assert [item["type"] for item in only_news.json()["items"]] == ["cms.NewsPage"]
    assert client.get("/api/v3/site/search/", {"q": " "}).status_code == 400


# --------------------------------------------------------------------------------------------
# CORS
# --------------------------------------------------------------------------------------------


def test_cors_for_configured_front_end_origins_on_the_api_only(client, settings, site_tree):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.ilot.example"]
    allowed = client.get("/api/v3/pages/", HTTP_ORIGIN="https://www.ilot.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://www.ilot.example"
    preflight = client.options(
        "/api/v3/pages/",
        HTTP_ORIGIN="https://www.ilot.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert preflight["Access-Control-Allow-Origin"] == "https://www.ilot.example"
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    refused = client.get("/api/v3/pages/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in refused
    not_api = client.get("/", HTTP_ORIGIN="https://www.ilot.example")
    assert "Access-Control-Allow-Origin" not in not_api


# --------------------------------------------------------------------------------------------
# Constant query counts
# --------------------------------------------------------------------------------------------


def queries_for(client, url) -> int:
    """Queries of a request, caches warmed (counted directly: the debug log may be full)."""
    client.get(url)  # warm the caches (site root paths, content types)
    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        assert client.get(url).status_code == 200
    return len(executed)


@pytest.mark.parametrize(
    "url, make",
    [
        (
            "/api/v3/pages/?type=cms.NewsPage&limit=100",
            lambda n: NewsPageFactory.create_batch(n),
        ),
        (
            "/api/v3/site/navigation/",
            lambda n: StandardPageFactory.create_batch(n, show_in_menus=True),
        ),
        (
            "/api/v3/site/search/?q=nouvelle&limit=50",
            lambda n: NewsPageFactory.create_batch(n),
        ),
        ("/api/v3/site/glossary/?limit=100", lambda n: GlossaryTermFactory.create_batch(n)),
        ("/api/v3/site/key-figures/?limit=100", lambda n: KeyFigureFactory.create_batch(n)),
    ],
)
def test_query_counts_do_not_grow_with_items(
    client, site_tree, django_assert_max_num_queries, url, make
):
    make(3)
    with_three = queries_for(client, url)
    make(27)
    client.get(url)
    with django_assert_max_num_queries(with_three):
        response = client.get(url)
    body = response.json()
    assert body.get("count", len(body.get("items", []))) >= 30 or "navigation" in url
    if "navigation" in url:
        assert len(body["items"]) >= 30


# --------------------------------------------------------------------------------------------
# The demo content, end to end
# --------------------------------------------------------------------------------------------


def test_every_demo_page_serialises(client):
    from cms import demo as cms_demo

    cms_demo.load()
    listing = client.get("/api/v3/pages/", {"limit": 100}).json()
    assert listing["count"] > 10
    block_types = set()
    for item in listing["items"]:
        response = client.get(f"/api/v3/pages/{item['id']}/")
        assert response.status_code == 200, (item["title"], response.content[:300])
        data = response.json()
        block_types |= {block["type"] for block in data.get("body") or []}
        assert "linktype=" not in response.content.decode()  # internal links resolved
    assert {"heading", "paragraph"} <= block_types
    navigation = client.get("/api/v3/site/navigation/").json()
    assert navigation["items"]
    assert client.get("/api/data-inclusion/v1/services/").json()["total"] > 5


def test_a_snippet_written_without_a_required_field_is_a_422_and_nothing_is_saved(client, editor):
    """Wagtail validates only the fields it is given: the database's refusal is the client's
    error (cms.api.v3.constraints_as_client_errors), not a server error."""
    from cms.models import KeyFigure

    editor.is_superuser = True
    editor.save()
    response = client.post(
        "/api/v3/snippets/cms.KeyFigure/",
        data={"type": "cms.KeyFigure", "label": "personnes accueillies", "value": "113"},
        content_type="application/json",
        **bearer(editor),
    )
    assert response.status_code == 422, response.content
    assert "Rien n'a été enregistré" in response.json()["detail"]
    assert not KeyFigure.objects.exists()
