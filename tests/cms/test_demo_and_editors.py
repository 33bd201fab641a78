"""Demo content (idempotent, every page renders) and the "Éditeurs" group's permissions."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Page, Revision, WorkflowPage

from accounts import demo as accounts_demo
from cms import demo as cms_demo
from cms.models import (
    EstablishmentPage,
    GlossaryTerm,
    KeyFigure,
    NewsIndexPage,
    ProgrammePage,
    referral_targets,
)
from tests.factories import EstablishmentPageFactory
from tests.utils import login, text

pytestmark = pytest.mark.django_db


def test_demo_content_is_complete_idempotent_and_renders(client):
    accounts_demo.load()
    cms_demo.load()
    counts = (Page.objects.count(), Revision.objects.count(), KeyFigure.objects.count())

    summary = cms_demo.load()
    assert summary["pages_created"] == summary["pages_updated"] == 0
    assert (Page.objects.count(), Revision.objects.count(), KeyFigure.objects.count()) == counts

    assert EstablishmentPage.objects.live().count() == 6  # five establishments + the workshops
    assert ProgrammePage.objects.live().count() == 3
    assert GlossaryTerm.objects.count() >= 20
    assert {t.abbreviation for t in GlossaryTerm.objects.all()} >= {
        "CHRS", "CHU", "LHSS", "CPIP", "JAP", "PPSMJ", "PSE", "SL", "PE", "LC", "CJ", "SSJ",
        "SME", "TIG", "CDDI", "ACI", "SIAE", "SIAO", "SPIP",
    }  # fmt: skip
    passerelle = EstablishmentPage.objects.get(slug="chu-la-passerelle")
    assert passerelle.accepts("sortie_seche") and passerelle.accepts("siao_urgence")
    assert dict(passerelle.places_summary()) == {
        "Urgence": 46,
        "Renfort hivernal": 9,
        "Halte de nuit": 10,
    }
    assert all(target.accepts_online_referrals for target in referral_targets())
    assert WorkflowPage.objects.filter(page=NewsIndexPage.objects.get()).exists()
    editor = accounts_demo.User.objects.get(email="editeur@demo.ilot.test")
    assert editor.groups.filter(name="Éditeurs").exists()

    for page in Page.objects.live().filter(depth__gte=2).specific():
        response = client.get(page.url)
        assert response.status_code == 200, page.url
    body = text(client.get("/etablissements/chrs-chemin-vert/"))
    assert "bracelet électronique" in body and "54 chambres individuelles et 6 studios" in body
    assert "CHRS Chemin Vert" in text(client.get("/recherche/", {"q": "bracelet"}))
    o2r = text(client.get("/programmes/o2r-en-route-vers-l-emploi/"))
    assert "179 (dont 58 en 2025)" in o2r and "Taux de présence en emploi à 6 mois" in o2r
    footer = text(client.get("/"))
    assert "Mentions légales" in footer and "Accessibilité : non conforme" in footer


def test_editors_can_use_the_wagtail_admin(client, editor):
    page = EstablishmentPageFactory()
    login(client, editor)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200
    add_url = f"/admin/pages/add/cms/establishmentpage/{page.get_parent().pk}/"
    assert client.get(add_url).status_code == 200
    assert client.get("/admin/snippets/cms/glossaryterm/").status_code == 200
    assert client.get("/admin/snippets/cms/keyfigure/add/").status_code == 200
    assert client.get("/admin/images/").status_code == 200
    assert client.get("/admin/documents/").status_code == 200
    assert client.get("/admin/settings/cms/sitesettings/", follow=True).status_code == 200


def test_editors_cannot_manage_users_nor_use_the_django_admin(client, editor):
    login(client, editor)
    assert client.get("/admin/users/").status_code in (302, 403)
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]
    followed = client.get("/django-admin/", follow=True)
    assert "Administration du site" not in text(followed) or "autorisé" in text(followed)
    assert client.get("/django-admin/accounts/user/").status_code == 302


def test_editors_group_has_no_account_permissions():
    group = Group.objects.get(name="Éditeurs")
    apps = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert apps <= {"wagtailadmin", "cms"}
    assert group.permissions.filter(codename="access_admin").exists()
