"""Establishment filters, news pagination and query counts that do not grow with the lists."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.choices import EstablishmentKind, PlaceType, Public
from tests.factories import (
    EstablishmentIndexPageFactory,
    EstablishmentPageFactory,
    ImageFactory,
    NewsIndexPageFactory,
    NewsPageFactory,
)
from tests.utils import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def establishments():
    index = EstablishmentIndexPageFactory()
    EstablishmentPageFactory(
        parent=index, title="CHRS Chemin Vert", city="Paris", postcode="75011", departement="75"
    )
    EstablishmentPageFactory(
        parent=index,
        title="CHRS Thuillier",
        publics=[Public.WOMEN_ALONE, Public.FAMILIES],
    )
    EstablishmentPageFactory(parent=index, title="CHU La Passerelle", kind=EstablishmentKind.CHU)
    return index


def _titles(body):
    return [t for t in ("CHRS Chemin Vert", "CHRS Thuillier", "CHU La Passerelle") if t in body]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["CHRS Chemin Vert", "CHRS Thuillier", "CHU La Passerelle"]),
        ("?departement=80", ["CHRS Thuillier", "CHU La Passerelle"]),
        ("?public=femmes_seules", ["CHRS Thuillier"]),
        ("?kind=chu", ["CHU La Passerelle"]),
        ("?departement=80&public=hommes_seules", ["CHRS Thuillier", "CHU La Passerelle"]),
        ("?departement=80&public=hommes_seuls", ["CHU La Passerelle"]),
        ("?departement=75&kind=chu", []),
    ],
)
def test_establishments_are_filtered_by_the_query_string(client, establishments, query, expected):
    response = client.get(establishments.url + query)
    assert response.status_code == 200
    body = text(response)
    assert _titles(body) == expected
    count = len(expected)
    word = "établissement" if count < 2 else "établissements"
    assert f"<strong>{count} {word}</strong>" in body


def test_filter_form_is_labelled_and_reports_invalid_values(client, establishments):
    body = text(client.get(establishments.url + "?departement=99"))
    assert '<label for="id_departement">Département</label>' in body
    assert '<option value="80">Somme (80)</option>' in body
    assert "Sélectionnez un choix valide" in body
    assert _titles(body) == ["CHRS Chemin Vert", "CHRS Thuillier", "CHU La Passerelle"]


@pytest.fixture
def news_index():
    index = NewsIndexPageFactory()
    for _ in range(12):
        NewsPageFactory(parent=index)
    return index


def _main(body):
    return body[body.index("<main") : body.index("</main>")]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5"])
def test_invalid_news_page_numbers_are_not_found(client, news_index, page):
    assert client.get(f"{news_index.url}?page={page}").status_code == 404


def test_news_pages_past_the_end_show_the_last_page(client, news_index):
    last = text(client.get(f"{news_index.url}?page=9999"))
    assert _main(text(client.get(f"{news_index.url}?page=2"))) == _main(last)
    assert last.count('class="news-card"') == 2
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2</a>' in last
    canonical = f"{settings.SITE_URL}{news_index.url}?page=2"
    assert f'<link rel="canonical" href="{canonical}">' in last
    first = text(client.get(news_index.url))
    assert first.count('class="news-card"') == 10
    assert 'rel="next"' in first


def _count_queries(client, url):
    client.get(url)  # warm up: renditions, site root paths
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_listing_queries_do_not_grow_with_the_number_of_items(
    client, home, django_assert_max_num_queries
):
    establishment_index = EstablishmentIndexPageFactory()
    news_index = NewsIndexPageFactory()

    def add(count):
        for _ in range(count):
            EstablishmentPageFactory(
                parent=establishment_index,
                place_rows=[(PlaceType.INSERTION, 20, ""), (PlaceType.LHSS, 5, "")],
            )
            NewsPageFactory(parent=news_index, image=ImageFactory())

    add(3)
    urls = ["/", establishment_index.url, news_index.url]
    baseline = {url: _count_queries(client, url) for url in urls}
    add(27)
    for url in urls:
        client.get(url)  # warm up the renditions of the new items
        with django_assert_max_num_queries(baseline[url]):
            response = client.get(url)
        assert response.status_code == 200
    assert text(client.get(establishment_index.url)).count("establishment-card") == 30
