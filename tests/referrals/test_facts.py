"""The referrals' facts (`referrals/facts.py`) the figures read: after each kind of transition,
they say what the events say (read here independently, in Python), they survive anonymisation,
and recomputing them from the events (the migration's backfill) changes nothing."""

from datetime import date

import pytest
from django.utils import timezone

from referrals import facts, retention, workflow
from referrals.choices import Action, Status
from referrals.models import Referral, ReferralEvent
from tests.referrals.factories import EstablishmentFactory, ReferralFactory, actor, head_of

pytestmark = pytest.mark.django_db

A, S = Action, Status
URGENT = {"urgent_justification": "Sortie avancée par le juge."}
LEAVING_ACCEPTED = {A.REORIENT, A.RECORD_ARRIVAL, A.RECORD_NO_SHOW, A.CANCEL}
CLOSING = {A.WITHDRAW: "withdraw", A.EXPIRE: "expire", A.CLOSE_UNANSWERED: "close_unanswered"}


def said_by_events(referral) -> dict:
    """The facts as the history tells them, written independently of `facts.refresh`."""
    events = list(ReferralEvent.objects.filter(referral=referral).order_by("created_at", "pk"))
    transitions = [e for e in events if e.kind == ReferralEvent.Kind.TRANSITION]
    decisions = [e for e in transitions if e.action in (A.ACCEPT, A.DECLINE)]
    declines = [e for e in transitions if e.action == A.DECLINE]
    outcome = next(
        (e for e in transitions if e.from_status == S.ACCEPTED and e.action in LEAVING_ACCEPTED),
        None,
    )
    closing = next(
        (
            e
            for e in transitions
            if e.action in CLOSING or (e.action == A.REORIENT and not decisions)
        ),
        None,
    )
    closed = [e for e in transitions if e.action in (A.ACCEPT, A.DECLINE, A.REORIENT, *CLOSING)]
    copy = Referral.objects.filter(reoriented_from=referral).first()
    origin = referral.reoriented_from
    arrival = (outcome.data.get("arrival_date") if outcome else None) or None
    return {
        "fact_first_decision_at": decisions[0].created_at if decisions else None,
        "fact_accepted": any(e.action == A.ACCEPT for e in decisions),
        "fact_declined": bool(declines),
        "fact_decline_reason": declines[-1].data.get("reason", "") if declines else "",
        "fact_outcome": outcome.action if outcome else "",
        "fact_outcome_at": outcome.created_at if outcome else None,
        "fact_outcome_reason": (outcome.data.get("reason") or "") if outcome else "",
        "fact_arrival_date": date.fromisoformat(arrival) if arrival else None,
        "fact_reoriented_to": outcome.data.get("to_target") if outcome else None,
        "fact_day_centre": any(
            (e.action == A.RECORD_NO_SHOW and e.data.get("day_centre_contact_date"))
            or e.action == A.DAY_CENTRE_CONTACT
            for e in events
        ),
        "fact_reoriented_arrived": bool(
            copy and copy.events.filter(action=A.RECORD_ARRIVAL).exists()
        ),
        "fact_copy_of_accepted": bool(
            origin and origin.events.filter(action=A.REORIENT, from_status=S.ACCEPTED).exists()
        ),
        "fact_closed_at": closed[0].created_at if closed else None,
        "fact_closing": (
            ""
            if closing is None
            else "reoriented_before_decision"
            if closing.action == A.REORIENT
            else CLOSING[closing.action]
        ),
        "fact_closing_at": closing.created_at if closing else None,
    }


def kept(referral) -> dict:
    return Referral.objects.filter(pk=referral.pk).values(*facts.FACT_FIELDS).get()


def assert_facts_follow_events(referral):
    assert kept(referral) == said_by_events(referral)


@pytest.mark.parametrize(
    "trait",
    [
        "submitted",
        "info_requested",
        "scheduled",
        "accepted",
        "declined",
        "reoriented",
        "arrived",
        "departed",
        "no_show",
        "cancelled",
        "withdrawn",
        "expired",
        "contested",
    ],
)
def test_facts_follow_the_events_of_each_trait(trait):
    referral = ReferralFactory(**{trait: True})
    assert_facts_follow_events(referral)


def test_facts_of_each_kind_of_transition_say_what_the_figures_need():
    declined = ReferralFactory(declined=True, decline_reason="hors_public")
    assert kept(declined)["fact_decline_reason"] == "hors_public"
    assert kept(declined)["fact_closed_at"] == kept(declined)["fact_first_decision_at"]
    # contested, then accepted: favourable after an unfavourable decision, first decision kept
    contested = ReferralFactory(contested=True)
    first = kept(contested)["fact_first_decision_at"]
    head = actor(head_of(contested.target))
    workflow.perform(
        contested, A.ACCEPT, head, planned_admission_date=timezone.localdate(), **URGENT
    )
    after = kept(contested)
    assert (after["fact_accepted"], after["fact_declined"]) == (True, True)
    assert after["fact_first_decision_at"] == first
    assert_facts_follow_events(contested)

    no_show = ReferralFactory(no_show=True)
    assert kept(no_show)["fact_day_centre"] is False
    workflow.record_day_centre_contact(
        no_show, actor(head_of(no_show.target)), timezone.localdate()
    )
    assert kept(no_show)["fact_day_centre"] is True
    assert_facts_follow_events(no_show)

    cancelled = ReferralFactory(cancelled=True, cancel_reason="sortie_reportee")
    assert (kept(cancelled)["fact_outcome"], kept(cancelled)["fact_outcome_reason"]) == (
        A.CANCEL,
        "sortie_reportee",
    )
    arrived = ReferralFactory(arrived=True, arrival_date=date(2024, 3, 4))
    assert (kept(arrived)["fact_outcome"], kept(arrived)["fact_arrival_date"]) == (
        A.RECORD_ARRIVAL,
        date(2024, 3, 4),
    )
    withdrawn = ReferralFactory(withdrawn=True)
    assert kept(withdrawn)["fact_closing"] == "withdraw"
    reoriented = ReferralFactory(reoriented=True)
    assert kept(reoriented)["fact_closing"] == "reoriented_before_decision"
    assert kept(reoriented)["fact_first_decision_at"] is None


def test_reorientation_after_acceptance_marks_the_copy_and_its_arrival():
    referral = ReferralFactory(accepted=True)
    augustins = EstablishmentFactory(title="CHRS Les Augustins", referral_types=["ddse"])
    workflow.perform(
        referral,
        A.REORIENT,
        actor(head_of(referral.target)),
        new_target=augustins,
        message="Projet plus adapté là-bas.",
        **URGENT,
    )
    origin = kept(referral)
    assert (origin["fact_outcome"], origin["fact_reoriented_to"]) == (A.REORIENT, augustins.pk)
    assert origin["fact_closing"] == ""  # re-oriented after a decision: not a closing
    copy = Referral.objects.get(reoriented_from=referral)
    assert kept(copy)["fact_copy_of_accepted"] is True
    head = actor(head_of(augustins))
    copy = workflow.perform(
        copy, A.ACCEPT, head, planned_admission_date=timezone.localdate(), **URGENT
    )
    assert kept(referral)["fact_reoriented_arrived"] is False
    workflow.perform(copy, A.RECORD_ARRIVAL, head, arrival_date=timezone.localdate())
    assert kept(referral)["fact_reoriented_arrived"] is True
    assert_facts_follow_events(referral)
    assert_facts_follow_events(copy)


def test_recomputing_from_the_events_changes_nothing_and_anonymisation_keeps_them():
    referrals = [
        ReferralFactory(declined=True),
        ReferralFactory(no_show=True, day_centre_contact_date=timezone.localdate()),
        ReferralFactory(cancelled=True),
        ReferralFactory(arrived=True),
        ReferralFactory(expired=True),
    ]
    before = {r.pk: kept(r) for r in referrals}
    # what the migration's backfill does: every referral from its events
    Referral.objects.filter(pk__in=before).update(
        fact_first_decision_at=None, fact_outcome="", fact_closing="", fact_accepted=False
    )
    facts.refresh()
    assert {r.pk: kept(r) for r in referrals} == before
    for referral in referrals:
        assert retention.anonymise(referral)
    assert {r.pk: kept(r) for r in referrals} == before
    facts.refresh()  # and the anonymised history still says the same
    assert {r.pk: kept(r) for r in referrals} == before


def test_a_stale_copy_saved_later_does_not_overwrite_the_facts():
    referral = ReferralFactory(accepted=True)
    stale = Referral.objects.get(pk=referral.pk)
    workflow.perform(
        referral, A.RECORD_ARRIVAL, actor(head_of(referral.target)), arrival_date=date.today()
    )
    stale.wishes = "Revoir ma fille."
    stale.save()
    assert kept(referral)["fact_outcome"] == A.RECORD_ARRIVAL
    assert_facts_follow_events(referral)
