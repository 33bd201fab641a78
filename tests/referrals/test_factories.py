"""The factories build referrals through the workflow: each one's history tells, transition by
transition, how it got to its status, each step allowed by the state machine and played by
someone who plays that side."""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals import workflow
from referrals.choices import Action, Status
from referrals.models import Referral, ReferralEvent
from referrals.permissions import Actor, Side, plays
from tests.referrals.factories import PATHS, CommissionSessionFactory, ReferralFactory

pytestmark = pytest.mark.django_db

TRAITS = {
    "submitted": Status.SUBMITTED,
    "info_requested": Status.INFO_REQUESTED,
    "scheduled": Status.UNDER_REVIEW,
    "accepted": Status.ACCEPTED,
    "declined": Status.DECLINED,
    "reoriented": Status.REORIENTED,
    "arrived": Status.ARRIVED,
    "departed": Status.DEPARTED,
    "no_show": Status.NO_SHOW,
    "cancelled": Status.CANCELLED,
    "withdrawn": Status.WITHDRAWN,
    "expired": Status.EXPIRED,
    "contested": Status.UNDER_REVIEW,
}


def actor_of(event) -> Actor:
    if event.actor is None:
        return Actor.system()
    return Actor.for_membership(
        event.actor, event.actor.memberships.get(organisation=event.organisation)
    )


def assert_history_matches_status(referral):
    created, *transitions = referral.events.all()
    assert (created.kind, created.action, created.to_status) == (
        ReferralEvent.Kind.CREATED,
        Action.CREATED,
        Status.DRAFT,
    )
    assert (created.actor, created.organisation) == (referral.officer, referral.organisation)
    status = Status.DRAFT
    for event in transitions:
        transition = workflow.TRANSITIONS[event.action]
        assert event.kind == ReferralEvent.Kind.TRANSITION
        assert event.from_status == status
        assert status in transition.sources, (event.action, status)
        assert event.to_status == transition.target
        assert plays(actor_of(event), transition.side, referral), event.action
        status = event.to_status
    assert status == referral.status
    if transitions:
        assert referral.status_changed_at == transitions[-1].created_at
    return [event.action for event in transitions]


def test_every_status_has_a_trait():
    assert set(TRAITS.values()) | {Status.DRAFT} == set(Status)
    assert set(PATHS) == set(Status)


def test_a_draft_has_its_creation_only():
    referral = ReferralFactory()
    assert referral.status == Status.DRAFT
    assert assert_history_matches_status(referral) == []


@pytest.mark.parametrize("trait", list(TRAITS))
def test_each_trait_is_reached_through_the_workflow(trait):
    referral = ReferralFactory(**{trait: True})
    assert referral.status == TRAITS[trait]
    actions = assert_history_matches_status(referral)
    assert actions[0] == Action.SUBMIT
    assert referral.submitted_at is not None
    assert referral.contested is (trait == "contested")
    if trait == "contested":
        assert actions[-2:] == [Action.DECLINE, Action.CONTEST]
    if trait == "reoriented":
        linked = Referral.objects.get(reoriented_from=referral)
        assert linked.status == Status.SUBMITTED
        assert linked.events.get().action == Action.REORIENTED_IN
    # The partner acts as the referral's officer; the commission's actions are its own.
    for event in referral.events.filter(kind=ReferralEvent.Kind.TRANSITION):
        side = workflow.TRANSITIONS[event.action].side
        if side == Side.PARTNER:
            assert event.actor == referral.officer
        elif side in (Side.COMMISSION, Side.HEAD):
            assert plays(actor_of(event), Side.HEAD, referral)


def test_the_status_shortcut_is_the_trait():
    shortcut = ReferralFactory(status=Status.CANCELLED)
    trait = ReferralFactory(cancelled=True)
    assert list(shortcut.events.values_list("action", flat=True)) == list(
        trait.events.values_list("action", flat=True)
    )


def test_a_contested_referral_can_end_declined_again():
    referral = ReferralFactory(contested=True, status=Status.DECLINED)
    assert referral.contested
    assert assert_history_matches_status(referral)[-3:] == [
        Action.DECLINE,
        Action.CONTEST,
        Action.DECLINE,
    ]
    with pytest.raises(ValueError):
        ReferralFactory(contested=True, status=Status.WITHDRAWN)


def test_fields_written_by_a_transition_are_its_data():
    yesterday = timezone.localdate() - timedelta(days=1)
    session = CommissionSessionFactory()
    referral = ReferralFactory(
        target=session.establishment,
        arrived=True,
        session=session,
        place_type="urgence",
        planned_admission_date=yesterday,
        arrival_date=yesterday,
    )
    assert (referral.session, referral.place_type) == (session, "urgence")
    assert (referral.planned_admission_date, referral.arrival_date) == (yesterday, yesterday)
    assert referral.events.get(action=Action.SCHEDULE).data["session"] == session.pk
    accept = referral.events.get(action=Action.ACCEPT)
    assert accept.data["planned_admission_date"] == yesterday.isoformat()
    assert accept.data["session"] == session.pk  # decided in the session it was scheduled to
    # A field that no transition on the way writes is an error, not silently ignored.
    with pytest.raises(ValueError, match="decline_reason"):
        ReferralFactory(accepted=True, decline_reason="pas_de_place")


def test_status_changed_at_moves_the_whole_history_back():
    long_ago = timezone.now() - timedelta(days=40)
    referral = ReferralFactory(info_requested=True, status_changed_at=long_ago)
    assert referral.status_changed_at == long_ago
    assert assert_history_matches_status(referral) == [Action.SUBMIT, Action.REQUEST_INFO]
    assert referral.events.last().created_at == long_ago
    assert referral.created_at <= referral.submitted_at <= long_ago
    assert referral.messages.get().created_at <= long_ago
