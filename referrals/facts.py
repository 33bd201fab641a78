"""The referral's facts: what the figures need to know of its history, kept on the referral in a
few narrow columns (`Referral.fact_*`) so that the statistics aggregate the referrals of a
period through an index instead of reading every event of every referral.

They are derived from the event log, which stays the truth: `refresh` recomputes them from the
referral's events in one UPDATE. The workflow calls it from `_log`, in the transaction that
writes the event (see `workflow.FACT_ACTIONS`); the migration that added them backfilled them
with it; code that rewrites history behind the workflow (the 2019 demo import, tests moving
events in time) calls it afterwards.

- `fact_first_decision_at`: the first decision (accept or decline);
- `fact_accepted` / `fact_declined`: the commission accepted / declined it at least once (an
  accepted referral may have been declined first, then contested);
- `fact_decline_reason`: the reason of its last decline;
- `fact_outcome`, `fact_outcome_at`, `fact_outcome_reason`, `fact_arrival_date`,
  `fact_reoriented_to`: the first transition that left "accepted" (arrival, re-orientation,
  no-show, cancellation), its reason, the arrival date it recorded, the establishment it
  re-oriented to;
- `fact_day_centre`: a no-show who came to the day centre (at the no-show or later);
- `fact_reoriented_arrived`: re-oriented after acceptance, and the copy arrived;
- `fact_copy_of_accepted`: received by re-orientation of a referral accepted elsewhere (the
  association's "distinct requests" do not count it twice);
- `fact_closed_at`: the first decision, re-orientation, withdrawal, expiry or closure (a
  referral not closed at the end of a period is pending);
- `fact_closing`, `fact_closing_at`: withdrawn, expired, closed without decision, or
  re-oriented before any decision (`reoriented_before_decision`), and when."""

from django.db import connection

from .choices import Action, Status
from .models import Referral, ReferralEvent

DECISIONS = (Action.ACCEPT, Action.DECLINE)
LEAVING_ACCEPTED = (Action.REORIENT, Action.RECORD_ARRIVAL, Action.RECORD_NO_SHOW, Action.CANCEL)
CLOSINGS = (Action.WITHDRAW, Action.EXPIRE, Action.CLOSE_UNANSWERED)
REORIENTED_BEFORE_DECISION = "reoriented_before_decision"

FACT_FIELDS = [
    "fact_first_decision_at",
    "fact_accepted",
    "fact_declined",
    "fact_decline_reason",
    "fact_outcome",
    "fact_outcome_at",
    "fact_outcome_reason",
    "fact_arrival_date",
    "fact_reoriented_to",
    "fact_day_centre",
    "fact_reoriented_arrived",
    "fact_copy_of_accepted",
    "fact_closed_at",
    "fact_closing",
    "fact_closing_at",
]


def _in(values) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _json(column: str, key: str, postgres: bool) -> str:
    return f"({column} ->> '{key}')" if postgres else f"json_extract({column}, '$.{key}')"


def _update_sql(where: str) -> str:
    postgres = connection.vendor == "postgresql"
    t = ReferralEvent._meta.db_table
    r = Referral._meta.db_table
    transition = f"e.kind = '{ReferralEvent.Kind.TRANSITION}'"

    def events(condition, alias="e", of="r.id"):
        return f"FROM {t} {alias} WHERE {alias}.referral_id = {of} AND ({condition})"

    def first(value, condition, last=False):
        order = "DESC" if last else "ASC"
        return (
            f"(SELECT {value} {events(condition)}"
            f" ORDER BY e.created_at {order}, e.id {order} LIMIT 1)"
        )

    def exists(condition, alias="e", of="r.id"):
        return f"(EXISTS (SELECT 1 {events(condition, alias, of)}))"

    decision = f"{transition} AND e.action IN {_in(DECISIONS)}"
    leaving = f"{transition} AND e.from_status = '{Status.ACCEPTED}'"
    reason = _json("e.data", "reason", postgres)
    arrival = _json("e.data", "arrival_date", postgres)
    if postgres:
        arrival = f"CAST({arrival} AS date)"
    closing = (
        f"{transition} AND e.action IN {_in([Action.REORIENT, *CLOSINGS])} AND"
        f" (e.action <> '{Action.REORIENT}' OR (e.from_status <> '{Status.ACCEPTED}'"
        f" AND NOT {exists(decision.replace('e.', 'd.'), 'd')}))"
    )
    closing_name = (
        f"CASE WHEN e.action = '{Action.REORIENT}' THEN '{REORIENTED_BEFORE_DECISION}'"
        " ELSE e.action END"
    )
    day_centre = (
        f"({transition} AND e.action = '{Action.RECORD_NO_SHOW}'"
        f" AND {_json('e.data', 'day_centre_contact_date', postgres)} IS NOT NULL)"
        f" OR (e.kind = '{ReferralEvent.Kind.OUTCOME}'"
        f" AND e.action = '{Action.DAY_CENTRE_CONTACT}')"
    )
    arrived = f"{transition} AND e.action = '{Action.RECORD_ARRIVAL}'"
    copy_arrived = (
        f"(EXISTS (SELECT 1 FROM {r} c WHERE c.reoriented_from_id = r.id AND "
        f"{exists(arrived.replace('e.', 'a.'), 'a', 'c.id')}))"
    )
    accepted_reorient = (
        f"{transition} AND e.action = '{Action.REORIENT}' AND e.from_status = '{Status.ACCEPTED}'"
    )
    declining = f"{transition} AND e.action = '{Action.DECLINE}'"
    closed = f"{transition} AND e.action IN {_in([*DECISIONS, Action.REORIENT, *CLOSINGS])}"
    values = {
        "fact_first_decision_at": f"(SELECT MIN(e.created_at) {events(decision)})",
        "fact_accepted": exists(f"{transition} AND e.action = '{Action.ACCEPT}'"),
        "fact_declined": exists(declining),
        "fact_decline_reason": f"COALESCE({first(reason, declining, last=True)}, '')",
        "fact_outcome": f"COALESCE({first('e.action', leaving)}, '')",
        "fact_outcome_at": first("e.created_at", leaving),
        "fact_outcome_reason": f"COALESCE({first(reason, leaving)}, '')",
        "fact_arrival_date": first(arrival, leaving),
        "fact_reoriented_to": first(
            f"CAST({_json('e.data', 'to_target', postgres)} AS integer)", leaving
        ),
        "fact_day_centre": exists(day_centre),
        "fact_reoriented_arrived": copy_arrived,
        "fact_copy_of_accepted": (
            f"(r.reoriented_from_id IS NOT NULL AND"
            f" {exists(accepted_reorient, 'e', 'r.reoriented_from_id')})"
        ),
        "fact_closed_at": f"(SELECT MIN(e.created_at) {events(closed)})",
        "fact_closing": f"COALESCE({first(closing_name, closing)}, '')",
        "fact_closing_at": first("e.created_at", closing),
    }
    assignments = ",\n    ".join(f"{name} = {value}" for name, value in values.items())
    return f"UPDATE {r} AS r SET\n    {assignments}\nWHERE {where}"


def refresh(referral_ids=None):
    """Recompute the facts of these referrals (all of them with None) from their events."""
    if referral_ids is not None:
        ids = sorted({str(pk) for pk in referral_ids if pk is not None})
        if not ids:
            return
        where = "r.id IN (" + ", ".join(["%s"] * len(ids)) + ")"
        params = [_db_id(pk) for pk in ids]
    else:
        where, params = "1 = 1", []
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(where), params)


def _db_id(pk: str):
    field = Referral._meta.pk
    return field.get_db_prep_value(field.to_python(pk), connection)
