"""The commission's side through its views: queue, role × action × establishment, every
transition of this side, bad input, concurrency, sessions, batch actions, internal notes."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import InternalRole
from cms.models import EstablishmentPlace
from referrals import workflow
from referrals.choices import Action, Status
from referrals.models import Referral
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


@pytest.fixture
def passerelle():
    return EstablishmentFactory(title="CHU La Passerelle", referral_types=["pse", "sortie_seche"])


@pytest.fixture
def augustins():
    return EstablishmentFactory(title="CHRS Les Augustins", referral_types=["pse", "sortie_seche"])


def as_user(membership):
    return login(Client(), membership.user)


def test_queue_shows_each_column_with_counts_and_flags(passerelle, augustins, settings):
    settings.REFERRAL_WAITING_DAYS = 10
    member = as_user(commission_member(passerelle))
    now = timezone.now()
    ReferralFactory(target=passerelle, submitted=True, last_name="Nouveau")
    ReferralFactory(
        target=passerelle,
        submitted=True,
        last_name="Ancien",
        status_changed_at=now - timedelta(days=12),
        release_date=TODAY() + timedelta(days=40),
    )
    ReferralFactory(
        target=passerelle,
        status=Status.ACCEPTED,
        last_name="Bientot",
        release_date=TODAY() + timedelta(days=2),
    )
    ReferralFactory(target=passerelle, status=Status.ARRIVED, last_name="Arrive")
    ReferralFactory(target=passerelle, last_name="Brouillon")  # drafts stay with the partner
    ReferralFactory(target=augustins, submitted=True, last_name="Ailleurs")
    page = text(member.get(reverse("commission:queue")))
    assert "NOUVEAU" in page and "ANCIEN" in page and "BIENTOT" in page and "ARRIVE" in page
    assert "BROUILLON" not in page and "AILLEURS" not in page
    assert "En attente depuis plus de 10 jours" in page
    assert "dans moins de 7 jours" in page
    assert 'id="col-new">Nouvelles demandes <span class="count-badge">2</span>' in page
    assert "Acceptées, en attente d'arrivée" in page


def test_queue_is_for_the_commission_only(passerelle):
    assert Client().get(reverse("commission:queue")).status_code == 302
    partner = as_user(MembershipFactory())
    assert partner.get(reverse("commission:queue")).status_code == 404
    management = as_user(management_member())
    ReferralFactory(target=passerelle, submitted=True, last_name="Visible")
    assert "VISIBLE" in text(management.get(reverse("commission:queue")))


def test_queue_queries_do_not_grow(passerelle, django_assert_max_num_queries):
    member = as_user(commission_member(passerelle))
    for status in (Status.SUBMITTED, Status.ACCEPTED, Status.UNDER_REVIEW):
        ReferralFactory(target=passerelle, status=status)
    with django_assert_max_num_queries(40) as few:
        member.get(reverse("commission:queue"))
    for status in list(Status)[1:] * 3:
        ReferralFactory(target=passerelle, status=status)
    for _ in range(5):
        CommissionSessionFactory(establishment=passerelle)
    with django_assert_max_num_queries(len(few.captured_queries)):
        member.get(reverse("commission:queue"))


# --- role × action × establishment ---------------------------------------------------------

ACTION_STATUS = {
    Action.REQUEST_INFO: Status.SUBMITTED,
    Action.SCHEDULE: Status.SUBMITTED,
    Action.ACCEPT: Status.UNDER_REVIEW,
    Action.DECLINE: Status.UNDER_REVIEW,
    Action.REORIENT: Status.SUBMITTED,
    Action.RECORD_ARRIVAL: Status.ACCEPTED,
    Action.RECORD_DEPARTURE: Status.ARRIVED,
    Action.RECORD_NO_SHOW: Status.ACCEPTED,
    Action.CANCEL: Status.ACCEPTED,
}
MEMBER_ACTIONS = {Action.REQUEST_INFO, Action.SCHEDULE}


def valid_post(action, referral, other):
    session = CommissionSessionFactory(establishment=referral.target, date=TODAY())
    return {
        Action.REQUEST_INFO: {"message": "Merci de joindre le jugement."},
        Action.SCHEDULE: {"session": session.pk},
        Action.ACCEPT: {
            "planned_admission_date": (TODAY() + timedelta(days=5)).isoformat(),
            "place_type": "urgence",
            "session": session.pk,
        },
        Action.DECLINE: {
            "reason": "pas_de_place",
            "message": "Plus de place.",
            "session": session.pk,
        },
        Action.REORIENT: {"new_target": other.pk, "urgent_justification": "Sortie demain."},
        Action.RECORD_ARRIVAL: {"arrival_date": TODAY().isoformat()},
        Action.RECORD_DEPARTURE: {
            "departure_date": TODAY().isoformat(),
            "exit_kind": "emploi_formation",
            "exit_employment": "on",
            "measure_completed": "oui",
        },
        Action.RECORD_NO_SHOW: {},
        Action.CANCEL: {"reason": "sans_nouvelles"},
    }[action]


def state(referral):
    referral = Referral.objects.get(pk=referral.pk)
    return (
        referral.status,
        list(referral.events.values_list("pk", flat=True)),
        list(referral.messages.values_list("pk", flat=True)),
        Referral.objects.filter(reoriented_from=referral).exists(),
    )


@pytest.mark.parametrize("action", list(ACTION_STATUS))
@pytest.mark.parametrize(
    "role", ["member", "head", "other_member", "other_head", "management", "partner"]
)
def test_role_action_establishment_matrix(passerelle, augustins, role, action):
    referral = ReferralFactory(target=passerelle, status=ACTION_STATUS[action])
    membership = {
        "member": lambda: commission_member(passerelle),
        "head": lambda: commission_member(passerelle, InternalRole.Role.HEAD),
        "other_member": lambda: commission_member(augustins),
        "other_head": lambda: commission_member(augustins, InternalRole.Role.HEAD),
        "management": management_member,
        "partner": lambda: referral.officer.memberships.get(),
    }[role]()
    augustins_member = commission_member(augustins)
    client = as_user(membership)
    url = reverse("commission:act", args=[referral.pk, action])
    data = valid_post(action, referral, augustins)
    before = state(referral)
    mail.outbox.clear()
    response = client.post(url, data)
    allowed = role == "head" or (role == "member" and action in MEMBER_ACTIONS)
    if not allowed:
        # The member and management read it, but this action is not theirs; the others do not
        # even learn that it exists.
        assert response.status_code == (403 if role in ("member", "management") else 404)
        assert state(referral) == before
        assert not mail.outbox
        return
    assert response.status_code == 302, text(response)
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    referral.refresh_from_db()
    transition = workflow.TRANSITIONS[action]
    assert referral.status == transition.target
    event = referral.events.last()
    assert event.pk not in before[1]
    assert (event.action, event.from_status, event.to_status) == (
        action,
        ACTION_STATUS[action],
        transition.target,
    )
    assert (event.actor, event.organisation) == (membership.user, membership.organisation)
    recipients = sorted(m.to[0] for m in mail.outbox)
    if action == Action.REORIENT:
        linked = Referral.objects.get(reoriented_from=referral)
        assert (linked.target_id, linked.status) == (augustins.pk, Status.SUBMITTED)
        assert recipients == sorted([referral.officer.email, augustins_member.user.email])
    else:
        assert recipients == [referral.officer.email]
    if action in (Action.REQUEST_INFO, Action.DECLINE):
        message = referral.messages.last()
        assert (message.body, message.author) == (data["message"], membership.user)
    if action in (Action.SCHEDULE, Action.ACCEPT, Action.DECLINE):
        assert referral.session_id == data["session"]
    if action == Action.ACCEPT:
        assert (referral.planned_admission_date, referral.place_type) == (
            TODAY() + timedelta(days=5),
            "urgence",
        )
    if action == Action.DECLINE:
        assert referral.decline_reason == "pas_de_place"
    if action == Action.RECORD_ARRIVAL:
        assert referral.arrival_date == TODAY()
        stay = referral.stay
        assert (stay.establishment_id, stay.arrival_date, stay.departure_date) == (
            passerelle.pk,
            TODAY(),
            None,
        )
    if action == Action.RECORD_DEPARTURE:
        stay = referral.stay
        assert (stay.departure_date, stay.exit_kind, stay.exit_employment) == (
            TODAY(),
            "emploi_formation",
            True,
        )
        assert (stay.measure, stay.measure_completed, stay.positive_exit) == ("ddse", True, True)
    if action == Action.CANCEL:
        assert referral.cancel_reason == "sans_nouvelles"


# --- every transition of this side, with its bad input ---------------------------------------


@pytest.fixture
def head(passerelle):
    return commission_member(passerelle, InternalRole.Role.HEAD)


def test_decline_without_a_message_is_refused(passerelle, head):
    referral = ReferralFactory(target=passerelle, status=Status.UNDER_REVIEW)
    session = CommissionSessionFactory(establishment=passerelle)
    response = as_user(head).post(
        reverse("commission:act", args=[referral.pk, Action.DECLINE]),
        {"reason": "pas_de_place", "message": "  ", "session": session.pk},
    )
    assert response.status_code == 200
    assert "Champ requis" in text(response)
    assert Referral.objects.get(pk=referral.pk).status == Status.UNDER_REVIEW


def test_accept_without_a_date_or_outside_a_session_without_justification(passerelle, head):
    referral = ReferralFactory(target=passerelle, status=Status.SUBMITTED)
    client = as_user(head)
    url = reverse("commission:act", args=[referral.pk, Action.ACCEPT])
    response = client.post(url, {"place_type": "urgence"})
    assert "Champ requis" in text(response)
    response = client.post(
        url, {"planned_admission_date": TODAY().isoformat(), "place_type": "urgence"}
    )
    assert "justifiez l'urgence" in text(response)
    assert Referral.objects.get(pk=referral.pk).status == Status.SUBMITTED
    response = client.post(
        url,
        {
            "planned_admission_date": TODAY().isoformat(),
            "place_type": "urgence",
            "urgent_justification": "Sortie ce soir, famille à la rue.",
        },
    )
    assert response.status_code == 302
    event = Referral.objects.get(pk=referral.pk).events.get(action=Action.ACCEPT)
    assert event.data["urgent_justification"] == "Sortie ce soir, famille à la rue."


def test_reorient_to_the_same_establishment_is_not_offered(passerelle, augustins, head):
    referral = ReferralFactory(target=passerelle, status=Status.SUBMITTED)
    response = as_user(head).post(
        reverse("commission:act", args=[referral.pk, Action.REORIENT]),
        {"new_target": passerelle.pk, "urgent_justification": "x"},
    )
    assert "Sélectionnez un choix valide" in text(response)
    assert not Referral.objects.filter(reoriented_from=referral).exists()


def test_action_in_a_state_that_forbids_it_says_why(passerelle, head):
    referral = ReferralFactory(target=passerelle, status=Status.ARRIVED)
    response = as_user(head).post(
        reverse("commission:act", args=[referral.pk, Action.CANCEL]), {"reason": "sans_nouvelles"}
    )
    assert response.status_code == 200
    assert "Action impossible" in text(response)
    assert "Arrivée" in text(response)


def test_two_heads_deciding_at_once_one_decision_and_the_other_is_told(passerelle, head):
    referral = ReferralFactory(target=passerelle, status=Status.UNDER_REVIEW)
    session = CommissionSessionFactory(establishment=passerelle)
    other_head = commission_member(passerelle, InternalRole.Role.HEAD)
    first, second = as_user(head), as_user(other_head)
    second.get(reverse("commission:act", args=[referral.pk, Action.DECLINE]))  # both open the form
    first.post(
        reverse("commission:act", args=[referral.pk, Action.ACCEPT]),
        {
            "planned_admission_date": TODAY().isoformat(),
            "place_type": "urgence",
            "session": session.pk,
        },
    )
    response = second.post(
        reverse("commission:act", args=[referral.pk, Action.DECLINE]),
        {"reason": "pas_de_place", "message": "Non.", "session": session.pk},
    )
    page = text(response)
    assert "Avis favorable" in page and str(head.user) in page
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.events.filter(action__in=[Action.ACCEPT, Action.DECLINE]).count() == 1


def test_outcomes_and_capacity_warning(passerelle, head):
    EstablishmentPlace.objects.create(page=passerelle, place_type="urgence", count=1)
    ReferralFactory(target=passerelle, status=Status.ACCEPTED, place_type="urgence")
    referral = ReferralFactory(target=passerelle, status=Status.SUBMITTED)
    client = as_user(head)
    page = text(client.get(reverse("commission:act", args=[referral.pk, Action.ACCEPT])))
    assert "0 personnes présentes et 1 acceptées en attente d'arrivée pour 1 places" in page
    accepted = ReferralFactory(target=passerelle, status=Status.ACCEPTED)
    client.post(
        reverse("commission:act", args=[accepted.pk, Action.RECORD_NO_SHOW]),
        {"day_centre_contact_date": TODAY().isoformat()},
    )
    accepted.refresh_from_db()
    assert accepted.status == Status.NO_SHOW
    assert accepted.day_centre_contact_date == TODAY()


def test_decline_notifies_the_officer_with_the_reason_on_the_portal(passerelle, head):
    referral = ReferralFactory(target=passerelle, status=Status.UNDER_REVIEW)
    session = CommissionSessionFactory(establishment=passerelle, date=TODAY())
    mail.outbox.clear()
    as_user(head).post(
        reverse("commission:act", args=[referral.pk, Action.DECLINE]),
        {"reason": "hors_public", "message": "Public non accueilli ici.", "session": session.pk},
    )
    assert [m.to for m in mail.outbox] == [[referral.officer.email]]
    assert "Public non accueilli" not in mail.outbox[0].body
    officer = login(Client(), referral.officer)
    page = text(officer.get(reverse("referrals:detail", args=[referral.pk])))
    assert "Hors du public de l'établissement" in page
    assert "Public non accueilli ici." in page
    assert "Contester cet avis" in page


# --- sessions, batch, notes --------------------------------------------------------------


def test_session_agenda_decisions_and_printable_records(passerelle, head):
    client = as_user(head)
    member = commission_member(passerelle)
    response = client.post(
        reverse("commission:session_create"),
        {
            "establishment": passerelle.pk,
            "date": TODAY().isoformat(),
            "members_present": [head.user.pk, member.user.pk],
            "minutes": "",
        },
    )
    session = passerelle.commission_sessions.get()
    assert response["Location"] == reverse("commission:session", args=[session.pk])
    scheduled = ReferralFactory(target=passerelle, submitted=True, last_name="Inscrit")
    client.post(
        reverse("commission:act", args=[scheduled.pk, Action.SCHEDULE]), {"session": session.pk}
    )
    agenda = text(
        client.get(reverse("commission:session_print", args=[session.pk, "ordre-du-jour"]))
    )
    assert "INSCRIT" in agenda and str(member.user) in agenda
    client.post(
        reverse("commission:act", args=[scheduled.pk, Action.ACCEPT]),
        {
            "planned_admission_date": TODAY().isoformat(),
            "place_type": "urgence",
            "session": session.pk,
        },
    )
    record = text(
        client.get(reverse("commission:session_print", args=[session.pk, "releve-de-decisions"]))
    )
    assert scheduled.reference in record and str(head.user) in record
    assert "Avis favorable" in record
    other = as_user(commission_member(EstablishmentFactory()))
    assert other.get(reverse("commission:session", args=[session.pk])).status_code == 404
    response = client.post(
        reverse("commission:session_create"), {"establishment": passerelle.pk, "date": "bientôt"}
    )
    assert "Saisissez une date valide" in text(response)


def management_and_commission_of(establishment):
    """Management, who also sits on another establishment's commission."""
    membership = management_member()
    InternalRole.objects.create(
        membership=membership, role=InternalRole.Role.HEAD, establishment=establishment
    )
    return membership


@pytest.mark.parametrize(
    "who",
    ["member", "head", "management", "management_and_other_head", "other_commission", "partner"],
)
def test_editing_a_session_is_for_its_commission(passerelle, augustins, who):
    creator = commission_member(passerelle)
    session = CommissionSessionFactory(
        establishment=passerelle, date=TODAY(), minutes="", created_by=creator.user
    )
    present = commission_member(passerelle, InternalRole.Role.HEAD)
    membership = {
        "member": lambda: commission_member(passerelle),
        "head": lambda: commission_member(passerelle, InternalRole.Role.HEAD),
        "management": management_member,
        "management_and_other_head": lambda: management_and_commission_of(augustins),
        "other_commission": lambda: commission_member(augustins, InternalRole.Role.HEAD),
        "partner": MembershipFactory,
    }[who]()
    client = as_user(membership)
    url = reverse("commission:session_edit", args=[session.pk])
    edit = {
        "establishment": augustins.pk,  # a session never moves to another establishment
        "date": (TODAY() + timedelta(days=7)).isoformat(),
        "members_present": [present.user.pk],
        "minutes": "Trois demandes étudiées.",
    }
    form, response = client.get(url), client.post(url, edit)
    session.refresh_from_db()
    if who in ("member", "head"):
        assert form.status_code == 200
        assert "Trois demandes" not in text(form)
        assert response.status_code == 302
        assert response["Location"] == reverse("commission:session", args=[session.pk])
        assert (session.establishment_id, session.date, session.minutes) == (
            passerelle.pk,
            TODAY() + timedelta(days=7),
            "Trois demandes étudiées.",
        )
        assert list(session.members_present.all()) == [present.user]
        assert session.created_by == creator.user
    else:
        assert (form.status_code, response.status_code) == (404, 404)
        assert (session.date, session.minutes) == (TODAY(), "")
        assert not session.members_present.exists()


def test_batch_schedule_and_decline(passerelle, head):
    session = CommissionSessionFactory(establishment=passerelle)
    first = ReferralFactory(target=passerelle, submitted=True)
    second = ReferralFactory(target=passerelle, submitted=True)
    closed = ReferralFactory(target=passerelle, status=Status.ARRIVED)
    client = as_user(head)
    response = client.post(
        reverse("commission:batch"),
        {"action": Action.SCHEDULE, "session": session.pk, "referrals": [first.pk, second.pk]},
        follow=True,
    )
    assert "Fait pour" in text(response)
    assert set(Referral.objects.filter(session=session).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    response = client.post(
        reverse("commission:batch"),
        {
            "action": Action.DECLINE,
            "reason": "pas_de_place",
            "message": "Plus de place cet hiver.",
            "session": session.pk,
            "referrals": [first.pk, second.pk, closed.pk],
        },
        follow=True,
    )
    assert Referral.objects.get(pk=first.pk).status == Status.DECLINED
    assert Referral.objects.get(pk=second.pk).status == Status.DECLINED
    assert Referral.objects.get(pk=closed.pk).status == Status.ARRIVED
    response = client.post(reverse("commission:batch"), {"action": Action.SCHEDULE}, follow=True)
    assert "Cochez au moins une demande" in text(response)


def test_internal_notes_are_never_shown_to_partners(passerelle):
    referral = ReferralFactory(target=passerelle, submitted=True)
    member = as_user(commission_member(passerelle))
    response = member.post(
        reverse("commission:note", args=[referral.pk]), {"body": "  "}, follow=True
    )
    assert "La note est vide" in text(response)
    member.post(reverse("commission:note", args=[referral.pk]), {"body": "Connu du 115."})
    page = text(member.get(reverse("referrals:detail", args=[referral.pk])))
    assert "Connu du 115." in page and "peut les lire si elle le demande" in page
    officer = login(Client(), referral.officer)
    assert "Connu du 115." not in text(officer.get(reverse("referrals:detail", args=[referral.pk])))
    partner = as_user(MembershipFactory())
    assert (
        partner.post(reverse("commission:note", args=[referral.pk]), {"body": "x"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example",
        "//evil.example/commission/",
        "/\\evil.example",
        "\\\\evil.example",
        "https:evil.example",
        " //evil.example",
        "javascript:alert(1)",
    ],
)
def test_batch_never_sends_back_off_site(passerelle, head, next_url):
    referral = ReferralFactory(target=passerelle, submitted=True)
    session = CommissionSessionFactory(establishment=passerelle)
    client = as_user(head)
    done = {"action": Action.SCHEDULE, "session": session.pk, "referrals": [referral.pk]}
    refused = {"action": Action.SCHEDULE}  # nothing ticked: the form's error path
    for data in (done, refused):
        response = client.post(reverse("commission:batch"), {**data, "next": next_url})
        assert response.status_code == 302
        assert response["Location"] == reverse("commission:queue")
    assert Referral.objects.get(pk=referral.pk).status == Status.UNDER_REVIEW


def test_batch_sends_back_to_the_filtered_queue(passerelle, head):
    referral = ReferralFactory(target=passerelle, submitted=True)
    session = CommissionSessionFactory(establishment=passerelle)
    back = f"{reverse('commission:queue')}?etablissement={passerelle.pk}&status=submitted"
    response = as_user(head).post(
        reverse("commission:batch"),
        {
            "action": Action.SCHEDULE,
            "session": session.pk,
            "referrals": [referral.pk],
            "next": back,
        },
    )
    assert response["Location"] == back
    assert Referral.objects.get(pk=referral.pk).status == Status.UNDER_REVIEW
