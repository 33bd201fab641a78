"""The vocabulary of today's justice: DDSE, ARSE, LSC (de plein droit), sursis probatoire; the
former law's values (PSE, SME) kept for old records only; the SI-SIAO request number."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation
from referrals import workflow
from referrals.choices import JudicialSituation, current_choices
from referrals.targets import check_target, fit_warnings
from tests.factories import MembershipFactory
from tests.referrals.factories import EstablishmentFactory, ReferralFactory, actor
from tests.referrals.test_api import api_for, valid_body
from tests.referrals.test_partner_views import form_data
from tests.utils import login, text

pytestmark = pytest.mark.django_db


def test_current_choices_offer_todays_law_only():
    situations = dict(current_choices("judicial_situation"))
    assert {"ddse", "arse", "lsc", "lsc_plein_droit", "sursis_probatoire"} <= set(situations)
    assert "pse" not in situations and "sme" not in situations
    assert "faute d'hébergement" in str(situations["lsc_plein_droit"])
    types = dict(current_choices("referral_type"))
    assert {"ddse", "arse", "lsc"} <= set(types) and "pse" not in types


def test_the_form_offers_and_accepts_only_current_values(client):
    officer = MembershipFactory()
    login(client, officer.user)
    target = EstablishmentFactory(referral_types=["ddse", "sortie_seche"])
    page = text(client.get(reverse("referrals:create")))
    assert 'value="ddse"' in page and 'value="sursis_probatoire"' in page
    assert 'value="pse"' not in page and 'value="sme"' not in page

    response = client.post(reverse("referrals:create"), form_data(target, judicial_situation="pse"))
    assert response.status_code == 200
    assert "« pse » n'est pas une valeur proposée" in text(response)
    assert "« pse » → « ddse »" in text(response)
    assert not officer.organisation.referrals.exists()


def test_an_establishment_that_took_pse_takes_ddse():
    old_style = EstablishmentFactory(referral_types=["pse"])
    assert check_target(old_style.pk, "ddse") is None
    new_style = EstablishmentFactory(referral_types=["ddse"])
    assert check_target(new_style.pk, "pse") is None  # an old record still reads right


def test_an_old_record_keeps_its_value_and_reads_historical(client):
    referral = ReferralFactory(
        submitted=True, judicial_situation=JudicialSituation.PSE, referral_type="pse"
    )
    login(client, referral.officer)
    page = text(client.get(reverse("referrals:detail", args=[referral.pk])))
    assert "PSE — placement sous surveillance électronique (ancien régime, avant 2020)" in page
    # Work on it goes on: its release date changes without re-validating the vocabulary.
    partner = actor(referral.officer.memberships.get())
    moved = workflow.change_release_date(
        referral, partner, timezone.localdate() + timedelta(days=40)
    )
    assert moved.judicial_situation == "pse"


def test_the_api_refuses_a_historical_value_for_a_new_draft_and_reads_old_ones_as_they_are(
    client,
):
    partner = MembershipFactory()
    api = api_for(client, partner.user)
    target = EstablishmentFactory(referral_types=["ddse", "sortie_seche"])
    response = api.post("/referrals", valid_body(target, judicial_situation="sme"))
    assert response.status_code == 422
    assert "« sme » → « sursis_probatoire »" in response.json()["errors"]["judicial_situation"][0]
    response = api.post("/referrals", valid_body(target, referral_type="pse"))
    assert response.status_code == 422
    assert "« pse » → « ddse »" in response.json()["errors"]["referral_type"][0]

    created = api.post(
        "/referrals",
        valid_body(
            target,
            judicial_situation="lsc_plein_droit",
            referral_type="ddse",
            siao_request_number="80-2026-0042",
        ),
    )
    assert created.status_code == 201, created.json()
    assert created.json()["siao_request_number"] == "80-2026-0042"

    old = ReferralFactory(membership=partner, judicial_situation="sme")
    data = api.get(f"/referrals/{old.pk}").json()
    assert data["judicial_situation"] == "sme"
    assert "ancien régime" in data["judicial_situation_label"]


# --- SI-SIAO -------------------------------------------------------------------------------


def test_a_siao_referral_without_its_si_siao_number_is_warned_not_blocked(client):
    siao = MembershipFactory(organisation__kind=Organisation.Kind.SIAO)
    referral = ReferralFactory(membership=siao, referral_type="sortie_seche")
    assert any("SI-SIAO" in str(w) for w in fit_warnings(referral))
    login(client, siao.user)
    assert "sans numéro de demande SI-SIAO" in text(
        client.get(reverse("referrals:detail", args=[referral.pk]))
    )
    workflow.perform(referral, "submit", actor(siao))  # not blocking
    referral.siao_request_number = "80-2026-001234"
    assert not any("SI-SIAO" in str(w) for w in fit_warnings(referral))
    spip = ReferralFactory()
    assert not any("SI-SIAO" in str(w) for w in fit_warnings(spip))


def test_the_si_siao_number_is_loosely_checked(client):
    siao = MembershipFactory(organisation__kind=Organisation.Kind.SIAO)
    login(client, siao.user)
    target = EstablishmentFactory(referral_types=["ddse", "sortie_seche"])
    bad = client.post(
        reverse("referrals:create"), form_data(target, siao_request_number="<script>")
    )
    assert bad.status_code == 200 and "Lettres, chiffres" in text(bad)
    good = client.post(
        reverse("referrals:create"), form_data(target, siao_request_number="SIAO80/2026-1234")
    )
    assert good.status_code == 302
    assert siao.organisation.referrals.get().siao_request_number == "SIAO80/2026-1234"
