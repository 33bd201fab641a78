"""The contract the referral portal relies on, and API-friendly models (Wagtail API v3)."""

import pytest
from django.test import RequestFactory
from wagtail.api.v3.registry import registry
from wagtail.models import Page

from cms.choices import PlaceType, ReferralType
from cms.models import EstablishmentPage, ProgrammePage, ReferralTarget, referral_targets
from tests.factories import (
    EstablishmentPageFactory,
    KeyFigureFactory,
    NewsPageFactory,
    ProgrammePageFactory,
    StandardPageFactory,
)

pytestmark = pytest.mark.django_db


def test_establishments_and_programmes_are_referral_targets():
    assert issubclass(EstablishmentPage, ReferralTarget)
    assert issubclass(ProgrammePage, ReferralTarget)


def test_accepts_requires_online_referrals_and_the_type():
    page = EstablishmentPageFactory(referral_types=[ReferralType.PSE])
    assert page.accepts("pse")
    assert not page.accepts("tig")
    page.accepts_online_referrals = False
    assert not page.accepts("pse")


def test_places_summary_and_total():
    page = EstablishmentPageFactory(
        place_rows=[(PlaceType.URGENCE, 46, ""), (PlaceType.WINTER_EXTRA, 9, "l'hiver")]
    )
    assert page.places_summary() == [("Urgence", 46), ("Renfort hivernal", 9)]
    assert page.total_places == 55
    programme = ProgrammePageFactory(places=15, place_type=PlaceType.TRAINING)
    assert programme.places_summary() == [("Places en formation", 15)]
    assert programme.total_places == 15
    assert ProgrammePageFactory(places=None).places_summary() == []


def test_referral_targets_are_live_pages_accepting_online_referrals():
    open_establishment = EstablishmentPageFactory(
        title="B établissement", referral_types=[ReferralType.PSE]
    )
    programme = ProgrammePageFactory(title="A programme")
    EstablishmentPageFactory(accepts_online_referrals=False)
    EstablishmentPageFactory(live=False)
    targets = referral_targets()
    assert [type(t) for t in targets] == [ProgrammePage, EstablishmentPage]
    assert list(targets) == [programme, open_establishment]
    assert targets.filter(pk=programme.pk).exists()
    assert referral_targets("pse") == [open_establishment]
    assert referral_targets("insertion_emploi") == [programme]


@pytest.mark.parametrize(
    "factory",
    [EstablishmentPageFactory, ProgrammePageFactory, NewsPageFactory, StandardPageFactory],
)
def test_pages_serialise_with_the_api_v3_read_schemas(factory):
    page = factory()
    KeyFigureFactory(page=page if isinstance(page, ReferralTarget) else None)
    page = Page.objects.get(pk=page.pk).specific
    schema = registry.get(page._meta.label).read_schema
    data = schema.model_validate(page, context={"request": RequestFactory().get("/")})
    dumped = data.model_dump(mode="json")
    assert dumped["title"] == page.title
    if isinstance(page, ReferralTarget):
        assert dumped["publics"] == page.publics
        assert dumped["referral_types"] == page.referral_types
        assert dumped["key_figures"][0]["value"] == "42.00"
