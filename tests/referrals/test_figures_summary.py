"""The printable one-page summary of an establishment's figures, as PDF (WeasyPrint, through
`documents.pdf.render_pdf`): the 2019 La Passerelle headline figures are in it; and the charts
of the association as a whole on management's overview."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import User
from tests.referrals.factories import management_member
from tests.utils import login

pytestmark = pytest.mark.django_db
URL = reverse("commission:figures")


@pytest.fixture
def passerelle_2019():
    from accounts import demo as accounts_demo
    from cms import demo as cms_demo
    from referrals.demo import passerelle_2019
    from referrals.demo.base import establishments, load_teams

    accounts_demo.load()
    cms_demo.load()
    pages = establishments()
    load_teams(pages)
    passerelle_2019.load()
    return pages["chu-la-passerelle"]


def test_the_summary_pdf_holds_the_establishments_headline_figures(client, passerelle_2019):
    login(client, User.objects.get(email="chef.passerelle@demo.ilot.test"))
    page = client.get(URL, {"year": 2019})
    assert "Télécharger en PDF" in page.content.decode()
    link = f"establishment={passerelle_2019.pk}&amp;format=pdf"
    assert link in page.content.decode()

    response = client.get(URL, {"year": 2019, "establishment": passerelle_2019.pk, "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    words = " ".join(reader.pages[0].extract_text().split())
    assert "CHU La Passerelle — bilan 2019" in words
    for expected in ("Demandes traitées 53", "Avis favorables 44", "Avis défavorables 9"):
        assert re.search(expected.replace(" ", r"\s*"), words), (expected, words)


def test_the_summary_pdf_is_one_establishments(client, passerelle_2019):
    login(client, management_member().user)
    assert client.get(URL, {"year": 2019, "format": "pdf"}).status_code == 404
    assert (
        client.get(URL, {"year": 2019, "establishment": 999999, "format": "pdf"}).status_code == 404
    )


def test_the_overview_charts_the_association_as_a_whole(client, passerelle_2019):
    login(client, management_member().user)
    page = client.get(URL, {"year": 2019}).content.decode()
    # 53 requests at La Passerelle, 3 of them decided again at Les Augustins after their
    # re-orientation (the overview says so), 47 favourable, 24 arrived.
    funnel = re.search(r'<desc id="chart-association-entonnoir-desc">([^<]*)</desc>', page)
    assert funnel.group(1) == "Reçues : 53, Traitées : 56, Favorables : 47, Accueillies : 24"
    outcomes = re.search(r'<desc id="chart-association-suites-desc">([^<]*)</desc>', page)
    assert outcomes.group(1).startswith("Accueillies : 24, Réorientées : 3, Absentes : 20")
    assert 'id="chart-association-mois-title"' in page
