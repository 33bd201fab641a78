"""Shared by the benchmark commands (never by tests): bulk data and timed requests."""

import statistics
import time
import uuid
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership, Organisation, User

from .choices import Action, Status
from .models import Message, Referral, ReferralCount, ReferralEvent, identity_key

OPEN = [Status.SUBMITTED, Status.INFO_REQUESTED, Status.UNDER_REVIEW, Status.ACCEPTED]
CLOSED = [s for s in Status if s not in (Status.DRAFT, *OPEN)]
# How many referrals are in flight at once, whatever the history's size: the queue's open work
# is bounded (a few hundred requests waiting across the establishments), the closed past grows.
IN_FLIGHT = 400
# How many referrals close each day across the association: the history goes back as far as the
# size asks (100,000 referrals: about five and a half years), the last 30 days hold the same
# number of closed referrals at every size above a few thousand.
CLOSED_PER_DAY = 50
# The history's line that brought each referral to its status, and who wrote it: the commission
# (None: the officer; "system": nobody, as the daily jobs do).
LAST_ACTION = {
    Status.INFO_REQUESTED: (Action.REQUEST_INFO, "commission"),
    Status.UNDER_REVIEW: (Action.SCHEDULE, "commission"),
    Status.ACCEPTED: (Action.ACCEPT, "commission"),
    Status.DECLINED: (Action.DECLINE, "commission"),
    Status.REORIENTED: (Action.REORIENT, "commission"),
    Status.ARRIVED: (Action.RECORD_ARRIVAL, "commission"),
    Status.DEPARTED: (Action.RECORD_DEPARTURE, "commission"),
    Status.NO_SHOW: (Action.RECORD_NO_SHOW, "commission"),
    Status.CANCELLED: (Action.CANCEL, "commission"),
    Status.WITHDRAWN: (Action.WITHDRAW, None),
    Status.EXPIRED: (Action.EXPIRE, "system"),
}


class Rollback(Exception):
    """Raised at the end of a benchmark to roll its data back."""


def partner(kind=Organisation.Kind.SPIP):
    organisation = Organisation.objects.create(name=f"Benchmark {uuid.uuid4().hex[:6]}", kind=kind)
    user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}@exemple.test", "x" * 20)
    membership = Membership.objects.create(user=user, organisation=organisation)
    return membership


def build_referrals(n, membership, targets, prefix="B"):
    """`n` referrals as in real life: at most IN_FLIGHT of them open (release dates ahead,
    changed lately), the others closed in the past (released, decided and closed, CLOSED_PER_DAY
    a day going back)."""
    today = date.today()
    now = timezone.now()
    in_flight = min(n // 2, IN_FLIGHT)

    def dates(i):
        if i < in_flight:
            values = {
                "status": OPEN[i % len(OPEN)],
                "release_date": today + timedelta(days=i % 120),
                "status_changed_at": now - timedelta(days=i % 20, minutes=i),
            }
        else:
            age = (i - in_flight) // CLOSED_PER_DAY
            values = {
                "status": CLOSED[i % len(CLOSED)],
                "release_date": today - timedelta(days=age + 30),
                "status_changed_at": now - timedelta(days=age, minutes=i % 1000),
            }
        # The last news of the history `build_history` writes: the change of status, or for a
        # referral only submitted, the submission or the commission's message after it.
        changed = values["status_changed_at"]
        if values["status"] != Status.SUBMITTED:
            values["news_at"] = changed
        else:
            values["news_at"] = changed - timedelta(days=1 if i % 5 == 0 else 19)
        return values

    Referral.objects.bulk_create(
        (
            Referral(
                reference=f"{prefix}{i:010d}",
                organisation=membership.organisation,
                officer=membership.user,
                target_id=targets[i % len(targets)].pk,
                first_name=f"Prénom{i}",
                last_name=f"Nom{i}",
                identity_key=identity_key(f"Nom{i}", f"Prénom{i}"),  # bulk_create skips save()
                birth_date=date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                gender="homme",
                location="prison",
                judicial_situation="ddse",
                referral_type="ddse",
                housing_need="insertion",
                employment_need="emploi",
                ties_need="maintien",
                consent=True,
                **dates(i),
            )
            for i in range(n)
        ),
        batch_size=2000,
    )
    build_history(membership)


def build_history(membership):
    """The history of the organisation's referrals, as the workflow would have written it,
    server-side: created and submitted by the officer 20 days before the last change of status,
    the change itself by a commission member (or the officer, or nobody) at that time, and a
    commission's message the day before on one referral in five (references ending in 0 or 5;
    `build_referrals` sets each referral's `news_at` to match). So the unread markers and the
    work items read as many events and messages as in real life. PostgreSQL only (the
    benchmarks' numbers are PostgreSQL's)."""
    if connection.vendor != "postgresql":
        return
    commission = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}@ilot.test", "x" * 20)
    referrals, events, messages = (
        Referral._meta.db_table,
        ReferralEvent._meta.db_table,
        Message._meta.db_table,
    )
    last = " ".join(
        f"WHEN '{status}' THEN '{action}'" for status, (action, _) in LAST_ACTION.items()
    )
    by_officer = [str(s) for s, (_, who) in LAST_ACTION.items() if who is None]
    by_nobody = [str(s) for s, (_, who) in LAST_ACTION.items() if who == "system"]
    columns = "referral_id, kind, action, actor_id, organisation_id, from_status, to_status, "
    columns += "comment, data, created_at"
    mine = f"FROM {referrals} r WHERE r.organisation_id = %(org)s"
    with connection.cursor() as cursor:
        params = {"org": membership.organisation_id, "commission": commission.pk}
        cursor.execute(
            f"""
            INSERT INTO {events} ({columns})
            SELECT r.id, 'created', 'created', r.officer_id, r.organisation_id, '', 'draft', '',
                '{{}}'::jsonb, r.status_changed_at - interval '20 days' {mine}
            UNION ALL
            SELECT r.id, 'transition', 'submit', r.officer_id, r.organisation_id, 'draft',
                'submitted', '', '{{}}'::jsonb, r.status_changed_at - interval '19 days'
                {mine} AND r.status <> 'draft'
            UNION ALL
            SELECT r.id, 'transition', CASE r.status {last} END,
                CASE WHEN r.status IN ({", ".join(f"'{s}'" for s in by_officer)})
                    THEN r.officer_id
                    WHEN r.status IN ({", ".join(f"'{s}'" for s in by_nobody)}) THEN NULL
                    ELSE %(commission)s END,
                NULL, 'submitted', r.status, '', '{{}}'::jsonb, r.status_changed_at
                {mine} AND r.status NOT IN ('draft', 'submitted')
            """,
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO {messages} (referral_id, author_id, organisation_id, body, created_at)
            SELECT r.id, %(commission)s, NULL, 'Pouvez-vous préciser la date ?',
                r.status_changed_at - interval '1 day'
                {mine} AND right(r.reference, 1) IN ('0', '5')
            """,
            params,
        )
        # The planner's statistics as they would be in production (autovacuum), new users and
        # organisations included.
        cursor.execute(
            f"ANALYZE {referrals}, {events}, {messages}, {ReferralCount._meta.db_table}, "
            f"{User._meta.db_table}, {Organisation._meta.db_table}, {Membership._meta.db_table}"
        )


def measure(stdout, client, cases, repeat, explain=0) -> dict[str, tuple[float, int]]:
    """Time each case `repeat` times (after one warm-up request); returns label → (median in
    ms, SQL queries). With `explain`, prints the `explain` slowest SELECTs of the last request
    with PostgreSQL's `EXPLAIN ANALYZE` (run inside the benchmark's transaction)."""
    results = {}
    for label, path, params, headers in cases:
        client.get(path, params, **headers)  # warm-up: caches, session, first plans
        timings = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(path, params, **headers)
                timings.append(time.perf_counter() - began)
        median = statistics.median(timings) * 1000
        results[label] = (median, len(queries.captured_queries))
        sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        stdout.write(
            f"{label:<40} HTTP {response.status_code}  médiane {median:7.1f} ms"
            f"  requêtes SQL {len(queries.captured_queries)} ({sql:.0f} ms la dernière fois)"
        )
        if explain:
            explain_slowest(stdout, queries.captured_queries, explain)
    return results


def add_explain_argument(parser):
    """`--explain K`, shared by the benchmark commands (`explain_slowest`)."""
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="K",
        help="Print the K slowest SELECTs of each page with EXPLAIN ANALYZE (PostgreSQL).",
    )


def explain_slowest(stdout, captured, count):
    """The `count` slowest SELECTs among `captured` (Django's captured queries), each with its
    time, its SQL and its plan as `EXPLAIN (ANALYZE, BUFFERS)` gives it. PostgreSQL only."""
    if connection.vendor != "postgresql":
        stdout.write("  (--explain : PostgreSQL uniquement)")
        return
    selects = [q for q in captured if q["sql"].lstrip().upper().startswith("SELECT")]
    for query in sorted(selects, key=lambda q: float(q["time"]), reverse=True)[:count]:
        stdout.write(f"\n  {float(query['time']) * 1000:.1f} ms : {query['sql'][:600]}")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            for (line,) in cursor.fetchall():
                stdout.write(f"    {line}")


def compare(stdout, by_size: dict[int, dict[str, tuple[float, int]]]):
    """The ratio of each case's median at the largest size to the smallest (the target: at most
    1.5), and whether its query count stayed the same."""
    if len(by_size) < 2:
        return
    small, large = min(by_size), max(by_size)
    stdout.write(f"\nRapport {large} / {small} :")
    for label, (median, queries) in by_size[large].items():
        base, base_queries = by_size[small][label]
        same = "=" if queries == base_queries else f"{base_queries} → {queries}"
        stdout.write(f"{label:<40} ×{median / base:4.2f}  requêtes {same}")
