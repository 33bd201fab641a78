"""Yearly figures: computed from the event log, every branch; the 2019 demo history gives the
report's figures exactly; who may read them; constant queries; CSV."""

import csv
import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import InternalRole, Organisation, User
from cms.choices import ReferralType
from referrals import facts, workflow
from referrals.choices import Action, Status
from referrals.figures.definitions import yearly_figures
from referrals.models import Referral, ReferralEvent
from referrals.permissions import Actor
from tests.factories import InternalRoleFactory, MembershipFactory
from tests.referrals.factories import (
    EstablishmentFactory,
    ReferralFactory,
    commission_member,
    management_member,
)
from tests.utils import login, text

pytestmark = pytest.mark.django_db

URGENT = {"urgent_justification": "Sortie avancée par le JAP."}
TODAY = timezone.localdate()
THIS_YEAR = TODAY.year


def actor(membership) -> Actor:
    return Actor.for_membership(membership.user, membership)


class Flow:
    """Referrals driven through the real workflow, to one establishment."""

    def __init__(self, establishment, partner):
        self.establishment = establishment
        self.partner = partner
        self.head = actor(commission_member(establishment, InternalRole.Role.HEAD))

    def referral(self, **fields) -> Referral:
        fields.setdefault("membership", self.partner)
        return ReferralFactory(submitted=True, target=self.establishment, **fields)

    def accepted(self, **fields) -> Referral:
        referral = self.referral(**fields)
        return self.do(referral, Action.ACCEPT, planned_admission_date=TODAY)

    def declined(self, reason="pas_de_place", **fields) -> Referral:
        return self.do(self.referral(**fields), Action.DECLINE, reason=reason, message="Désolés.")

    def do(self, referral, action, **data) -> Referral:
        if action in (Action.ACCEPT, Action.DECLINE, Action.REORIENT):
            data = {**URGENT, **data}
        return workflow.perform(referral, action, self.head, **data)


def move_to_year(referral, year):
    """Historical data: the referral's events happened in `year` (events are immutable through
    save(), hence update())."""
    for event in referral.events.all():
        ReferralEvent.objects.filter(pk=event.pk).update(
            created_at=event.created_at.replace(year=year)
        )
    facts.refresh([referral.pk])  # the figures' facts follow the rewritten history


@pytest.fixture
def spip():
    return MembershipFactory(organisation__name="SPIP de la Somme")


@pytest.fixture
def siao():
    return MembershipFactory(organisation__name="SIAO de la Somme", organisation__siao=True)


@pytest.fixture
def passerelle():
    return EstablishmentFactory(
        title="CHU La Passerelle", referral_types=["sortie_seche", "pse", "siao_urgence"]
    )


@pytest.fixture
def augustins():
    return EstablishmentFactory(title="CHRS Les Augustins", referral_types=["sortie_seche", "pse"])


def test_every_branch_from_the_event_log(spip, siao, passerelle, augustins):
    flow = Flow(passerelle, spip)
    other = Flow(augustins, spip)
    sortie = {"referral_type": "sortie_seche", "judicial_situation": "fin_de_peine"}

    arrived = flow.accepted(**sortie)
    flow.do(arrived, Action.RECORD_ARRIVAL, arrival_date=TODAY)
    for reason in ("maintien_detention", "maintien_detention", "sortie_reportee"):
        flow.do(flow.accepted(**sortie), Action.CANCEL, reason=reason)
    flow.do(flow.accepted(), Action.RECORD_NO_SHOW)  # no news
    flow.do(flow.accepted(), Action.RECORD_NO_SHOW, day_centre_contact_date=TODAY)
    later = flow.do(flow.accepted(judicial_situation="sme"), Action.RECORD_NO_SHOW)
    workflow.record_day_centre_contact(later, flow.head, TODAY)
    flow.accepted(membership=siao, referral_type="siao_urgence", judicial_situation="aucune")

    reoriented = flow.do(flow.accepted(**sortie), Action.REORIENT, new_target=augustins.pk)
    linked = Referral.objects.get(reoriented_from=reoriented)
    other.do(
        other.do(linked, Action.ACCEPT, planned_admission_date=TODAY),
        Action.RECORD_ARRIVAL,
        arrival_date=TODAY,
    )
    reoriented_waiting = flow.do(flow.accepted(), Action.REORIENT, new_target=augustins.pk)

    flow.declined("pas_de_place", **sortie)
    flow.declined("besoins", membership=siao, referral_type="siao_urgence")
    contested = flow.declined("pas_de_place")
    workflow.perform(contested, Action.CONTEST, actor(spip), message="Une place s'est libérée.")
    flow.do(contested, Action.ACCEPT, planned_admission_date=TODAY)  # favourable, awaiting
    contested_again = flow.declined("pas_de_place")
    workflow.perform(contested_again, Action.CONTEST, actor(spip), message="Merci de revoir.")
    flow.do(contested_again, Action.DECLINE, reason="hors_public", message="Hors public.")

    flow.do(flow.referral(), Action.REORIENT, new_target=augustins.pk)  # before any decision
    flow.referral()  # not decided yet
    last_year = flow.accepted()  # first decided last year, outcome this year
    move_to_year(last_year, THIS_YEAR - 1)
    flow.do(last_year, Action.RECORD_ARRIVAL, arrival_date=TODAY)

    figures = yearly_figures(THIS_YEAR)
    pas = figures.get(passerelle.pk).total
    assert (pas.processed, pas.favourable, pas.unfavourable) == (14, 11, 3)
    assert pas.after_contest == 1
    outcomes = (pas.arrived, pas.reoriented, pas.no_show, pas.cancelled, pas.awaiting)
    assert outcomes == (1, 2, 3, 3, 2)
    assert pas.reoriented_to == {augustins.pk: 2}
    assert pas.reoriented_arrived == 1
    assert pas.day_centre == 2
    assert pas.cancel_reasons == {"maintien_detention": 2, "sortie_reportee": 1}
    assert pas.decline_reasons == {"pas_de_place": 1, "besoins": 1, "hors_public": 1}
    assert figures.get(passerelle.pk).reoriented_before_decision == 1
    assert pas.favourable_share == 78.6
    assert pas.day_centre_share == 66.7

    by_type = figures.get(passerelle.pk).by_referral_type
    assert by_type["sortie_seche"].processed == 6
    assert by_type["ddse"].processed == 6
    assert by_type["siao_urgence"].processed == 2
    assert (by_type["siao_urgence"].favourable, by_type["siao_urgence"].unfavourable) == (1, 1)
    by_kind = figures.get(passerelle.pk).by_organisation_kind
    assert by_kind[Organisation.Kind.SPIP].processed == 12
    assert by_kind[Organisation.Kind.SIAO].processed == 2
    by_situation = figures.get(passerelle.pk).by_judicial_situation
    assert by_situation["fin_de_peine"].processed == 6
    # The SME of the former law is counted with the sursis probatoire that replaced it.
    probation = by_situation["sursis_probatoire"]
    assert "sme" not in by_situation
    assert (probation.no_show, probation.day_centre) == (1, 1)
    assert sum(f.processed for f in by_situation.values()) == 14

    aug = figures.get(augustins.pk)
    assert (aug.total.processed, aug.total.favourable, aug.total.arrived) == (1, 1, 1)
    assert figures.total.processed == 15

    previous = yearly_figures(THIS_YEAR - 1)
    assert previous.get(passerelle.pk).total.processed == 1
    assert previous.get(passerelle.pk).total.arrived == 1
    assert previous.get(augustins.pk) is None

    # Only the establishments asked for, listed even when empty.
    empty = EstablishmentFactory(title="CHRS Thuillier")
    only = yearly_figures(THIS_YEAR, [empty.pk, augustins.pk])
    assert [e.title for e in only.establishments] == ["CHRS Les Augustins", "CHRS Thuillier"]
    assert only.get(empty.pk).total.processed == 0
    assert only.get(empty.pk).total.favourable_share is None
    assert reoriented_waiting.pk  # re-oriented, its linked referral at Les Augustins undecided


def test_figures_come_from_events_not_from_mutable_fields(spip, passerelle):
    flow = Flow(passerelle, spip)
    accepted = flow.accepted()
    # A field edited behind the workflow's back does not make a decision.
    undecided = flow.referral()
    Referral.objects.filter(pk=undecided.pk).update(status=Status.ARRIVED)
    Referral.objects.filter(pk=accepted.pk).update(status=Status.DECLINED)
    figures = yearly_figures(THIS_YEAR).get(passerelle.pk).total
    assert (figures.processed, figures.favourable, figures.awaiting) == (1, 1, 1)


def test_year_boundaries_are_local_time(spip, passerelle):
    flow = Flow(passerelle, spip)
    referral = flow.accepted()
    new_year_eve = timezone.make_aware(datetime(THIS_YEAR - 1, 12, 31, 23, 30))  # 22:30 UTC
    ReferralEvent.objects.filter(referral=referral).update(created_at=new_year_eve)
    facts.refresh([referral.pk])
    assert yearly_figures(THIS_YEAR - 1).get(passerelle.pk).total.processed == 1
    this_year = yearly_figures(THIS_YEAR).get(passerelle.pk).total
    assert (this_year.processed, this_year.received) == (0, 1)  # submitted this year


def test_constant_number_of_queries(spip, siao, passerelle, augustins):
    flow = Flow(passerelle, spip)

    def make(n):
        for index in range(n):
            referral = flow.accepted(membership=siao if index % 2 else spip)
            if index % 3 == 0:
                flow.do(referral, Action.RECORD_NO_SHOW, day_centre_contact_date=TODAY)
            elif index % 3 == 1:
                flow.do(referral, Action.REORIENT, new_target=augustins.pk)
        flow.declined()

    make(2)
    with CaptureQueriesContext(connection) as few:
        yearly_figures(THIS_YEAR)
    assert len(few) <= 9  # savepoint, JIT off, work_mem, three statements, release, titles, orgs
    make(25)
    with CaptureQueriesContext(connection) as many:
        figures = yearly_figures(THIS_YEAR)
    assert len(many) == len(few)
    assert figures.get(passerelle.pk).total.processed == 29


# --- the 2019 demo history --------------------------------------------------------------------


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


def test_demo_2019_gives_the_report_figures_and_is_idempotent(demo_site, client):
    from referrals.demo import passerelle_2019 as demo_2019

    mail.outbox.clear()
    assert demo_2019.load() == 56  # 53 requests + 3 linked referrals at Les Augustins
    assert mail.outbox == []  # history is not news
    passerelle, augustins = demo_site["chu-la-passerelle"], demo_site["chrs-les-augustins"]

    def check():
        figures = yearly_figures(2019)
        pas = figures.get(passerelle.pk).total
        assert (pas.processed, pas.favourable, pas.unfavourable) == (53, 44, 9)
        assert (pas.arrived, pas.reoriented, pas.no_show, pas.day_centre) == (21, 3, 20, 9)
        assert (pas.cancelled, pas.awaiting, pas.after_contest) == (0, 0, 0)
        assert pas.reoriented_to == {augustins.pk: 3}
        assert pas.reoriented_arrived == 3
        assert sum(pas.decline_reasons.values()) == 9 and "" not in pas.decline_reasons
        aug = figures.get(augustins.pk).total
        assert (aug.processed, aug.favourable, aug.arrived) == (3, 3, 3)
        situations = figures.get(passerelle.pk).by_judicial_situation
        main = situations["fin_de_peine"].processed + situations["sortie_6_mois"].processed
        assert main >= 45
        assert figures.get(passerelle.pk).by_organisation_kind["spip"].processed == 53
        return figures

    check()
    count = Referral.objects.count(), ReferralEvent.objects.count()
    assert demo_2019.load() == 0
    assert (Referral.objects.count(), ReferralEvent.objects.count()) == count
    check()

    referrals = Referral.objects.filter(target=passerelle)
    assert referrals.count() == 53
    assert referrals.filter(gender="femme").count() in range(3, 10)
    assert len({(r.first_name, r.last_name) for r in referrals}) == 53
    assert all(r.reference.startswith("2019-") for r in Referral.objects.all())
    assert all(r.created_at.year == 2019 for r in Referral.objects.all())
    assert all(r.release_date.year in (2019, 2020) for r in Referral.objects.all())
    decisions = ReferralEvent.objects.filter(
        action__in=[Action.ACCEPT, Action.DECLINE, Action.REORIENT]
    )
    assert decisions.count() == 53 + 3 + 3
    for event in decisions:
        assert timezone.localtime(event.created_at).year == 2019
        assert event.data["session_date"].startswith("2019-")
    heads = set(
        decisions.filter(referral__target=passerelle).values_list("actor__email", flat=True)
    )
    assert heads == {"chef.passerelle@demo.ilot.test"}
    assert not ReferralEvent.objects.filter(created_at__year__gt=2020).exists()
    declined = referrals.filter(status=Status.DECLINED)
    assert all(r.decline_reason and r.decision_message for r in declined)
    assert yearly_figures(THIS_YEAR).get(passerelle.pk) is None

    # What the management reads on the page
    login(client, User.objects.get(email="direction@demo.ilot.test"))
    response = client.get(
        reverse("commission:figures"), {"year": 2019, "establishment": passerelle.pk}
    )
    page = text(response)
    assert "En 2019, 53 demandes ont été traitées : 44 avis favorables et 9 avis défavorables." in (
        " ".join(page.split())
    )
    assert "3 réorientées vers le CHRS Les Augustins" in page
    assert "83 %" in page  # 44 of 53
    assert "dont 9 venues à l'accueil de jour" in page
    assert "47,7 %" in page  # 21 of 44 taken in at release
    assert "45 %" in page  # 9 of 20 came to the day centre

    # The same figures in both exports and in the API.
    params = {"year": 2019, "establishment": passerelle.pk}
    content = client.get(URL, {**params, "format": "csv"}).content.decode().lstrip("\ufeff")
    rows = {(r[2], r[4]): r[5] for r in csv.reader(io.StringIO(content), delimiter=";")}
    assert [rows[("Ensemble", label)] for label in EXPORTED] == [
        "53",
        "44",
        "9",
        "21",
        "3",
        "20",
        "9",
    ]
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(URL, {**params, "format": "xlsx"}).content)
    ).active
    cells = {(r[2], r[4]): r[5] for r in sheet.iter_rows(values_only=True)}
    assert [cells[("Ensemble", label)] for label in EXPORTED] == [53, 44, 9, 21, 3, 20, 9]
    from tests.referrals.test_api import api_for

    body = (
        api_for(client, User.objects.get(email="direction@demo.ilot.test"))
        .get("/statistics", params)
        .json()
    )
    api = body["establishments"][0]["figures"]
    assert [api[name] for name in ("processed", "favourable", "unfavourable")] == [53, 44, 9]
    assert [api[name] for name in ("arrived", "reoriented", "no_show", "day_centre")] == [
        21,
        3,
        20,
        9,
    ]


EXPORTED = [
    "Demandes traitées",
    "Avis favorables",
    "Avis défavorables",
    "Accueillies à la sortie",
    "Réorientées vers le CHRS Les Augustins",
    "Ne se sont pas présentées",
    "dont venues à l'accueil de jour",
]


# --- the view -----------------------------------------------------------------------------------


@pytest.fixture
def decided(spip, passerelle, augustins):
    Flow(passerelle, spip).accepted()
    Flow(augustins, spip).declined()
    return passerelle, augustins


URL = reverse("commission:figures")


@pytest.mark.parametrize(
    ("who", "sees_passerelle", "sees_augustins"),
    [
        ("management", True, True),
        ("head of La Passerelle", True, False),
        ("member of La Passerelle", True, False),
        ("member of Les Augustins", False, True),
    ],
)
def test_internal_readers(client, decided, who, sees_passerelle, sees_augustins):
    passerelle, augustins = decided
    memberships = {
        "management": lambda: management_member(),
        "head of La Passerelle": lambda: commission_member(passerelle, InternalRole.Role.HEAD),
        "member of La Passerelle": lambda: commission_member(passerelle),
        "member of Les Augustins": lambda: commission_member(augustins),
    }
    login(client, memberships[who]().user)
    response = client.get(URL, {"year": THIS_YEAR})
    assert response.status_code == 200
    page = text(response)
    assert ("CHU La Passerelle" in page) is sees_passerelle
    assert ("CHRS Les Augustins" in page) is sees_augustins
    for establishment, allowed in [(passerelle, sees_passerelle), (augustins, sees_augustins)]:
        response = client.get(URL, {"year": THIS_YEAR, "establishment": establishment.pk})
        assert response.status_code == (200 if allowed else 404)
    assert client.get(URL, {"establishment": "abc"}).status_code == 404


def test_management_sees_an_overview_and_one_establishment(client, decided):
    passerelle, augustins = decided
    login(client, management_member().user)
    page = text(client.get(URL))  # default: this year, every establishment
    assert "Vue d'ensemble" in page
    assert '<th scope="row">Total</th>' in page
    assert f'id="etablissement-{augustins.pk}"' in page
    page = text(client.get(URL, {"establishment": passerelle.pk}))
    assert "Vue d'ensemble" not in page
    assert f'id="etablissement-{passerelle.pk}"' in page
    assert f'id="etablissement-{augustins.pk}"' not in page
    assert '<th scope="row">Demandes traitées</th>' in page
    assert "<caption>" in page and 'scope="col"' in page


@pytest.mark.parametrize("who", ["partner", "editor", "internal without role", "anonymous"])
def test_others_do_not_see_the_figures(client, decided, spip, who):
    if who == "partner":
        login(client, spip.user)
    elif who == "editor":
        login(client, InternalRoleFactory(role=InternalRole.Role.EDITOR).membership.user)
    elif who == "internal without role":
        internal = Organisation.objects.get(kind=Organisation.Kind.ILOT)
        login(client, MembershipFactory(organisation=internal).user)
    for params in ({"year": THIS_YEAR}, {"format": "csv"}):
        response = client.get(URL, params)
        if who == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 404
        assert "text/csv" not in response.get("Content-Type", "")


def test_a_year_out_of_range_is_a_form_error(client, decided):
    login(client, management_member().user)
    response = client.get(URL, {"year": 1900})
    assert response.status_code == 200
    assert "Erreur" in text(response)
    assert "Vue d'ensemble" not in text(response)


def test_view_queries_do_not_grow_with_referrals(
    client, spip, passerelle, augustins, django_assert_max_num_queries
):
    flow = Flow(passerelle, spip)
    login(client, management_member().user)
    flow.do(flow.accepted(), Action.RECORD_ARRIVAL, arrival_date=TODAY)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for index in range(30):
        referral = flow.accepted(judicial_situation=["pse", "sl", "tig"][index % 3])
        if index % 2:
            flow.do(referral, Action.REORIENT, new_target=augustins.pk)
        flow.declined(["pas_de_place", "besoins"][index % 2])
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)
    assert "61" in text(response)  # 1 + 30 + 30 processed at La Passerelle
    with django_assert_max_num_queries(len(few)):
        assert client.get(URL, {"format": "csv"}).status_code == 200


def test_csv_download(client, spip, passerelle):
    flow = Flow(passerelle, spip)
    flow.do(flow.accepted(), Action.RECORD_NO_SHOW, day_centre_contact_date=TODAY)
    # A referral of the former law (PSE) is counted with the DDSE that replaced it.
    flow.do(flow.accepted(referral_type="pse"), Action.RECORD_ARRIVAL, arrival_date=TODAY)
    flow.declined("besoins")
    login(client, commission_member(passerelle).user)
    response = client.get(URL, {"year": THIS_YEAR, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="bilan-orientations-{THIS_YEAR}.csv"' in response["Content-Disposition"]
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:6] == [
        "Période",
        "Établissement",
        "Regroupement",
        "Catégorie",
        "Indicateur",
        "Nombre",
    ]
    values = {(row[2], row[3], row[4]): (row[5], row[6]) for row in rows[1:]}
    assert values[("Ensemble", "", "Demandes traitées")] == ("3", "")
    assert values[("Ensemble", "", "Avis favorables")] == ("2", "66,7")
    assert values[("Ensemble", "", "Accueillies à la sortie")] == ("1", "50,0")
    assert values[("Ensemble", "", "dont venues à l'accueil de jour")] == ("1", "100,0")
    reason = "Besoins au-delà de ce que l'établissement peut assurer"
    assert values[("Motifs des avis défavorables", reason, "Avis défavorables")] == ("1", "100,0")
    assert values[
        (
            "Par type de demande",
            f"{ReferralType.DDSE.label} (y compris l'ancien PSE)",
            "Demandes traitées",
        )
    ] == ("3", "")


def test_first_decision_year_is_the_year_even_when_the_second_is_later(spip, passerelle):
    flow = Flow(passerelle, spip)
    referral = flow.declined()
    move_to_year(referral, THIS_YEAR - 1)
    workflow.perform(referral, Action.CONTEST, actor(spip), message="Nouvelle situation.")
    flow.do(referral, Action.ACCEPT, planned_admission_date=TODAY + timedelta(days=3))
    assert yearly_figures(THIS_YEAR).get(passerelle.pk).total.processed == 0
    previous = yearly_figures(THIS_YEAR - 1).get(passerelle.pk).total
    assert (previous.processed, previous.favourable, previous.after_contest) == (1, 1, 1)
