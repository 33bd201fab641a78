"""Headless preview: editors see their drafts in the decoupled front-end."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import APIToken

from tests.factories import MembershipFactory, NewsPageFactory
from tests.utils import login

pytestmark = pytest.mark.django_db

FRONT = "https://www.ilot.example/apercu"


@pytest.fixture
def news(home):
    page = NewsPageFactory(title="Titre publié")
    page.save_revision().publish()
    page.title = "Titre du brouillon"
    page.intro = "Chapô en cours de rédaction."
    page.save_revision()
    return page


@pytest.fixture
def front(settings):
    settings.HEADLESS_PREVIEW_URL = FRONT
    return settings


def bearer(user) -> dict:
    _token, plaintext = APIToken.create_token(user=user, name="Front-end")
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def preview_token(client, editor, page) -> str:
    login(client, editor)
    response = client.get(reverse("cms_headless_preview", args=[page.pk]))
    client.logout()
    assert response.status_code == 302
    assert response["Location"].startswith(f"{FRONT}?")
    assert "no-store" in response["Cache-Control"]
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["id"] == [str(page.pk)]
    assert query["type"] == ["cms.NewsPage"]
    return query["token"][0]


def test_v3_drafts_need_an_editors_token(client, news, editor):
    url = f"/api/v3/pages/{news.pk}/"
    assert client.get(url, {"version": "draft"}).json()["title"] == "Titre publié"
    draft = client.get(url, {"version": "draft"}, **bearer(editor)).json()
    assert draft["title"] == "Titre du brouillon"
    assert draft["intro"] == "Chapô en cours de rédaction."
    assert client.get(url, **bearer(editor)).json()["title"] == "Titre publié"
    partner = MembershipFactory().user
    assert client.get(url, {"version": "draft"}, **bearer(partner)).status_code == 404


def test_the_page_editor_offers_the_front_end_preview(client, news, editor, front):
    login(client, editor)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[news.pk]))
    assert edit.status_code == 200
    assert "Aperçu sur le site" in edit.content.decode()
    assert reverse("cms_headless_preview", args=[news.pk]) in edit.content.decode()


def test_no_front_end_preview_without_the_setting(client, news, editor, settings):
    settings.HEADLESS_PREVIEW_URL = ""
    login(client, editor)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[news.pk]))
    assert "Aperçu sur le site" not in edit.content.decode()
    response = client.get(reverse("cms_headless_preview", args=[news.pk]))
    assert response.status_code == 302  # the admin's "permission denied": back to the dashboard
    assert not response["Location"].startswith("http")


def test_the_front_end_reads_the_draft_with_the_signed_token(client, news, editor, front):
    token = preview_token(client, editor, news)
    response = client.get("/api/v3/site/preview/", {"token": token})  # no API token needed
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "Titre du brouillon"
    assert data["meta"]["type"] == "cms.NewsPage"
    # The same JSON as the v3 detail of the draft.
    v3 = client.get(f"/api/v3/pages/{news.pk}/", {"version": "draft"}, **bearer(editor)).json()
    assert data == v3


def test_a_never_published_page_can_be_previewed(client, home, editor, front):
    page = NewsPageFactory(title="Pas encore publiée", live=False)
    page.save_revision()
    token = preview_token(client, editor, page)
    assert client.get(f"/api/v3/pages/{page.pk}/").status_code == 404
    data = client.get("/api/v3/site/preview/", {"token": token}).json()
    assert data["title"] == "Pas encore publiée"


def test_invalid_expired_or_revoked_preview_tokens_are_refused(client, news, editor, front):
    token = preview_token(client, editor, news)
    for bad in ("", "abc", token[:-2] + "xx"):
        response = client.get("/api/v3/site/preview/", {"token": bad})
        assert response.status_code == 401, bad
        assert response["Content-Type"] == "application/problem+json"
        assert "Titre du brouillon" not in response.content.decode()
    front.HEADLESS_PREVIEW_MAX_AGE = -1
    expired = client.get("/api/v3/site/preview/", {"token": token})
    assert expired.status_code == 401
    assert "expiré" in expired.json()["detail"]
    front.HEADLESS_PREVIEW_MAX_AGE = 3600
    assert client.get("/api/v3/site/preview/", {"token": token}).status_code == 200
    # The editor leaves the editors' group: their links stop working.
    editor.groups.remove(Group.objects.get(name="Éditeurs"))
    assert client.get("/api/v3/site/preview/", {"token": token}).status_code == 401


def test_only_editors_get_a_preview_link(client, news, front):
    partner = MembershipFactory().user
    client.force_login(partner)
    response = client.get(reverse("cms_headless_preview", args=[news.pk]))
    assert not response.get("Location", "").startswith(FRONT)
    assert response.status_code in (302, 403)


def test_preview_cors_for_the_front_end(client, news, editor, front):
    front.CORS_ALLOWED_ORIGINS = ["https://www.ilot.example"]
    token = preview_token(client, editor, news)
    response = client.get(
        "/api/v3/site/preview/", {"token": token}, HTTP_ORIGIN="https://www.ilot.example"
    )
    assert response["Access-Control-Allow-Origin"] == "https://www.ilot.example"
