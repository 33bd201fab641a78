"""The referral state machine: the full allowed/forbidden transition table, the sides that may
play each transition, the payload each one requires, events, concurrency and notifications."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import InternalRole
from referrals import workflow
from referrals.choices import Status
from referrals.models import Referral, ReferralEvent
from referrals.permissions import Actor
from tests.factories import MembershipFactory
from tests.referrals.factories import (
    CommissionSessionFactory,
    EstablishmentFactory,
    ReferralFactory,
    commission_member,
    management_member,
)

pytestmark = pytest.mark.django_db

S = Status
# The contract, written out: (action, from) → to. Every other pair is forbidden.
ALLOWED = {
    ("submit", S.DRAFT): S.SUBMITTED,
    ("request_info", S.SUBMITTED): S.INFO_REQUESTED,
    ("answer_info", S.INFO_REQUESTED): S.SUBMITTED,
    ("schedule", S.SUBMITTED): S.UNDER_REVIEW,
    ("accept", S.SUBMITTED): S.ACCEPTED,
    ("accept", S.UNDER_REVIEW): S.ACCEPTED,
    ("decline", S.SUBMITTED): S.DECLINED,
    ("decline", S.UNDER_REVIEW): S.DECLINED,
    ("reorient", S.SUBMITTED): S.REORIENTED,
    ("reorient", S.UNDER_REVIEW): S.REORIENTED,
    ("reorient", S.ACCEPTED): S.REORIENTED,
    ("record_arrival", S.ACCEPTED): S.ARRIVED,
    ("record_no_show", S.ACCEPTED): S.NO_SHOW,
    ("cancel", S.ACCEPTED): S.CANCELLED,
    ("contest", S.DECLINED): S.UNDER_REVIEW,
    ("withdraw", S.SUBMITTED): S.WITHDRAWN,
    ("withdraw", S.INFO_REQUESTED): S.WITHDRAWN,
    ("withdraw", S.UNDER_REVIEW): S.WITHDRAWN,
    ("expire", S.INFO_REQUESTED): S.EXPIRED,
    ("close_unanswered", S.SUBMITTED): S.EXPIRED,
    ("close_unanswered", S.UNDER_REVIEW): S.EXPIRED,
}
ACTIONS = sorted(workflow.TRANSITIONS)
SIDE = {
    "submit": "partner",
    "answer_info": "partner",
    "contest": "partner",
    "withdraw": "partner",
    "request_info": "member",
    "schedule": "member",
    "accept": "head",
    "decline": "head",
    "reorient": "head",
    "record_arrival": "head",
    "record_no_show": "head",
    "cancel": "head",
    "expire": "system",
    "close_unanswered": "system",
}


URGENT = {"urgent_justification": "Sortie avancée à demain par le JAP."}


def payload(action, other_target=None, session=None):
    today = timezone.localdate()
    return {
        "request_info": {"message": "Merci de joindre le jugement."},
        "answer_info": {"message": "Le jugement est joint."},
        "schedule": {"session": session},
        "accept": {
            "planned_admission_date": today + timedelta(days=10),
            "place_type": "insertion",
            **URGENT,
        },
        "decline": {"reason": "pas_de_place", "message": "Plus de place avant mars.", **URGENT},
        "reorient": {
            "new_target": other_target,
            "message": "Les Augustins ont une place.",
            **URGENT,
        },
        "record_arrival": {"arrival_date": today},
        "cancel": {"reason": "maintien_detention"},
        "contest": {"message": "La situation a changé : une place de travail est trouvée."},
        "withdraw": {"reason": "autre_solution"},
    }.get(action, {})


def actor_for_side(side, referral) -> Actor:
    if side == "system":
        return Actor.system()
    if side == "partner":
        membership = MembershipFactory(organisation=referral.organisation)
    elif side == "member":
        membership = commission_member(referral.target)
    else:
        membership = commission_member(referral.target, InternalRole.Role.HEAD)
    return Actor.for_membership(membership.user, membership)


def test_the_table_covers_every_transition():
    assert {action for action, _ in ALLOWED} == set(ACTIONS)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_table(action, status):
    referral = ReferralFactory(status=status)
    other = EstablishmentFactory(title="CHRS Les Augustins")
    session = CommissionSessionFactory(establishment=referral.target)
    actor = actor_for_side(SIDE[action], referral)
    expected = ALLOWED.get((action, status))
    if expected is None:
        with pytest.raises(workflow.TransitionNotAllowed):
            workflow.perform(referral, action, actor, **payload(action, other, session))
        assert Referral.objects.get(pk=referral.pk).status == status
        assert not ReferralEvent.objects.filter(referral=referral).exists()
        return
    workflow.perform(referral, action, actor, **payload(action, other, session))
    referral.refresh_from_db()
    assert referral.status == expected
    event = ReferralEvent.objects.get(referral=referral)
    assert (event.from_status, event.to_status, event.action) == (status, expected, action)
    assert event.actor == actor.user
    assert event.organisation == actor.organisation


@pytest.mark.parametrize("action", ACTIONS)
def test_wrong_sides_are_refused(action):
    status = next(s for (a, s) in ALLOWED if a == action)
    referral = ReferralFactory(status=status)
    other_establishment = EstablishmentFactory()
    session = CommissionSessionFactory(establishment=referral.target)
    outsiders = {
        "partner of another organisation": MembershipFactory(),
        "commission of another establishment": commission_member(other_establishment),
        "head of another establishment": commission_member(
            other_establishment, InternalRole.Role.HEAD
        ),
        "management": management_member(),
    }
    if SIDE[action] == "head":
        outsiders["commission member (not head)"] = commission_member(referral.target)
    if SIDE[action] in ("member", "head"):
        outsiders["referring partner"] = MembershipFactory(organisation=referral.organisation)
    for name, membership in outsiders.items():
        actor = Actor.for_membership(membership.user, membership)
        with pytest.raises(PermissionDenied):
            workflow.perform(
                referral, action, actor, **payload(action, other_establishment, session)
            )
        assert Referral.objects.get(pk=referral.pk).status == status, name
    if SIDE[action] != "system":
        with pytest.raises(PermissionDenied):
            workflow.perform(referral, action, Actor.system(), **payload(action))


@pytest.mark.parametrize(
    ("action", "status", "data", "field"),
    [
        ("decline", S.SUBMITTED, {"reason": "pas_de_place", "message": "  "}, "message"),
        ("decline", S.SUBMITTED, {"reason": "", "message": "Pas de place."}, "reason"),
        ("accept", S.UNDER_REVIEW, {"place_type": "insertion"}, "planned_admission_date"),
        ("accept", S.UNDER_REVIEW, {"planned_admission_date": "x"}, "planned_admission_date"),
        ("request_info", S.SUBMITTED, {"message": ""}, "message"),
        ("answer_info", S.INFO_REQUESTED, {"message": "   "}, "message"),
        ("contest", S.DECLINED, {}, "message"),
        ("withdraw", S.SUBMITTED, {"reason": "parce que"}, "reason"),
        ("cancel", S.ACCEPTED, {}, "reason"),
        ("record_arrival", S.ACCEPTED, {}, "arrival_date"),
        ("reorient", S.SUBMITTED, {}, "new_target"),
        ("schedule", S.SUBMITTED, {}, "session"),
        ("schedule", S.SUBMITTED, {"session": "foreign"}, "session"),
        (
            "accept",
            S.SUBMITTED,
            {"planned_admission_date": date(2030, 1, 1), "urgent_justification": " "},
            "urgent_justification",
        ),
        (
            "decline",
            S.UNDER_REVIEW,
            {"reason": "doublon", "message": "Doublon."},
            "urgent_justification",
        ),
    ],
)
def test_payload_is_required_and_nothing_changes_without_it(action, status, data, field):
    referral = ReferralFactory(status=status)
    actor = actor_for_side(SIDE[action], referral)
    if data.get("session") == "foreign":
        data = {"session": CommissionSessionFactory()}
    with pytest.raises(ValidationError) as error:
        workflow.perform(referral, action, actor, **data)
    assert field in error.value.message_dict
    assert Referral.objects.get(pk=referral.pk).status == status
    assert not referral.events.exists()
    assert not referral.messages.exists()


def test_reorient_to_the_same_or_an_unsuitable_establishment_is_refused():
    referral = ReferralFactory(status=S.SUBMITTED)
    head = actor_for_side("head", referral)
    with pytest.raises(ValidationError, match="autre établissement"):
        workflow.perform(referral, "reorient", head, new_target=referral.target)
    no_pse = EstablishmentFactory(referral_types=["siao_urgence"])
    with pytest.raises(ValidationError, match="n'accepte pas"):
        workflow.perform(referral, "reorient", head, new_target=no_pse)
    closed = EstablishmentFactory(accepts_online_referrals=False)
    with pytest.raises(ValidationError):
        workflow.perform(referral, "reorient", head, new_target=closed)
    assert Referral.objects.count() == 1


def test_reorientation_creates_a_linked_referral_there_keeping_the_history():
    referral = ReferralFactory(status=S.ACCEPTED)
    augustins = EstablishmentFactory(title="CHRS Les Augustins")
    augustins_member = commission_member(augustins)
    mail.outbox.clear()
    workflow.perform(
        referral, "reorient", actor_for_side("head", referral), new_target=augustins, **URGENT
    )
    linked = Referral.objects.get(reoriented_from=referral)
    assert linked.target_id == augustins.pk
    assert linked.status == S.SUBMITTED
    assert linked.reference != referral.reference
    assert (linked.last_name, linked.birth_date) == (referral.last_name, referral.birth_date)
    assert linked.events.get().data == {"from": referral.reference}
    recipients = {m.to[0] for m in mail.outbox}
    assert augustins_member.user.email in recipients
    assert referral.officer.email in recipients


def test_a_decline_can_be_contested_only_once():
    referral = ReferralFactory(status=S.DECLINED)
    partner = actor_for_side("partner", referral)
    head = actor_for_side("head", referral)
    workflow.perform(referral, "contest", partner, message="Elle a désormais un emploi.")
    workflow.perform(
        referral, "decline", head, reason="pas_de_place", message="Toujours pas de place.", **URGENT
    )
    with pytest.raises(ValidationError, match="qu'une fois"):
        workflow.perform(referral, "contest", partner, message="Encore ?")
    referral.refresh_from_db()
    assert referral.status == S.DECLINED
    assert [a.name for a in workflow.allowed_actions(partner, referral)] == []


def test_second_decision_sees_who_decided_first():
    """Two heads deciding the same referral: the row lock serialises them; the second is told
    who decided and what, and nothing more is recorded."""
    referral = ReferralFactory(status=S.UNDER_REVIEW)
    first = actor_for_side("head", referral)
    second = actor_for_side("head", referral)
    stale = Referral.objects.get(pk=referral.pk)
    workflow.perform(
        referral,
        "accept",
        first,
        planned_admission_date=timezone.localdate() + timedelta(days=3),
        **URGENT,
    )
    with pytest.raises(workflow.TransitionNotAllowed) as error:
        workflow.perform(stale, "decline", second, reason="pas_de_place", message="Non.")
    assert "Avis favorable" in str(error.value)
    assert str(first.user) in str(error.value)
    assert referral.events.count() == 1
    assert Referral.objects.get(pk=referral.pk).status == S.ACCEPTED


def test_events_are_immutable():
    referral = ReferralFactory(status=S.SUBMITTED)
    session = CommissionSessionFactory(establishment=referral.target)
    workflow.perform(referral, "schedule", actor_for_side("member", referral), session=session)
    event = referral.events.get()
    event.comment = "réécrit"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_submit_checks_consent_and_target():
    referral = ReferralFactory(consent=False, consent_date=None)
    partner = actor_for_side("partner", referral)
    with pytest.raises(ValidationError) as error:
        workflow.perform(referral, "submit", partner)
    assert {"consent", "consent_date"} <= set(error.value.message_dict)
    referral.consent, referral.consent_date = True, timezone.localdate()
    referral.target = EstablishmentFactory(referral_types=["siao_urgence"])
    referral.save()
    with pytest.raises(ValidationError) as error:
        workflow.perform(referral, "submit", partner)
    assert "target" in error.value.message_dict
    assert Referral.objects.get(pk=referral.pk).status == S.DRAFT


def test_notifications_reach_the_right_people_without_personal_data():
    referral = ReferralFactory(last_name="Rakotomalala", first_name="Jonas")
    member = commission_member(referral.target)
    head = commission_member(referral.target, InternalRole.Role.HEAD)
    elsewhere = commission_member(EstablishmentFactory())
    mail.outbox.clear()
    workflow.perform(referral, "submit", actor_for_side("partner", referral))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.user.email, head.user.email])
    assert elsewhere.user.email not in [m.to[0] for m in mail.outbox]
    mail.outbox.clear()
    workflow.perform(
        referral,
        "decline",
        Actor.for_membership(head.user, head),
        reason="hors_public",
        message="Nous n'accueillons pas ce public ; essayez le CHU.",
        **URGENT,
    )
    assert [m.to for m in mail.outbox] == [[referral.officer.email]]
    message = mail.outbox[0]
    for text in (message.subject, message.body):
        assert referral.reference in text or referral.reference in message.body
        assert "Rakotomalala" not in text
        assert "Jonas" not in text
        assert "PSE" not in text
        assert "public" not in text.lower() or "portail" in text
    assert f"/orientations/{referral.pk}/" in message.body


def test_expire_runs_as_the_system():
    referral = ReferralFactory(status=S.INFO_REQUESTED)
    workflow.perform(referral, "expire", Actor.system())
    event = referral.events.get()
    assert event.actor is None
    assert Referral.objects.get(pk=referral.pk).status == S.EXPIRED


def test_decisions_record_their_session():
    referral = ReferralFactory(status=S.SUBMITTED)
    session = CommissionSessionFactory(establishment=referral.target)
    member, head = actor_for_side("member", referral), actor_for_side("head", referral)
    workflow.perform(referral, "schedule", member, session=session)
    workflow.perform(
        referral,
        "accept",
        head,
        planned_admission_date=timezone.localdate() + timedelta(days=5),
        session=session,
    )
    referral.refresh_from_db()
    assert referral.session == session
    decision = referral.events.get(action="accept")
    assert decision.data["session"] == session.pk
    assert decision.actor == head.user


def test_no_show_with_a_later_day_centre_contact():
    referral = ReferralFactory(status=S.ACCEPTED)
    head = actor_for_side("head", referral)
    workflow.perform(referral, "record_no_show", head)
    with pytest.raises(ValidationError):
        workflow.record_day_centre_contact(referral, head, timezone.localdate() + timedelta(days=1))
    workflow.record_day_centre_contact(referral, head, timezone.localdate())
    assert Referral.objects.get(pk=referral.pk).day_centre_contact_date == timezone.localdate()
    with pytest.raises(PermissionDenied):
        workflow.record_day_centre_contact(
            referral, actor_for_side("member", referral), timezone.localdate()
        )
