"""Statistics: each figure's definition on hand-built data (periods and their boundaries,
re-orientations after acceptance, flows, delays, stays, measures), the 2019 CHRS Chemin Vert
data set, who sees what, small-number suppression and bad input."""

import html
import importlib
import re
from datetime import date, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import InternalRole, User
from referrals import facts, workflow
from referrals.choices import Action
from referrals.figures import definitions
from referrals.figures.definitions import Period, period_figures
from referrals.models import Referral, ReferralEvent
from tests.factories import MembershipFactory
from tests.referrals.factories import (
    EstablishmentFactory,
    StayFactory,
    commission_member,
    management_member,
)
from tests.referrals.test_figures import Flow, actor
from tests.utils import login, text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_YEAR = TODAY.year
URL = reverse("commission:figures")
PARTNER_URL = reverse("referrals:figures")


@pytest.fixture
def spip():
    return MembershipFactory(organisation__name="SPIP de la Somme")


@pytest.fixture
def passerelle():
    return EstablishmentFactory(title="CHU La Passerelle", referral_types=["sortie_seche", "pse"])


@pytest.fixture
def augustins():
    return EstablishmentFactory(title="CHRS Les Augustins", referral_types=["sortie_seche", "pse"])


def at(day: date, hour=12):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


def words(response) -> str:
    """The page's text without its tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def set_times(referral, **times):
    """Move events of the given actions (and the submission) to the given local datetimes."""
    for action, when in times.items():
        ReferralEvent.objects.filter(referral=referral, action=action).update(created_at=when)
        if action == Action.SUBMIT:
            Referral.objects.filter(pk=referral.pk).update(submitted_at=when)
    facts.refresh([referral.pk])  # the figures' facts follow the rewritten history


# --- decisions, re-orientations, flows ----------------------------------------------------------


def test_reorientation_after_acceptance_is_not_counted_twice(client, spip, passerelle, augustins):
    flow, other = Flow(passerelle, spip), Flow(augustins, spip)
    reoriented = flow.do(flow.accepted(), Action.REORIENT, new_target=augustins.pk)
    copy = Referral.objects.get(reoriented_from=reoriented)
    other.do(copy, Action.ACCEPT, planned_admission_date=TODAY)
    flow.declined()
    before_any_opinion = flow.do(flow.referral(), Action.REORIENT, new_target=augustins.pk)
    other.do(
        Referral.objects.get(reoriented_from=before_any_opinion),
        Action.DECLINE,
        reason="pas_de_place",
        message="Complet.",
    )

    figures = period_figures(Period.year(THIS_YEAR))
    pas, aug = figures.get(passerelle.pk).total, figures.get(augustins.pk).total
    assert (pas.processed, pas.reoriented, pas.reoriented_to) == (2, 1, {augustins.pk: 1})
    assert pas.reoriented_before_decision == 1
    # Les Augustins decided the copy of a referral accepted elsewhere (a duplicate) and the copy
    # of one re-oriented before any opinion (its only decision: not a duplicate).
    assert (aug.processed, aug.duplicates) == (2, 1)
    total = figures.total
    assert (total.processed, total.distinct_processed) == (4, 3)
    # Received: three requests at La Passerelle; the two copies are received by re-orientation.
    assert (pas.received, aug.received, aug.received_by_reorientation) == (3, 0, 2)
    assert total.received == 3

    login(client, management_member().user)
    page = " ".join(text(client.get(URL)).split())
    assert "1 demande réorientée après un avis favorable a été traitée deux fois" in page
    assert "Demandes distinctes traitées : 3" in page


def test_flows_received_pending_withdrawn_expired(spip, passerelle):
    flow = Flow(passerelle, spip)
    flow.referral()  # pending
    decided = flow.accepted()
    withdrawn = flow.referral()
    workflow.perform(withdrawn, Action.WITHDRAW, actor(spip), reason="autre_solution")
    old = flow.referral()
    set_times(old, **{Action.SUBMIT: at(date(THIS_YEAR - 1, 12, 31), 23)})  # last year, local
    figures = period_figures(Period.year(THIS_YEAR)).get(passerelle.pk).total
    assert (figures.received, figures.pending, figures.withdrawn) == (3, 1, 1)
    assert figures.processed == 1 and decided.pk
    previous = period_figures(Period.year(THIS_YEAR - 1)).get(passerelle.pk).total
    assert (previous.received, previous.pending) == (1, 1)


def test_any_period_and_its_boundaries(spip, passerelle):
    flow = Flow(passerelle, spip)
    first, last = flow.accepted(), flow.declined()
    set_times(first, **{Action.ACCEPT: at(date(2023, 3, 1), 0)})  # 00:00 local, first day
    set_times(last, **{Action.DECLINE: at(date(2023, 3, 31), 23)})  # 23:00 local, last day
    march = period_figures(Period(date(2023, 3, 1), date(2023, 3, 31))).get(passerelle.pk)
    assert (march.total.processed, march.total.favourable, march.total.unfavourable) == (2, 1, 1)
    assert set(march.by_month) == {"2023-03"}
    february = period_figures(Period(date(2023, 2, 1), date(2023, 2, 28))).get(passerelle.pk)
    assert february is None or february.total.processed == 0
    assert Period(date(2023, 3, 1), date(2023, 3, 31)).previous() == Period(
        date(2023, 1, 29), date(2023, 2, 28)
    )
    assert Period.year(2019).previous() == Period.year(2018)


def test_delays_median_and_90th_percentile(spip, passerelle):
    flow = Flow(passerelle, spip)
    day = date(2022, 5, 2)
    for waited in (1, 2, 3, 4, 10):
        referral = flow.do(flow.accepted(), Action.RECORD_ARRIVAL, arrival_date=TODAY)
        set_times(
            referral,
            **{Action.SUBMIT: at(day), Action.ACCEPT: at(day + timedelta(days=waited))},
        )
        ReferralEvent.objects.filter(referral=referral, action=Action.RECORD_ARRIVAL).update(
            data={"arrival_date": (day + timedelta(days=waited + 2 * waited)).isoformat()}
        )
        facts.refresh([referral.pk])
    figures = period_figures(Period.year(2022))
    delays = figures.get(passerelle.pk).delays
    assert (delays.decision_median, delays.decision_p90, delays.decision_n) == (3.0, 7.6, 5)
    # decision → arrival: 2, 4, 6, 8, 20 days
    assert (delays.arrival_median, delays.arrival_p90, delays.arrival_n) == (6.0, 15.2, 5)
    assert figures.delays.decision_median == 3.0


def test_justice_share(spip, passerelle):
    flow = Flow(passerelle, spip)
    flow.do(flow.accepted(judicial_situation="pse"), Action.RECORD_ARRIVAL, arrival_date=TODAY)
    flow.do(flow.accepted(judicial_situation="aucune"), Action.RECORD_ARRIVAL, arrival_date=TODAY)
    flow.declined(judicial_situation="aucune")
    flow.referral(judicial_situation="sme")
    total = period_figures(Period.year(THIS_YEAR)).get(passerelle.pk).total
    assert (total.justice_share_received, total.justice_share_processed) == (50.0, 33.3)
    assert total.justice_share_arrived == 50.0


# --- stays ------------------------------------------------------------------------------------


def test_stay_figures_and_their_boundaries(passerelle):
    year = Period.year(2021)
    # Hosted: overlapping 2021, even by one day at either end.
    StayFactory(establishment=passerelle, arrival_date=date(2020, 6, 1), birth_year=1990)
    StayFactory(  # left on 1 January: hosted, an exit of 2021
        establishment=passerelle,
        arrival_date=date(2020, 1, 1),
        departure_date=date(2021, 1, 1),
        exit_kind="logement_autonome",
        exit_employment=True,
        birth_year=1970,
    )
    StayFactory(  # arrived on 31 December: hosted, a new entry, under 26
        establishment=passerelle, arrival_date=date(2021, 12, 31), birth_year=2000
    )
    StayFactory(  # left in 2020: not hosted in 2021
        establishment=passerelle, arrival_date=date(2019, 1, 1), departure_date=date(2020, 12, 31)
    )
    StayFactory(  # arrives in 2022: not hosted in 2021
        establishment=passerelle, arrival_date=date(2022, 1, 1)
    )
    StayFactory(  # a negative exit in 2021, outside the justice public
        establishment=passerelle,
        arrival_date=date(2021, 2, 1),
        departure_date=date(2021, 3, 3),
        exit_kind="exclusion",
        justice_public=False,
        birth_year=1980,
    )
    stays = period_figures(year).get(passerelle.pk).stays
    assert (stays.hosted, stays.new_entries, stays.exits) == (4, 2, 2)
    assert (stays.positive_exits, stays.positive_housing, stays.positive_work) == (1, 1, 1)
    assert stays.positive_share == 50.0
    assert stays.average_stay_months == round((366 + 30) / 2 / (365.25 / 12), 1)
    assert stays.average_age == (30 + 50 + 21 + 41) / 4
    assert stays.young_share == 25.0
    assert stays.justice_share == 75.0


def test_the_arrival_keeps_what_the_figures_need_on_the_stay(spip, passerelle):
    flow = Flow(passerelle, spip)
    referral = flow.do(
        flow.accepted(judicial_situation="aucune", birth_date=date(1999, 5, 5), gender="femme"),
        Action.RECORD_ARRIVAL,
        arrival_date=TODAY,
    )
    stay = referral.stay
    assert (stay.birth_year, stay.gender, stay.justice_public) == (1999, "femme", False)
    stays = period_figures(Period.year(THIS_YEAR)).get(passerelle.pk).stays
    assert (stays.hosted, stays.average_age, stays.justice) == (1, THIS_YEAR - 1999, 0)


def test_migration_copies_the_referrals_facts_onto_their_stays(spip, passerelle):
    """Stays opened before the facts were kept on them get them from their referral."""
    flow = Flow(passerelle, spip)
    referral = flow.do(
        flow.accepted(judicial_situation="sl", birth_date=date(1980, 2, 2), gender="homme"),
        Action.RECORD_ARRIVAL,
        arrival_date=TODAY,
    )
    definitions.Stay.objects.filter(pk=referral.stay.pk).update(
        birth_year=None, gender="", justice_public=False
    )
    without_referral = StayFactory(establishment=passerelle, birth_year=1970, gender="femme")
    migration = importlib.import_module("referrals.migrations.0014_stay_person_facts")
    migration.copy_from_referrals(django_apps, None)
    stay = definitions.Stay.objects.get(referral=referral)
    assert (stay.birth_year, stay.gender, stay.justice_public) == (1980, "homme", True)
    without_referral.refresh_from_db()
    assert (without_referral.birth_year, without_referral.gender) == (1970, "femme")


def test_measures_are_grouped_by_the_mapping(passerelle, monkeypatch):
    for index in range(4):
        StayFactory(
            establishment=passerelle,
            arrival_date=date(2021, 2, 1),
            departure_date=date(2021, 6, 1),
            exit_kind="logement_autonome",
            measure="pse" if index < 3 else "sl",
            measure_completed=index != 0,
            exit_employment=index == 1,
        )
    StayFactory(establishment=passerelle, arrival_date=date(2021, 2, 1))
    stays = period_figures(Period.year(2021)).get(passerelle.pk).stays
    pse = stays.measures["pse"]
    assert (pse.people, pse.new_entries, pse.ended, pse.completed, pse.employed) == (3, 3, 3, 2, 1)
    assert pse.entries_share(stays) == 60.0
    # A renamed measure (as DDSE for PSE) is one more code mapped to the same group.
    monkeypatch.setitem(definitions.MEASURE_GROUPS, "sl", "pse")
    stays = period_figures(Period.year(2021)).get(passerelle.pk).stays
    assert stays.measures["pse"].people == 4


# --- the 2019 CHRS Chemin Vert data set --------------------------------------------------------


@pytest.fixture
def demo_site():
    from accounts import demo as accounts_demo
    from cms import demo as cms_demo
    from referrals.demo.base import establishments, load_teams

    accounts_demo.load()
    cms_demo.load()
    pages = establishments()
    load_teams(pages)
    return pages


def test_demo_chemin_vert_2019_gives_the_report_figures(demo_site, client):
    from referrals.demo import chemin_vert_2019

    assert chemin_vert_2019.load() == 113
    assert chemin_vert_2019.load() == 0
    chemin_vert = demo_site["chrs-chemin-vert"]
    stays = period_figures(Period.year(2019), [chemin_vert.pk]).get(chemin_vert.pk).stays
    assert stays.hosted == 113
    assert round(stays.average_stay_months) == 12
    assert stays.average_age == 36.0
    assert stays.justice_share == 100.0
    assert round(stays.positive_housing_share) == 93
    assert round(stays.positive_work_share) == 37
    pse = stays.measures["pse"]
    assert pse.people == 31
    assert pse.new_entries * 2 == stays.new_entries  # about half of the new entries
    assert round(pse.completed_share) == 84
    assert (pse.employed, round(pse.employed_share)) == (16, 52)
    # Nobody of 2019 is still there today.
    assert not definitions.Stay.objects.filter(departure_date__isnull=True).exists()

    login(client, User.objects.get(email="chef.chemin-vert@demo.ilot.test"))
    page = words(client.get(URL, {"year": 2019}))
    for expected in (
        "Personnes hébergées 113",
        "Durée moyenne de séjour (mois) 12,0",
        "Âge moyen à l'arrivée 36,0",
        "Public justice 100 %",
        "dont avec un logement autonome 40 (93 %)",
        "dont avec un emploi ou une formation 16 (37 %)",
        "Surveillance électronique (PSE / DDSE) : personnes accompagnées 31 (50 % des nouvelles",
        "dont mesure menée à son terme 26 (84 %)",
        "dont en emploi à la sortie 16 (52 %)",
    ):
        assert expected in page


# --- the page: bad input, queries -------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2024-05-01", "end": "2024-04-01"}, "précède son début"),
        ({"start": "2010-01-01", "end": "2024-01-01"}, "dépasser dix ans"),
        ({"start": "2024-01-01"}, "les deux dates"),
        ({"start": "2024-13-45", "end": "2024-12-31"}, "Saisissez une date valide"),
        ({"year": "1900"}, "Choisissez une année entre"),
        ({"year": "abc"}, "Saisissez un nombre entier"),
    ],
)
def test_bad_periods_are_a_clear_message(client, passerelle, params, message):
    login(client, management_member().user)
    response = client.get(URL, params)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "Vue d'ensemble" not in page
    assert client.get(URL, {**params, "format": "csv"})["Content-Type"].startswith("text/html")


def test_unknown_or_foreign_establishment_is_a_404(client, passerelle, augustins):
    login(client, commission_member(passerelle).user)
    for value in (augustins.pk, 999999, "abc", "-1"):
        assert client.get(URL, {"establishment": value}).status_code == 404


def test_a_date_range_page(client, spip, passerelle):
    Flow(passerelle, spip).accepted()
    login(client, management_member().user)
    start = TODAY.replace(day=1)
    response = client.get(
        URL, {"start": start.isoformat(), "end": TODAY.isoformat(), "compare": "on"}
    )
    page = text(response)
    assert f"Bilan des orientations {start:%d/%m/%Y} – {TODAY:%d/%m/%Y}" in page
    assert "Comparaison avec" in page
    assert '<svg role="img"' in page and "<desc" in page  # charts, with a text alternative
    assert "Définitions" in page


def test_page_queries_do_not_grow(client, spip, passerelle, augustins):
    flow = Flow(passerelle, spip)
    login(client, management_member().user)
    flow.accepted()
    client.get(URL)  # warm caches (content types, site)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for index in range(10):
        referral = flow.accepted()
        if index % 2:
            flow.do(referral, Action.REORIENT, new_target=augustins.pk)
        StayFactory(establishment=passerelle, arrival_date=TODAY)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert [q["sql"][:20] for q in many] == [q["sql"][:20] for q in few]


# --- partners ---------------------------------------------------------------------------------


def test_partner_sees_its_own_outcomes_with_small_numbers_suppressed(client, spip, passerelle):
    other_partner = MembershipFactory(organisation__name="SPIP de Paris")
    flow = Flow(passerelle, spip)
    for _index in range(6):
        flow.do(flow.accepted(), Action.RECORD_ARRIVAL, arrival_date=TODAY)
    flow.declined()
    other = Flow(passerelle, other_partner)
    for _index in range(3):
        other.declined()

    login(client, spip.user)
    response = client.get(PARTNER_URL)
    assert response.status_code == 200
    page = words(response)
    assert "nombre de 1 à 5 exclu" in page  # the rule is stated
    # Ours: 7 processed, 6 favourable, 6 arrived, 1 unfavourable → "< 5"; the other SPIP's 3
    # unfavourable are not ours.
    assert "CHU La Passerelle 7 7 6 < 5 6 0 0 0" in page
    # The establishment's usual response time, over every organisation (10 decisions).
    assert "Délai habituel de réponse" in page
    assert "SPIP de Paris" not in page

    # Another organisation's figures: a 404.
    assert (
        client.get(PARTNER_URL, {"organisation": other_partner.organisation_id}).status_code == 404
    )
    assert client.get(PARTNER_URL, {"organisation": spip.organisation_id}).status_code == 200


def test_partner_bad_period_is_a_message(client, spip):
    login(client, spip.user)
    response = client.get(PARTNER_URL, {"start": "2024-05-01", "end": "2024-04-01"})
    assert response.status_code == 200
    assert "précède son début" in text(response)


@pytest.mark.parametrize("who", ["commission", "anonymous"])
def test_partner_page_is_for_partners(client, passerelle, who):
    if who == "commission":
        login(client, commission_member(passerelle).user)
    response = client.get(PARTNER_URL)
    assert response.status_code == (404 if who == "commission" else 302)


def test_commission_figures_are_closed_to_partners(client, spip):
    login(client, spip.user)
    assert client.get(URL).status_code == 404


# --- the API ----------------------------------------------------------------------------------


def test_api_statistics_same_figures_and_visibility(client, spip, passerelle, augustins):
    from tests.referrals.test_api import api_for

    flow = Flow(passerelle, spip)
    for _index in range(6):
        flow.do(flow.accepted(), Action.RECORD_ARRIVAL, arrival_date=TODAY)
    flow.declined()
    Flow(augustins, spip).declined()

    partner = api_for(client, spip.user)
    response = partner.get("/statistics")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "organisation"
    row = next(e for e in body["establishments"] if e["id"] == passerelle.pk)
    assert row["figures"]["processed"] == 7
    assert row["figures"]["unfavourable"] == "< 5"  # suppressed, as on the page
    assert body["total"]["processed"] == 8
    assert "Demandes traitées" in body["definitions"]
    assert partner.get("/statistics", {"establishment": passerelle.pk}).status_code == 404
    bad = partner.get("/statistics", {"start": "2024-05-01", "end": "2024-04-01"})
    assert bad.status_code == 422 and "précède son début" in str(bad.json()["errors"])

    head = api_for(client, commission_member(passerelle, InternalRole.Role.HEAD).user)
    body = head.get("/statistics").json()
    assert [e["id"] for e in body["establishments"]] == [passerelle.pk]
    assert body["establishments"][0]["figures"]["unfavourable"] == 1  # not suppressed inside
    assert head.get("/statistics", {"establishment": augustins.pk}).status_code == 404

    management = api_for(client, management_member().user)
    body = management.get("/statistics").json()
    assert {e["id"] for e in body["establishments"]} == {passerelle.pk, augustins.pk}
    assert body["total"]["processed"] == 8

    schema = client.get("/api/orientations/v1/openapi.json").json()
    assert "/api/orientations/v1/statistics" in schema["paths"]


# --- funders' indicators, row-level export ----------------------------------------------------


def test_management_sets_indicators_and_the_page_shows_objective_result_gap(client, passerelle):
    from referrals.models import FunderIndicator

    for index in range(4):
        StayFactory(
            establishment=passerelle,
            arrival_date=date(2025, 1, 10),
            birth_year=2001 if index == 0 else 1980,  # one under 26 of 4
        )
    url = reverse("commission:indicators")
    login(client, commission_member(passerelle).user)
    assert client.get(url).status_code == 404  # management only

    login(client, management_member().user)
    query = f"?programme={passerelle.pk}&year=2025"
    page = client.get(url + query)
    assert page.status_code == 200
    form = {
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-order": "1",
        "form-0-label": "Jeunes de moins de 26 ans",
        "form-0-measure": "young_share",
        "form-0-unit": "%",
        "form-0-objective": "20",
        "form-1-order": "2",
        "form-1-label": "Présence aux ateliers",
        "form-1-measure": "manual",
        "form-1-unit": "%",
        "form-1-objective": "55",
        "form-1-manual_result": "40",
        "form-2-order": "0",  # an empty extra form, as the browser posts it
        "form-2-unit": "%",
    }
    response = client.post(url + query, form)
    assert response.status_code == 302, words(response)[-1500:]
    assert FunderIndicator.objects.filter(programme=passerelle, year=2025).count() == 2
    # A computed indicator refuses a hand-entered result.
    bad = {**form, "form-TOTAL_FORMS": "1", "form-0-manual_result": "12"}
    response = client.post(url + f"?programme={passerelle.pk}&year=2026", bad)
    assert response.status_code == 200
    assert "calculé par le portail" in text(response)
    assert not FunderIndicator.objects.filter(year=2026).exists()

    page = words(client.get(URL, {"year": 2025, "establishment": passerelle.pk}))
    assert "Jeunes de moins de 26 ans 20 % 25 % 5 calculé par le portail" in page
    assert "Présence aux ateliers 55 % 40 % -15 saisi à la main" in page


def test_row_level_export_is_pseudonymised_and_for_management(client, spip, passerelle):
    flow = Flow(passerelle, spip)
    referral = flow.declined(first_name="Zébulon", last_name="Quatremare")
    login(client, commission_member(passerelle).user)
    assert client.get(URL, {"format": "lignes-csv"}).status_code == 404
    login(client, management_member().user)
    response = client.get(URL, {"format": "lignes-csv"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Quatremare" not in content and "Zébulon" not in content
    assert referral.birth_date.isoformat() not in content
    assert str(referral.pk) not in content and referral.reference not in content
    assert "36–45 ans" in content or "26–35 ans" in content
    assert "P-" in content and "pas_de_place" in content
    response = client.get(URL, {"format": "lignes-xlsx"})
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_demo_o2r_2025_indicators(demo_site, client):
    from cms.models import ProgrammePage
    from referrals.demo import o2r_2025

    assert o2r_2025.load() == 26
    assert o2r_2025.load() == 0
    o2r = ProgrammePage.objects.get(slug=o2r_2025.SLUG)
    login(client, User.objects.get(email="direction@demo.ilot.test"))
    page = words(client.get(URL, {"year": 2025, "establishment": o2r.pk}))
    assert "Nombre de bénéficiaires en 2025 (179 sur 3 ans) 58 nombre 26 nombre -32" in page
    assert "Personnes sous main de justice ou anciens détenus 60 % 100 % 40 calculé" in page
    assert "Jeunes de moins de 26 ans sans ressource / en rupture 20 % 3,8 %" in page
    assert "Durée moyenne de l'accompagnement 9 mois 6 mois -3 calculé" in page
    assert "Taux de présence en emploi à 6 mois 50 % 19 % -31 saisi à la main" in page
