"""The commission's day (issue 12): a session record that stays true, forms that only offer what
is possible, and the stay after the arrival (departure, occupancy, arrivals without referral)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import InternalRole
from cms.models import EstablishmentPlace
from referrals import occupancy, retention, workflow
from referrals.choices import Action, Status
from referrals.models import Referral, Stay
from referrals.permissions import Actor
from referrals.timeline import event_label
from tests.factories import MembershipFactory
from tests.referrals.factories import (
    CommissionSessionFactory,
    EstablishmentFactory,
    ReferralFactory,
    commission_member,
    management_member,
)
from tests.utils import login, text

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
A, S = Action, Status


@pytest.fixture
def chemin_vert():
    page = EstablishmentFactory(title="CHRS Chemin Vert", referral_types=["pse", "sortie_seche"])
    EstablishmentPlace.objects.create(page=page, place_type="insertion", count=2)
    return page


@pytest.fixture
def head(chemin_vert):
    return commission_member(chemin_vert, InternalRole.Role.HEAD)


def as_actor(membership):
    return Actor.for_membership(membership.user, membership)


def as_user(membership):
    return login(Client(), membership.user)


# --- the session record --------------------------------------------------------------------


def test_a_decision_in_a_session_not_yet_held_is_refused_then_urgent_is_offered(chemin_vert, head):
    referral = ReferralFactory(target=chemin_vert, submitted=True)
    later = CommissionSessionFactory(establishment=chemin_vert, date=TODAY() + timedelta(days=3))
    workflow.perform(referral, A.SCHEDULE, as_actor(head), session=later)
    with pytest.raises(ValidationError) as error:
        workflow.perform(
            referral,
            A.ACCEPT,
            as_actor(head),
            planned_admission_date=TODAY(),
            place_type="insertion",
            session=later,
        )
    assert "n'a pas encore eu lieu" in error.value.message_dict["session"][0]
    assert Referral.objects.get(pk=referral.pk).status == S.UNDER_REVIEW
    client = as_user(head)
    url = reverse("commission:act", args=[referral.pk, A.ACCEPT])
    page = client.get(url)
    assert later not in page.context["form"].fields["session"].queryset  # only sessions held
    assert "laissez « Hors séance (urgence) » et justifiez l'urgence" in text(page)
    response = client.post(
        url,
        {
            "planned_admission_date": TODAY().isoformat(),
            "place_type": "insertion",
            "session": later.pk,
        },
    )
    assert response.status_code == 200
    assert Referral.objects.get(pk=referral.pk).status == S.UNDER_REVIEW
    client.post(
        url,
        {
            "planned_admission_date": TODAY().isoformat(),
            "place_type": "insertion",
            "urgent_justification": "Sortie avancée par le JAP.",
        },
    )
    assert Referral.objects.get(pk=referral.pk).status == S.ACCEPTED


def test_forms_default_to_the_scheduled_session_and_list_sessions_soonest_first(chemin_vert, head):
    client = as_user(head)
    far = CommissionSessionFactory(establishment=chemin_vert, date=TODAY() + timedelta(days=20))
    near = CommissionSessionFactory(establishment=chemin_vert, date=TODAY() + timedelta(days=6))
    referral = ReferralFactory(target=chemin_vert, submitted=True)
    form = client.get(reverse("commission:act", args=[referral.pk, A.SCHEDULE])).context["form"]
    assert [s.pk for s in form.fields["session"].queryset] == [near.pk, far.pk]
    assert form.fields["session"].initial == near.pk
    labels = [label for _value, label in form.fields["session"].choices][1:]
    assert labels[0] == f"{near.date:%d/%m/%Y} — CHRS Chemin Vert"
    held = CommissionSessionFactory(establishment=chemin_vert, date=TODAY())
    workflow.perform(referral, A.SCHEDULE, as_actor(head), session=held)
    form = client.get(reverse("commission:act", args=[referral.pk, A.DECLINE])).context["form"]
    assert form.fields["session"].initial == held.pk


def test_the_agenda_stays_frozen_with_the_decisions_and_the_members_present(chemin_vert, head):
    member = commission_member(chemin_vert)
    session = CommissionSessionFactory(establishment=chemin_vert, date=TODAY())
    session.members_present.set([head.user, member.user])
    accepted = ReferralFactory(target=chemin_vert, submitted=True, last_name="Accepte")
    declined = ReferralFactory(target=chemin_vert, submitted=True, last_name="Refuse")
    waiting = ReferralFactory(target=chemin_vert, submitted=True, last_name="Attente")
    for referral in (accepted, declined, waiting):
        workflow.perform(referral, A.SCHEDULE, as_actor(member), session=session)
    workflow.perform(
        accepted,
        A.ACCEPT,
        as_actor(head),
        planned_admission_date=TODAY(),
        place_type="insertion",
        session=session,
    )
    workflow.perform(
        declined, A.DECLINE, as_actor(head), reason="pas_de_place", message="Non.", session=session
    )
    # Contested, then put on a later session: still on this one's agenda.
    workflow.perform(declined, A.CONTEST, as_actor(declined.officer.memberships.get()), message="!")
    client = as_user(head)
    agenda = text(
        client.get(reverse("commission:session_print", args=[session.pk, "ordre-du-jour"]))
    )
    for name in ("ACCEPTE", "REFUSE", "ATTENTE"):
        assert name in agenda
    assert "Avis favorable" in agenda and "Avis défavorable" in agenda and "À examiner" in agenda
    assert "Aucune demande à l'ordre du jour" not in agenda
    record = text(
        client.get(reverse("commission:session_print", args=[session.pk, "releve-de-decisions"]))
    )
    assert accepted.reference in record and declined.reference in record
    assert waiting.reference not in record
    assert str(head.user) in record and str(member.user) in record
    assert (
        "onclick"
        not in client.get(
            reverse("commission:session_print", args=[session.pk, "ordre-du-jour"])
        ).content.decode()
    )


def test_sessions_soonest_first_with_their_establishment_and_missing_minutes_flagged(
    chemin_vert, head
):
    other = EstablishmentFactory(title="CHU Autre")
    head_other = InternalRole.objects.create(
        membership=head, role=InternalRole.Role.HEAD, establishment=other
    )
    assert head_other
    CommissionSessionFactory(establishment=chemin_vert, date=TODAY() + timedelta(days=9))
    CommissionSessionFactory(establishment=other, date=TODAY() + timedelta(days=2))
    CommissionSessionFactory(establishment=chemin_vert, date=TODAY() - timedelta(days=7))
    CommissionSessionFactory(
        establishment=other, date=TODAY() - timedelta(days=14), minutes="Compte rendu."
    )
    page = as_user(head).get(reverse("commission:sessions"))
    assert [s.establishment.title for s in page.context["upcoming"]] == [
        "CHU Autre",
        "CHRS Chemin Vert",
    ]
    assert [s.minutes_missing for s in page.context["past"]] == [True, False]
    assert text(page).count("séance passée sans compte rendu") == 1


# --- forms that only offer what is possible ------------------------------------------------


def test_reorientation_offers_only_targets_accepting_the_type_and_the_workflow_refuses_others(
    chemin_vert, head
):
    thuillier = EstablishmentFactory(title="CHRS Thuillier", referral_types=["sortie_seche"])
    augustins = EstablishmentFactory(title="CHRS Les Augustins", referral_types=["pse"])
    EstablishmentPlace.objects.create(page=augustins, place_type="insertion", count=12)
    referral = ReferralFactory(target=chemin_vert, submitted=True)  # a PSE
    form = as_user(head).get(reverse("commission:act", args=[referral.pk, A.REORIENT]))
    choices = dict(form.context["form"].fields["new_target"].choices)
    offered = {str(label) for label in choices.values()}
    assert not any("Thuillier" in label for label in offered)
    assert "CHRS Les Augustins — Hommes seuls — Insertion : 12" in offered
    with pytest.raises(ValidationError, match="n'accepte pas ce type"):
        workflow.perform(
            referral,
            A.REORIENT,
            as_actor(head),
            new_target=thuillier.pk,
            urgent_justification="x",
        )


def test_accept_offers_only_the_establishment_s_place_types(chemin_vert, head):
    referral = ReferralFactory(target=chemin_vert, submitted=True)
    form = as_user(head).get(reverse("commission:act", args=[referral.pk, A.ACCEPT]))
    assert [c for c, _label in form.context["form"].fields["place_type"].choices] == ["insertion"]
    with pytest.raises(ValidationError) as error:
        workflow.perform(
            referral,
            A.ACCEPT,
            as_actor(head),
            planned_admission_date=TODAY(),
            place_type="cddi",
            urgent_justification="x",
        )
    assert "place_type" in error.value.message_dict


def test_buttons_say_what_they_do_and_free_text_says_who_reads_it(chemin_vert, head):
    referral = ReferralFactory(target=chemin_vert, accepted=True, place_type="insertion")
    client = as_user(head)
    page = text(client.get(reverse("commission:act", args=[referral.pk, A.RECORD_ARRIVAL])))
    assert "Enregistrer l'arrivée" in page
    assert "Commentaire (facultatif) (lu par le partenaire)" in page
    assert "notes internes" in page
    submitted = ReferralFactory(target=chemin_vert, submitted=True)
    page = text(client.get(reverse("commission:act", args=[submitted.pk, A.ACCEPT])))
    assert "Rendre un avis favorable" in page and "interne à la commission" in page
    assert (
        ">Enregistrer<"
        not in client.get(
            reverse("commission:act", args=[submitted.pk, A.DECLINE])
        ).content.decode()
    )


def test_action_urls_are_french_and_the_old_ones_redirect_permanently(chemin_vert, head):
    referral = ReferralFactory(target=chemin_vert, submitted=True)
    url = reverse("commission:act", args=[referral.pk, A.REQUEST_INFO])
    assert url.endswith(f"/orientations/{referral.pk}/demander-des-informations/")
    client = as_user(head)
    old = f"/commission/orientations/{referral.pk}/request_info/"
    response = client.get(old)
    assert (response.status_code, response["Location"]) == (301, url)
    assert client.get(f"/commission/orientations/{referral.pk}/n-importe/").status_code == 404
    assert client.get(url).status_code == 200


def test_after_a_failed_submit_an_error_summary_links_to_each_field(chemin_vert, head):
    referral = ReferralFactory(target=chemin_vert, submitted=True)
    response = as_user(head).post(
        reverse("commission:act", args=[referral.pk, A.DECLINE]), {"reason": "", "message": ""}
    )
    page = response.content.decode()
    assert "data-error-summary" in page and 'tabindex="-1"' in page
    assert 'href="#id_reason"' in page and 'href="#id_message"' in page
    assert "<script>" not in page.split("decline-templates")[0]  # no inline script before


# --- the stay ------------------------------------------------------------------------------


def test_arrival_opens_a_stay_and_departure_closes_it_with_a_positive_exit(chemin_vert, head):
    referral = ReferralFactory(target=chemin_vert, accepted=True, place_type="insertion")
    officer = referral.officer
    workflow.perform(referral, A.RECORD_ARRIVAL, as_actor(head), arrival_date=TODAY())
    stay = Stay.objects.get(referral=referral)
    assert (stay.place_type, stay.measure, stay.establishment_id) == (
        "insertion",
        "ddse",
        chemin_vert.pk,
    )
    assert occupancy.of_target(chemin_vert.pk).line("insertion").occupied == 1
    mail.outbox.clear()
    workflow.perform(
        referral,
        A.RECORD_DEPARTURE,
        as_actor(head),
        departure_date=TODAY(),
        exit_kind="fin_de_mesure",
        exit_employment=True,
        measure_completed=True,
    )
    stay.refresh_from_db()
    assert (stay.departure_date, stay.measure_completed, stay.positive_exit) == (
        TODAY(),
        True,
        True,
    )
    referral.refresh_from_db()
    assert referral.status == S.DEPARTED
    assert occupancy.of_target(chemin_vert.pk).line("insertion").occupied == 0
    event = referral.events.last()
    assert "Séjour terminé — sortie le" in event_label(event)
    assert "Fin de mesure effectuée" in event_label(event)
    assert [m.to for m in mail.outbox] == [[officer.email]]
    body = mail.outbox[0].body
    assert "fin du séjour" in body and referral.last_name not in body
    assert "mesure" not in mail.outbox[0].subject
    page = text(login(Client(), officer).get(reverse("referrals:detail", args=[referral.pk])))
    assert "Séjour terminé" in page and "sortie positive" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"departure_date": "yesterday-of-arrival"}, "précéder l'arrivée"),
        ({"departure_date": "tomorrow"}, "future"),
        ({"departure_date": "today", "exit_kind": ""}, "type de sortie"),
        ({"departure_date": "today", "measure_completed": None}, "menée à son terme"),
    ],
)
def test_bad_departures_are_refused_in_french_and_change_nothing(chemin_vert, head, data, message):
    arrival = TODAY() - timedelta(days=3)
    referral = ReferralFactory(
        target=chemin_vert, arrived=True, place_type="insertion", arrival_date=arrival
    )
    dates = {
        "yesterday-of-arrival": arrival - timedelta(days=1),
        "tomorrow": TODAY() + timedelta(days=1),
        "today": TODAY(),
    }
    payload = {"exit_kind": "logement_autonome", "measure_completed": True, **data}
    payload["departure_date"] = dates[payload["departure_date"]]
    events = referral.events.count()
    with pytest.raises(ValidationError, match=message):
        workflow.perform(referral, A.RECORD_DEPARTURE, as_actor(head), **payload)
    referral.refresh_from_db()
    assert referral.status == S.ARRIVED and referral.events.count() == events
    assert referral.stay.departure_date is None


def test_a_departure_twice_or_without_arrival_is_refused(chemin_vert, head):
    departed = ReferralFactory(target=chemin_vert, departed=True, place_type="insertion")
    payload = {"departure_date": TODAY(), "exit_kind": "autre", "measure_completed": False}
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.perform(departed, A.RECORD_DEPARTURE, as_actor(head), **payload)
    without_stay = ReferralFactory(target=chemin_vert, arrived=True)
    Stay.objects.filter(referral=without_stay).delete()
    with pytest.raises(ValidationError, match="Aucune arrivée"):
        workflow.perform(without_stay, A.RECORD_DEPARTURE, as_actor(head), **payload)
    accepted = ReferralFactory(target=chemin_vert, accepted=True)
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.perform(accepted, A.RECORD_DEPARTURE, as_actor(head), **payload)
    assert occupancy.of_target(chemin_vert.pk).occupied == 0  # never negative


def test_departure_form_in_french_on_the_page(chemin_vert, head):
    referral = ReferralFactory(target=chemin_vert, arrived=True, place_type="insertion")
    response = as_user(head).post(
        reverse("commission:act", args=[referral.pk, A.RECORD_DEPARTURE]),
        {"departure_date": (TODAY() + timedelta(days=2)).isoformat(), "exit_kind": "deces"},
    )
    page = text(response)
    assert response.status_code == 200
    assert "Indiquez si la mesure a été menée à son terme" in page or "obligatoire" in page
    response = as_user(head).post(
        reverse("commission:act", args=[referral.pk, A.RECORD_DEPARTURE]),
        {
            "departure_date": (TODAY() + timedelta(days=2)).isoformat(),
            "exit_kind": "deces",
            "measure_completed": "non",
        },
    )
    assert "La date de sortie ne peut pas être future." in text(response)
    assert Referral.objects.get(pk=referral.pk).status == S.ARRIVED


def test_occupancy_in_the_queue_and_the_capacity_warning_use_the_stays(chemin_vert, head):
    ReferralFactory(target=chemin_vert, arrived=True, place_type="insertion")
    workflow.record_arrival_without_referral(
        as_actor(head),
        establishment=chemin_vert.pk,
        place_type="insertion",
        arrival_date=TODAY() - timedelta(days=400),
        birth_year=1980,
        gender="homme",
        measure="",
    )
    ReferralFactory(
        target=chemin_vert,
        accepted=True,
        place_type="insertion",
        planned_admission_date=TODAY() + timedelta(days=30),
    )
    client = as_user(head)
    queue = client.get(reverse("commission:queue"))
    line = queue.context["capacity"][0].line("insertion")
    assert (line.capacity, line.occupied, line.free_today) == (2, 2, 0)
    assert (line.awaiting, line.free_then) == (0, 0)  # admission after the projection date
    later = client.get(
        reverse("commission:queue"),
        {"a_la_date": (TODAY() + timedelta(days=31)).isoformat()},
    )
    assert later.context["capacity"][0].line("insertion").free_then == -1
    submitted = ReferralFactory(target=chemin_vert, submitted=True)
    page = text(client.get(reverse("commission:act", args=[submitted.pk, A.ACCEPT])))
    assert "2 personnes présentes et 1 acceptées en attente d'arrivée pour 2 places" in page


def test_an_arrival_without_referral_is_marked_counted_and_leaves(chemin_vert, head):
    client = as_user(head)
    response = client.post(
        reverse("commission:stay_create"),
        {
            "establishment": chemin_vert.pk,
            "place_type": "insertion",
            "arrival_date": (TODAY() - timedelta(days=100)).isoformat(),
            "birth_year": "1979",
            "gender": "homme",
            "measure": "ddse",
        },
    )
    assert response.status_code == 302
    stay = Stay.objects.get(referral__isnull=True)
    assert (stay.birth_year, stay.measure, stay.recorded_by) == (1979, "ddse", head.user)
    page = text(client.get(reverse("commission:stays")))
    assert "Arrivée sans orientation" in page
    assert occupancy.of_target(chemin_vert.pk).occupied == 1
    bad = client.post(
        reverse("commission:stay_create"),
        {
            "establishment": chemin_vert.pk,
            "place_type": "insertion",
            "arrival_date": (TODAY() + timedelta(days=1)).isoformat(),
        },
    )
    assert "La date d'arrivée ne peut pas être future." in text(bad)
    response = client.post(
        reverse("commission:stay_departure", args=[stay.pk]),
        {
            "departure_date": TODAY().isoformat(),
            "exit_kind": "logement_autonome",
            "measure_completed": "oui",
        },
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.positive_exit is True
    assert occupancy.of_target(chemin_vert.pk).occupied == 0


# --- permissions: role × action × own/foreign establishment --------------------------------

ROLES = ["member", "head", "other_head", "management", "partner"]


def membership_for(role, establishment, other):
    return {
        "member": lambda: commission_member(establishment),
        "head": lambda: commission_member(establishment, InternalRole.Role.HEAD),
        "other_head": lambda: commission_member(other, InternalRole.Role.HEAD),
        "management": management_member,
        "partner": MembershipFactory,
    }[role]()


@pytest.mark.parametrize("role", ROLES)
def test_stay_matrix(chemin_vert, role):
    """Arrival without referral, its departure, a referral's departure: the establishment's
    heads only. Members and management read stays; others do not see the pages."""
    other = EstablishmentFactory(title="CHU Ailleurs")
    membership = membership_for(role, chemin_vert, other)
    actor = as_actor(membership)
    allowed = role == "head"
    arrival = {
        "establishment": chemin_vert.pk,
        "place_type": "insertion",
        "arrival_date": TODAY(),
    }
    stay = workflow.record_arrival_without_referral(
        as_actor(commission_member(chemin_vert, InternalRole.Role.HEAD)), **arrival
    )
    departure = {"departure_date": TODAY(), "exit_kind": "autre"}
    referral = ReferralFactory(target=chemin_vert, arrived=True, place_type="insertion")
    client = as_user(membership)
    if allowed:
        assert workflow.record_arrival_without_referral(actor, **arrival).recorded_by == (
            membership.user
        )
        workflow.record_departure_without_referral(stay, actor, **departure)
        workflow.perform(referral, A.RECORD_DEPARTURE, actor, **departure, measure_completed=True)
        assert Referral.objects.get(pk=referral.pk).status == S.DEPARTED
        assert client.get(reverse("commission:stay_create")).status_code == 200
        return
    count = Stay.objects.count()
    with pytest.raises(PermissionDenied):
        workflow.record_arrival_without_referral(actor, **arrival)
    with pytest.raises(PermissionDenied):
        workflow.record_departure_without_referral(stay, actor, **departure)
    with pytest.raises(PermissionDenied):
        workflow.perform(referral, A.RECORD_DEPARTURE, actor, **departure, measure_completed=True)
    assert Stay.objects.count() == count and Stay.objects.get(pk=stay.pk).departure_date is None
    form_page = client.get(reverse("commission:stay_create"))
    if role == "other_head":  # their own establishment only
        assert [p.pk for p in form_page.context["form"].fields["establishment"].queryset] == [
            other.pk
        ]
        response = client.post(reverse("commission:stay_create"), {**arrival, "arrival_date": ""})
        assert "Sélectionnez un choix valide" in text(response)
    else:
        assert form_page.status_code == 404
    assert (
        client.post(
            reverse("commission:stay_departure", args=[stay.pk]),
            {**departure, "departure_date": TODAY().isoformat()},
        ).status_code
        == 404
    )
    stays_page = client.get(reverse("commission:stays"))
    if role in ("member", "management"):
        assert stays_page.status_code == 200
        assert "Arrivée sans orientation" in text(stays_page)
    else:
        assert stays_page.status_code == 404 or "Arrivée sans orientation" not in text(stays_page)


# --- data migration, retention -------------------------------------------------------------


def test_the_data_migration_opens_a_stay_for_referrals_already_arrived(chemin_vert):
    referral = ReferralFactory(
        target=chemin_vert, arrived=True, place_type="insertion", arrival_date=TODAY()
    )
    Stay.objects.filter(referral=referral).delete()
    migration = importlib.import_module("referrals.migrations.0010_commission_day")
    migration.stays_for_arrived_referrals(django_apps, None)
    migration.stays_for_arrived_referrals(django_apps, None)  # idempotent
    stay = Stay.objects.get(referral=referral)
    assert (stay.arrival_date, stay.place_type, stay.establishment_id, stay.measure) == (
        TODAY(),
        "insertion",
        chemin_vert.pk,
        "ddse",
    )


def test_anonymisation_keeps_the_stay_figures(chemin_vert):
    referral = ReferralFactory(
        target=chemin_vert, departed=True, place_type="insertion", exit_kind="emploi_formation"
    )
    before = Stay.objects.filter(referral=referral).values().get()
    assert retention.anonymise(referral)
    after = Stay.objects.filter(referral=referral).values().get()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    # The stay keeps what the anonymised referral keeps of the person: the year, the gender.
    referral.refresh_from_db()
    assert (after["birth_year"], after["gender"]) == (referral.birth_date.year, referral.gender)
