"""Every page type renders its key facts and fits in the page tree."""

import json
from pathlib import Path

import pytest
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.choices import PlaceType, Public, ReferralType
from cms.models import (
    EstablishmentIndexPage,
    EstablishmentPage,
    EventPage,
    GlossaryPage,
    HomePage,
    IndexPage,
    NewsIndexPage,
    NewsPage,
    ProgrammeIndexPage,
    ProgrammePage,
    StandardPage,
)
from tests.factories import (
    EstablishmentPageFactory,
    GlossaryPageFactory,
    GlossaryTermFactory,
    KeyFigureFactory,
    NewsPageFactory,
    ProgrammePageFactory,
    StandardPageFactory,
    UserFactory,
    home_page,
)
from tests.utils import login, text

pytestmark = pytest.mark.django_db


def test_home_page_shows_hero_figures_and_latest_news(client, home):
    figure = KeyFigureFactory(label="personnes accompagnées", value=1500)
    home.hero_title = "Accueillir et accompagner"
    home.featured_figures.create(figure=figure)
    home.save()
    NewsPageFactory(title="Une actualité récente")
    body = text(client.get("/"))
    assert '<h1 id="hero-title">Accueillir et accompagner</h1>' in body
    assert "1\xa0500" in body and "personnes accompagnées" in body
    assert "Une actualité récente" in body
    assert "Fil d'Ariane" not in body  # no breadcrumbs on the home page


def test_establishment_page_shows_its_facts(client):
    page = EstablishmentPageFactory(
        title="CHRS Chemin Vert",
        city="Paris",
        postcode="75011",
        departement="75",
        publics=[Public.MEN_ALONE],
        referral_types=[ReferralType.DDSE, ReferralType.SORTIE_SECHE],
        admission_criteria="<p>Homme seul sortant de détention.</p>",
        place_rows=[(PlaceType.INSERTION, 60, "54 chambres et 6 studios")],
    )
    KeyFigureFactory(page=page, label="personnes en PSE", value=31)
    response = client.get(page.url)
    assert response.status_code == 200
    body = text(response)
    assert "<caption>Places par type — CHRS Chemin Vert</caption>" in body
    assert "<td>60</td>" in body and "54 chambres et 6 studios" in body
    assert "Paris (75)" in body and "Hommes seuls" in body
    assert "Homme seul sortant de détention." in body
    assert "Comment orienter une personne" in body
    assert 'href="/compte/login/"' in body
    assert str(ReferralType.DDSE.label) in body
    assert "personnes en PSE" in body
    assert 'aria-label="Fil d\'Ariane"' in body


def test_establishment_without_online_referrals_gives_a_contact_instead(client):
    page = EstablishmentPageFactory(accepts_online_referrals=False, phone="03 22 00 00 00")
    body = text(client.get(page.url))
    assert "Orienter une personne depuis l'espace partenaires" not in body
    assert "03 22 00 00 00" in body


def test_programme_page_shows_indicators_table(client):
    page = ProgrammePageFactory(title="O2R « En route vers l'emploi »", yearly_target=58)
    KeyFigureFactory(
        page=page,
        label="Taux de présence en emploi à 6 mois",
        value=19,
        unit="%",
        target="50 %",
        source="Résultats au 31/12/2025",
    )
    KeyFigureFactory(
        page=page,
        label="Taux de présence aux ateliers collectifs",
        value=None,
        unit="%",
        target="55 %",
        source="Résultats au 31/12/2025",
    )
    body = text(client.get(page.url))
    assert "Objectifs et résultats — Résultats au 31/12/2025" in body
    assert "<td>50 %</td><td>19\xa0%</td>" in body
    assert "non mesuré" in body
    assert "58 personnes accompagnées" in body
    assert "Places en formation" in body


def test_index_pages_list_their_children(client):
    establishment = EstablishmentPageFactory(title="CHU La Passerelle")
    programme = ProgrammePageFactory(title="Session d'orientation approfondie")
    news = NewsPageFactory(title="Grand froid")
    assert "CHU La Passerelle" in text(client.get(establishment.get_parent().url))
    assert "Session d'orientation approfondie" in text(client.get(programme.get_parent().url))
    assert "Grand froid" in text(client.get(news.get_parent().url))


def test_news_and_standard_pages_render(client):
    news = NewsPageFactory(title="Remise des diplômes", intro="Une promotion diplômée.")
    body = text(client.get(news.url))
    assert "Remise des diplômes" in body and "Une promotion diplômée." in body
    assert '<meta property="og:type" content="article">' in body
    standard = StandardPageFactory(title="Mentions légales", intro="Éditeur : L'Îlot.")
    assert "Éditeur : L'Îlot." in text(client.get(standard.url))


def test_glossary_lists_terms_a_to_z_with_letter_anchors(client):
    page = GlossaryPageFactory()
    GlossaryTermFactory(term="Travail d'intérêt général", abbreviation="TIG")
    GlossaryTermFactory(term="Centre d'hébergement et de réinsertion sociale", abbreviation="CHRS")
    GlossaryTermFactory(term="Établissement pénitentiaire")
    body = text(client.get(page.url))
    assert '<a href="#lettre-c">C</a>' in body
    assert '<a href="#lettre-e">E</a>' in body  # "É" files under E
    assert 'id="lettre-t"' in body and "<abbr>TIG</abbr>" in body
    assert '<a href="#lettre-b">' not in body and "aucun terme" not in body  # no empty letter
    assert body.count('<li><a href="#lettre-') == 3
    assert body.index("CHRS") < body.index("Établissement pénitentiaire") < body.index("TIG")


def test_main_menu_marks_the_current_section(client):
    page = EstablishmentPageFactory()
    index = page.get_parent()
    body = text(client.get(page.url))
    assert '<nav aria-label="Navigation principale" class="main-nav">' in body
    assert f'<a href="{index.url}" aria-current="true">{index.title}</a>' in body
    body = text(client.get(index.url))
    assert f'<a href="{index.url}" aria-current="page">{index.title}</a>' in body


class TestPageTree(WagtailPageTestCase):
    def test_allowed_parents(self):
        self.assertAllowedSubpageTypes(
            HomePage,
            {
                EstablishmentIndexPage,
                ProgrammeIndexPage,
                NewsIndexPage,
                GlossaryPage,
                StandardPage,
                IndexPage,
                EventPage,
            },
        )
        self.assertCanCreateAt(IndexPage, NewsPage)
        self.assertCanCreateAt(IndexPage, EventPage)
        self.assertCanCreateAt(IndexPage, IndexPage)
        self.assertCanNotCreateAt(IndexPage, EstablishmentPage)
        self.assertCanNotCreateAt(EventPage, StandardPage)
        self.assertCanCreateAt(EstablishmentIndexPage, EstablishmentPage)
        self.assertCanCreateAt(ProgrammeIndexPage, ProgrammePage)
        self.assertCanCreateAt(NewsIndexPage, NewsPage)
        self.assertCanCreateAt(StandardPage, StandardPage)
        self.assertCanNotCreateAt(HomePage, EstablishmentPage)
        self.assertCanNotCreateAt(EstablishmentIndexPage, NewsPage)
        self.assertCanNotCreateAt(NewsPage, NewsPage)

    def test_an_establishment_is_created_in_the_admin(self):
        login(self.client, UserFactory(is_superuser=True, is_staff=True))
        index = EstablishmentIndexPage(title="Nos établissements", slug="etablissements")
        home_page().add_child(instance=index)
        data = nested_form_data(
            {
                "title": "CHRS Les Augustins",
                "slug": "chrs-les-augustins",
                "kind": "chrs",
                "intro": "Hommes seuls, au centre d'Amiens.",
                "street": "",
                "postcode": "80000",
                "city": "Amiens",
                "departement": "80",
                "latitude": "49.894100",
                "longitude": "2.295800",
                "places": inline_formset(
                    [
                        {"place_type": "insertion", "count": "20", "note": ""},
                        {"place_type": "lhss", "count": "11", "note": "dont 5 pour femmes"},
                    ]
                ),
                "admission_criteria": rich_text("<p>Homme seul.</p>"),
                "accepts_online_referrals": "on",
                "phone": "",
                "email": "",
                "body": streamfield([]),
            }
        )
        data["publics"] = ["hommes_seuls", "jeunes_adultes"]
        data["referral_types"] = ["pse", "tig"]
        self.assertCanCreate(index, EstablishmentPage, data)
        page = EstablishmentPage.objects.get(slug="chrs-les-augustins")
        assert page.publics == ["hommes_seuls", "jeunes_adultes"]
        assert page.referral_types == ["pse", "tig"]
        assert page.places_summary() == [("Insertion", 20), ("LHSS", 11)]
        assert page.total_places == 31


def test_favicon_and_web_manifest(client):
    from django.contrib.staticfiles import finders

    body = text(client.get("/"))
    assert '<link rel="manifest" href="/static/portal/site.webmanifest">' in body
    assert '<link rel="icon" href="/static/portal/icons/favicon.svg" type="image/svg+xml">' in body
    manifest = json.loads(Path(finders.find("portal/site.webmanifest")).read_text())
    assert manifest["lang"] == "fr" and manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        assert finders.find(f"portal/{icon['src']}"), icon["src"]
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/portal/icons/favicon-32.png"
    assert client.get(response["Location"]).status_code == 200
