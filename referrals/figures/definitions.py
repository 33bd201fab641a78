"""The figures' definitions: the one place where what each figure counts is written, in code and
in words (`DEFINITIONS`, shown on the page). They follow the activity report ("53 demandes
traitées, 44 avis favorables…") and are read from the referrals' facts (`referrals/facts.py`:
derived from the immutable event log by the workflow, in the transaction of each event) and the
stays, never from the referrals' mutable fields.

For a period [start, end] (a calendar year by default), in local time (Europe/Paris):

- a referral is **received** in the period when it was submitted in it; a referral created by a
  re-orientation is "received by re-orientation" and counted apart, so that the association's
  total counts each person's request once;
- a referral is **processed** in the period of its FIRST decision (accept or decline event); it is
  **favourable** if the commission accepted it (possibly after a contested decline), otherwise
  **unfavourable** (with the reason of its last decline);
- the **outcome** of a favourable referral is the first transition that left the "accepted"
  status: arrival, re-orientation (to which establishment), no-show (and whether the person came
  to the day centre later), cancellation (with its reason); none yet is "awaiting";
- a re-oriented referral accepted at the second establishment is processed there too; the
  association's total of **distinct requests processed** subtracts those copies (`duplicates`):
  "56 décisions, 53 demandes distinctes";
- **withdrawn**, **expired** and **closed without decision** count the events of the period;
  **pending** counts the referrals received in the period still without decision or closure at
  its end;
- **delays** (median and 90th percentile, in days): submission → first decision, first decision
  → arrival (the arrival date recorded);
- the **justice public** is every judicial situation but "aucune mesure";
- **stays** (`Stay`): people hosted = stays overlapping the period; new entries = arrivals in it;
  exits = departures in it; average stay = mean duration of the stays ended in the period (months
  of 365.25 / 12 days); average age = age at arrival of the people hosted (birth year); a
  **positive exit** is an exit kind of `POSITIVE_EXIT_KINDS` or a job or a training at exit
  (as `Stay.positive_exit`); the **measure** figures group the measures by `MEASURE_GROUPS`.

Everything is computed in SQL: one statement for the decisions (the referrals first decided in
the period, through the index on `fact_first_decision_at`, then grouped passes by
establishment × month / referral type / organisation / partner kind / judicial situation, with
PostgreSQL's `percentile_cont` for the delays), one for the flows (received, pending,
withdrawn…), one for the stays; no event is read. Python only adds up the grouped rows, whose
number depends on the vocabularies, never on the number of referrals. On SQLite (`make run`)
the same SQL runs, and the percentiles are computed from the delays fetched."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Aggregate, DurationField, ExpressionWrapper, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from ..choices import (
    POSITIVE_EXIT_KINDS,
    Action,
    ExitKind,
    JudicialSituation,
    current_value,
)
from ..models import Referral, ReferralEvent, Stay

DECISIONS = (Action.ACCEPT, Action.DECLINE)
TRANSITION = ReferralEvent.Kind.TRANSITION
# Judicial situations that are not the "justice public" (PPSMJ and people leaving prison).
NOT_JUSTICE = frozenset({JudicialSituation.NONE})
# Measures grouped as the report counts them: a code of the vocabulary → its group. The judicial
# vocabulary renamed PSE as DDSE (2020 reform); old records keep "pse": both are one group.
MEASURE_GROUPS = {JudicialSituation.PSE: "pse", JudicialSituation.DDSE: "pse"}
MEASURE_LABELS = {"pse": _("Surveillance électronique (PSE / DDSE)")}
# Events that close a referral without an opinion, counted in the period they happen.
CLOSINGS = {
    Action.WITHDRAW: "withdrawn",
    Action.EXPIRE: "expired",
    Action.CLOSE_UNANSWERED: "closed_unanswered",
}
DAYS_PER_MONTH = 365.25 / 12
MAX_PERIOD_DAYS = 3653  # ten years
YOUNG_AGE = 26

DEFINITIONS = [
    (_("Demandes reçues"), _("transmises dans la période (hors demandes réorientées en interne)")),
    (
        _("Demandes traitées"),
        _("première décision (avis favorable ou défavorable) dans la période"),
    ),
    (
        _("Demandes distinctes"),
        _(
            "demandes traitées, moins celles reçues par réorientation d'une demande déjà "
            "acceptée ailleurs : une personne réorientée n'est comptée qu'une fois"
        ),
    ),
    (
        _("Suite d'un avis favorable"),
        _(
            "la première suite enregistrée : arrivée, réorientation, absence à la sortie "
            "(puis venue à l'accueil de jour), annulation ; sinon « suite à venir »"
        ),
    ),
    (
        _("Retirées, expirées, closes sans décision"),
        _("événements survenus dans la période"),
    ),
    (
        _("En attente"),
        _("reçues dans la période, sans décision ni clôture à la fin de la période"),
    ),
    (
        _("Délais"),
        _(
            "médiane et 90e centile, en jours : de la transmission à la première décision, "
            "de la décision à la date d'arrivée"
        ),
    ),
    (_("Public justice"), _("toute situation judiciaire autre que « aucune mesure en cours »")),
    (
        _("Personnes hébergées"),
        _("séjours commencés avant la fin de la période et non terminés avant son début"),
    ),
    (
        _("Durée moyenne de séjour"),
        _("moyenne des séjours terminés dans la période, en mois"),
    ),
    (_("Âge moyen"), _("âge à l'arrivée des personnes hébergées")),
    (
        _("Sortie positive"),
        _(
            "sortie vers un logement autonome, un autre hébergement, un emploi ou une "
            "formation (perspectives d'emploi, de formation ou de logement)"
        ),
    ),
    (
        _("Mesures"),
        _(
            "personnes hébergées avec la mesure ; menées à terme : part de celles dont la "
            "mesure est terminée ; en emploi : en emploi à la sortie"
        ),
    ),
]


# --- the period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def is_year(self) -> bool:
        return (
            self.start.month,
            self.start.day,
            self.end.month,
            self.end.day,
        ) == (1, 1, 12, 31) and self.start.year == self.end.year

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        if self.is_year:
            return Period.year(self.start.year - 1)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in local time."""
        return (
            timezone.make_aware(datetime.combine(self.start, datetime.min.time())),
            timezone.make_aware(
                datetime.combine(self.end + timedelta(days=1), datetime.min.time())
            ),
        )

    def months(self) -> list[str]:
        months, day = [], self.start.replace(day=1)
        while day <= self.end:
            months.append(f"{day:%Y-%m}")
            day = (day + timedelta(days=32)).replace(day=1)
        return months

    def __str__(self):
        if self.is_year:
            return str(self.start.year)
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"


# --- the figures ---------------------------------------------------------------------------------


def share(part, whole) -> float | None:
    """In %, one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Delays:
    decision_median: float | None = None
    decision_p90: float | None = None
    decision_n: int = 0
    arrival_median: float | None = None
    arrival_p90: float | None = None
    arrival_n: int = 0


@dataclass
class Figures:
    """The counts of one group of referrals."""

    received: int = 0
    received_by_reorientation: int = 0
    received_justice: int = 0
    pending: int = 0
    withdrawn: int = 0
    expired: int = 0
    closed_unanswered: int = 0
    reoriented_before_decision: int = 0  # re-oriented without an opinion: not "processed"
    processed: int = 0
    processed_justice: int = 0
    duplicates: int = 0  # processed copies of a referral re-oriented after its acceptance
    favourable: int = 0
    unfavourable: int = 0
    after_contest: int = 0  # favourable after a contested unfavourable decision
    arrived: int = 0
    arrived_justice: int = 0
    reoriented: int = 0
    reoriented_arrived: int = 0  # taken in by the establishment they were re-oriented to
    no_show: int = 0
    day_centre: int = 0  # no-shows who later came to the day centre
    cancelled: int = 0
    awaiting: int = 0  # favourable, outcome not recorded yet
    decline_reasons: Counter = field(default_factory=Counter)
    cancel_reasons: Counter = field(default_factory=Counter)
    reoriented_to: Counter = field(default_factory=Counter)  # establishment id → count

    COUNTS = (
        "received",
        "received_by_reorientation",
        "received_justice",
        "pending",
        "withdrawn",
        "expired",
        "closed_unanswered",
        "reoriented_before_decision",
        "processed",
        "processed_justice",
        "duplicates",
        "favourable",
        "unfavourable",
        "after_contest",
        "arrived",
        "arrived_justice",
        "reoriented",
        "reoriented_arrived",
        "no_show",
        "day_centre",
        "cancelled",
        "awaiting",
    )

    def add_decided(self, row: dict, n: int):
        """Add `n` decided referrals sharing the facts of `row` (one grouped SQL row)."""
        justice = bool(row["justice"])
        self.processed += n
        self.processed_justice += n * justice
        self.duplicates += n * bool(row["duplicate"])
        if not row["favourable"]:
            self.unfavourable += n
            self.decline_reasons[row["decision_reason"] or ""] += n
            return
        self.favourable += n
        self.after_contest += n * bool(row["declined"])
        outcome = row["outcome"]
        if outcome == Action.RECORD_ARRIVAL:
            self.arrived += n
            self.arrived_justice += n * justice
        elif outcome == Action.REORIENT:
            self.reoriented += n
            self.reoriented_to[_int_or_none(row["reoriented_to"])] += n
            self.reoriented_arrived += n * bool(row["reoriented_arrived"])
        elif outcome == Action.RECORD_NO_SHOW:
            self.no_show += n
            self.day_centre += n * bool(row["day_centre"])
        elif outcome == Action.CANCEL:
            self.cancelled += n
            self.cancel_reasons[row["outcome_reason"] or ""] += n
        else:
            self.awaiting += n

    def add_flow(self, row: dict, n: int):
        measure = row["measure"]
        if measure == "received":
            if row["by_reorientation"]:
                self.received_by_reorientation += n
            else:
                self.received += n
                self.received_justice += n * (row["judicial_situation"] not in NOT_JUSTICE)
        elif measure == "pending":
            self.pending += n
        elif measure == "reoriented_before_decision":
            self.reoriented_before_decision += n
        else:
            setattr(self, CLOSINGS[measure], getattr(self, CLOSINGS[measure]) + n)

    def merge(self, other: "Figures"):
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.decline_reasons.update(other.decline_reasons)
        self.cancel_reasons.update(other.cancel_reasons)
        self.reoriented_to.update(other.reoriented_to)

    @property
    def distinct_processed(self) -> int:
        return self.processed - self.duplicates

    share = staticmethod(share)

    @property
    def favourable_share(self):
        return share(self.favourable, self.processed)

    @property
    def unfavourable_share(self):
        return share(self.unfavourable, self.processed)

    @property
    def arrived_share(self):
        return share(self.arrived, self.favourable)

    @property
    def no_show_share(self):
        return share(self.no_show, self.favourable)

    @property
    def day_centre_share(self):
        return share(self.day_centre, self.no_show)

    @property
    def cancelled_share(self):
        return share(self.cancelled, self.favourable)

    @property
    def awaiting_share(self):
        return share(self.awaiting, self.favourable)

    @property
    def justice_share_received(self):
        return share(self.received_justice, self.received)

    @property
    def justice_share_processed(self):
        return share(self.processed_justice, self.processed)

    @property
    def justice_share_arrived(self):
        return share(self.arrived_justice, self.arrived)


@dataclass
class StayFigures:
    hosted: int = 0
    new_entries: int = 0
    exits: int = 0
    exit_days: int = 0
    aged: int = 0
    age_sum: int = 0
    young: int = 0  # under YOUNG_AGE at arrival
    justice: int = 0
    positive_exits: int = 0
    positive_housing: int = 0  # autonomous housing
    positive_work: int = 0  # a job or a training
    exits_employment: int = 0
    measures: dict = field(default_factory=dict)  # group → MeasureFigures

    COUNTS = (
        "hosted",
        "new_entries",
        "exits",
        "exit_days",
        "aged",
        "age_sum",
        "young",
        "justice",
        "positive_exits",
        "positive_housing",
        "positive_work",
        "exits_employment",
    )

    def add(self, row: dict):
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + (row[name] or 0))
        group = MEASURE_GROUPS.get(row["measure"])
        if group:
            measure = self.measures.setdefault(group, MeasureFigures(group))
            measure.people += row["hosted"]
            measure.new_entries += row["new_entries"]
            measure.ended += row["measure_ended"] or 0
            measure.completed += row["measure_completed"] or 0
            measure.employed += row["exits_employment"] or 0

    def merge(self, other: "StayFigures"):
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for group, measure in other.measures.items():
            mine = self.measures.setdefault(group, MeasureFigures(group))
            for name in ("people", "new_entries", "ended", "completed", "employed"):
                setattr(mine, name, getattr(mine, name) + getattr(measure, name))

    @property
    def average_stay_months(self) -> float | None:
        return round(self.exit_days / self.exits / DAYS_PER_MONTH, 1) if self.exits else None

    @property
    def average_age(self) -> float | None:
        return round(self.age_sum / self.aged, 1) if self.aged else None

    @property
    def young_share(self):
        return share(self.young, self.aged)

    @property
    def justice_share(self):
        return share(self.justice, self.hosted)

    @property
    def positive_share(self):
        return share(self.positive_exits, self.exits)

    @property
    def positive_housing_share(self):
        return share(self.positive_housing, self.positive_exits)

    @property
    def positive_work_share(self):
        return share(self.positive_work, self.positive_exits)

    @property
    def employment_share(self):
        return share(self.exits_employment, self.exits)


@dataclass
class MeasureFigures:
    group: str
    people: int = 0  # hosted in the period with the measure
    new_entries: int = 0
    ended: int = 0  # measure over (completed or not) — known at the departure
    completed: int = 0
    employed: int = 0  # in work at the exit

    @property
    def label(self):
        return MEASURE_LABELS.get(self.group, self.group)

    def entries_share(self, stays: StayFigures):
        return share(self.new_entries, stays.new_entries)

    @property
    def completed_share(self):
        return share(self.completed, self.ended)

    @property
    def employed_share(self):
        return share(self.employed, self.people)


@dataclass
class EstablishmentFigures:
    id: int
    title: str
    total: Figures = field(default_factory=Figures)
    by_month: dict = field(default_factory=dict)
    by_referral_type: dict = field(default_factory=dict)
    by_organisation: dict = field(default_factory=dict)
    by_organisation_kind: dict = field(default_factory=dict)
    by_judicial_situation: dict = field(default_factory=dict)
    delays: Delays = field(default_factory=Delays)
    stays: StayFigures = field(default_factory=StayFigures)

    @property
    def reoriented_before_decision(self) -> int:
        return self.total.reoriented_before_decision


DELAY_COLUMNS = [
    "p50_decision",
    "p90_decision",
    "n_decision",
    "p50_arrival",
    "p90_arrival",
    "n_arrival",
]
# The breakdowns: EstablishmentFigures' attribute → the facts' column.
BREAKDOWN_COLUMNS = {
    "by_month": "month",
    "by_referral_type": "referral_type",
    "by_organisation": "organisation_id",
    "by_organisation_kind": "organisation_kind",
    "by_judicial_situation": "judicial_situation",
}


@dataclass
class PeriodFigures:
    period: Period
    establishments: list  # of EstablishmentFigures, by title
    titles: dict  # establishment id → title (including re-orientation targets)
    organisations: dict  # organisation id → (name, kind)
    delays: Delays = field(default_factory=Delays)  # whole association

    @property
    def year(self) -> int:
        return self.period.start.year

    def get(self, establishment_id) -> EstablishmentFigures | None:
        return next((e for e in self.establishments if e.id == establishment_id), None)

    @property
    def total(self) -> Figures:
        total = Figures()
        for establishment in self.establishments:
            total.merge(establishment.total)
        return total

    @property
    def stays(self) -> StayFigures:
        total = StayFigures()
        for establishment in self.establishments:
            total.merge(establishment.stays)
        return total

    def breakdown(self, name: str) -> dict:
        """The association's breakdown: key → Figures, summed over establishments."""
        result = {}
        for establishment in self.establishments:
            for key, figures in getattr(establishment, name).items():
                result.setdefault(key, Figures()).merge(figures)
        return result


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- SQL -----------------------------------------------------------------------------------------


class _Dialect:
    """The few expressions PostgreSQL and SQLite write differently."""

    def __init__(self, vendor: str):
        self.postgres = vendor == "postgresql"

    def days_between(self, later: str, earlier: str) -> str:
        if self.postgres:
            return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0 AS double precision)"
        return f"(julianday({later}) - julianday({earlier}))"

    def date_days(self, later: str, earlier: str) -> str:
        if self.postgres:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def local_date(self, column: str) -> str:
        if self.postgres:
            return f"CAST(({column} AT TIME ZONE %(tz)s) AS date)"
        return f"date({column})"

    def month(self, column: str) -> str:
        if self.postgres:
            return f"to_char({column} AT TIME ZONE %(tz)s, 'YYYY-MM')"
        return f"strftime('%%Y-%%m', {column})"

    def year(self, column: str) -> str:
        if self.postgres:
            return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
        return f"CAST(strftime('%%Y', {column}) AS integer)"

    def true(self) -> str:
        return "TRUE" if self.postgres else "1"


def _in(values) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


# The referral's dimensions (the breakdowns), selected in every pass.
DIMENSIONS = """r.target_id, r.referral_type, r.organisation_id, o.kind AS organisation_kind,
    r.judicial_situation"""
OUTCOME_COLUMNS = [
    "favourable",
    "declined",
    "decision_reason",
    "outcome",
    "outcome_reason",
    "reoriented_to",
    "day_centre",
    "reoriented_arrived",
    "duplicate",
    "justice",
]


def _decided_sql(sql: _Dialect, target_filter: str) -> str:
    """Referrals first decided in the period, their facts, grouped by establishment and each
    breakdown (UNION ALL of grouped passes over the materialised facts)."""
    return _facts_cte(sql, target_filter) + " UNION ALL ".join(_decided_passes(sql))


def _decided_passes(sql: _Dialect) -> list[str]:
    facts_columns = ", ".join(OUTCOME_COLUMNS)
    postgres_percentiles = (
        """percentile_cont(0.5) WITHIN GROUP (ORDER BY decision_days),
        percentile_cont(0.9) WITHIN GROUP (ORDER BY decision_days), COUNT(decision_days),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY arrival_days),
        percentile_cont(0.9) WITHIN GROUP (ORDER BY arrival_days), COUNT(arrival_days)"""
        if sql.postgres
        else "NULL, NULL, COUNT(decision_days), NULL, NULL, COUNT(arrival_days)"
    )
    no_delays = ", ".join(
        f"CAST(NULL AS {'bigint' if name.startswith('n_') else 'double precision'}) AS {name}"
        for name in DELAY_COLUMNS
    )
    passes = [
        f"""SELECT '{name}' AS grouping_set, target_id, CAST({column} AS varchar(40)) AS key,
            {facts_columns}, COUNT(*) AS n, {no_delays}
        FROM facts GROUP BY target_id, {column}, {facts_columns}"""
        for name, column in BREAKDOWN_COLUMNS.items()
    ]
    passes.append(
        f"""SELECT 'delays', target_id, NULL, {", ".join("NULL" for _c in OUTCOME_COLUMNS)},
            COUNT(*), {postgres_percentiles}
        FROM facts GROUP BY target_id"""
    )
    passes.append(
        f"""SELECT 'delays_all', NULL, NULL, {", ".join("NULL" for _c in OUTCOME_COLUMNS)},
            COUNT(*), {postgres_percentiles}
        FROM facts"""
    )
    return passes


def _facts_cte(sql: _Dialect, target_filter: str) -> str:
    """One row per referral first decided in the period, with its facts (`referrals/facts.py`,
    kept by the workflow from the events): the referrals of the period through an index, no
    event read."""
    r = Referral._meta.db_table
    decided_on = sql.local_date("r.fact_first_decision_at")
    return f"""
WITH facts AS (
    SELECT {DIMENSIONS}, {sql.month("r.fact_first_decision_at")} AS month,
        CASE WHEN r.fact_accepted THEN 1 ELSE 0 END AS favourable,
        CASE WHEN r.fact_declined THEN 1 ELSE 0 END AS declined,
        CASE WHEN r.fact_day_centre THEN 1 ELSE 0 END AS day_centre,
        CASE WHEN r.fact_accepted THEN '' ELSE r.fact_decline_reason END AS decision_reason,
        r.fact_outcome AS outcome, r.fact_outcome_reason AS outcome_reason,
        r.fact_reoriented_to AS reoriented_to,
        CASE WHEN r.fact_reoriented_arrived THEN 1 ELSE 0 END AS reoriented_arrived,
        CASE WHEN r.fact_copy_of_accepted THEN 1 ELSE 0 END AS duplicate,
        CASE WHEN r.judicial_situation IN {_in(NOT_JUSTICE)} THEN 0 ELSE 1 END AS justice,
        {sql.days_between("r.fact_first_decision_at", "r.submitted_at")} AS decision_days,
        CASE WHEN r.fact_outcome = '{Action.RECORD_ARRIVAL}' AND r.fact_arrival_date IS NOT NULL
            THEN {sql.date_days("r.fact_arrival_date", decided_on)}
            END AS arrival_days
    FROM {r} r
    JOIN accounts_organisation o ON o.id = r.organisation_id
    WHERE r.fact_first_decision_at >= %(start)s AND r.fact_first_decision_at < %(end)s
      AND {target_filter}
)
"""


def _flows_sql(sql: _Dialect, target_filter: str) -> str:
    """Received (and by re-orientation), pending at the end, re-oriented before any opinion,
    withdrawn / expired / closed in the period — one row per establishment, breakdown key and
    measure, from the referrals' facts."""
    r = Referral._meta.db_table
    passes = [
        f"""SELECT '{name}' AS grouping_set, target_id, CAST({column} AS varchar(40)) AS key,
            measure, by_reorientation, judicial_situation, COUNT(*) AS n
        FROM flows GROUP BY target_id, {column}, measure, by_reorientation, judicial_situation"""
        for name, column in BREAKDOWN_COLUMNS.items()
    ]
    return f"""
WITH received AS (
    SELECT r.fact_closed_at AS closed_at, {DIMENSIONS}, {sql.month("r.submitted_at")} AS month,
        CASE WHEN r.reoriented_from_id IS NULL THEN 0 ELSE 1 END AS by_reorientation
    FROM {r} r JOIN accounts_organisation o ON o.id = r.organisation_id
    WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(end)s AND {target_filter}
),
flows AS (
    SELECT 'received' AS measure, target_id, referral_type, organisation_id, organisation_kind,
        judicial_situation, month, by_reorientation
    FROM received
    UNION ALL
    SELECT 'pending', target_id, referral_type, organisation_id, organisation_kind,
        judicial_situation, month, 0
    FROM received WHERE closed_at IS NULL OR closed_at >= %(end)s
    UNION ALL
    SELECT r.fact_closing, {DIMENSIONS}, {sql.month("r.fact_closing_at")}, 0
    FROM {r} r JOIN accounts_organisation o ON o.id = r.organisation_id
    WHERE r.fact_closing_at >= %(start)s AND r.fact_closing_at < %(end)s AND {target_filter}
)
{" UNION ALL ".join(passes)}
"""


def _stays_sql(sql: _Dialect, target_filter: str) -> str:
    s = Stay._meta.db_table
    r = Referral._meta.db_table
    positive = (
        f"(s.exit_kind IN {_in(POSITIVE_EXIT_KINDS)} OR s.exit_employment = {sql.true()}"
        f" OR s.exit_training = {sql.true()})"
    )
    exited = "(s.departure_date IS NOT NULL AND s.departure_date <= %(last_day)s)"
    birth_year = f"COALESCE({sql.year('r.birth_date')}, s.birth_year)"
    age = f"({sql.year('s.arrival_date')} - {birth_year})"
    justice = (
        f"CASE WHEN r.id IS NULL THEN (CASE WHEN s.justice_public = {sql.true()} THEN 1 ELSE 0 END)"
        f" WHEN r.judicial_situation IN {_in(NOT_JUSTICE)} THEN 0 ELSE 1 END"
    )
    work = (
        f"(s.exit_employment = {sql.true()} OR s.exit_training = {sql.true()}"
        f" OR s.exit_kind = '{ExitKind.JOB_OR_TRAINING}')"
    )
    return f"""
SELECT s.establishment_id AS target_id, s.measure,
    COUNT(*) AS hosted,
    SUM(CASE WHEN s.arrival_date >= %(first_day)s THEN 1 ELSE 0 END) AS new_entries,
    SUM(CASE WHEN {exited} THEN 1 ELSE 0 END) AS exits,
    SUM(CASE WHEN {exited} THEN {sql.date_days("s.departure_date", "s.arrival_date")} ELSE 0 END)
        AS exit_days,
    COUNT({birth_year}) AS aged,
    SUM({age}) AS age_sum,
    SUM(CASE WHEN {age} < {YOUNG_AGE} THEN 1 ELSE 0 END) AS young,
    SUM({justice}) AS justice,
    SUM(CASE WHEN {exited} AND {positive} THEN 1 ELSE 0 END) AS positive_exits,
    SUM(CASE WHEN {exited} AND {positive} AND s.exit_kind = '{ExitKind.AUTONOMOUS_HOUSING}'
        THEN 1 ELSE 0 END) AS positive_housing,
    SUM(CASE WHEN {exited} AND {positive} AND {work} THEN 1 ELSE 0 END) AS positive_work,
    SUM(CASE WHEN {exited} AND s.exit_employment = {sql.true()} THEN 1 ELSE 0 END)
        AS exits_employment,
    SUM(CASE WHEN s.measure_completed IS NOT NULL THEN 1 ELSE 0 END) AS measure_ended,
    SUM(CASE WHEN s.measure_completed = {sql.true()} THEN 1 ELSE 0 END) AS measure_completed
FROM {s} s LEFT JOIN {r} r ON r.id = s.referral_id
WHERE s.arrival_date <= %(last_day)s
  AND (s.departure_date IS NULL OR s.departure_date >= %(first_day)s)
  AND {target_filter.replace("r.target_id", "s.establishment_id")}
GROUP BY s.establishment_id, s.measure
"""


def _target_filter(ids) -> str:
    if ids is None:
        return "1 = 1"
    if not ids:
        return "1 = 0"
    return "r.target_id IN (" + ", ".join(str(int(pk)) for pk in ids) + ")"


def _rows(cursor, sql_text, params):
    cursor.execute(sql_text, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _params(period: Period) -> dict:
    start, end = period.bounds()
    ops = connection.ops
    return {
        "start": ops.adapt_datetimefield_value(start),
        "end": ops.adapt_datetimefield_value(end),
        "first_day": ops.adapt_datefield_value(period.start),
        "last_day": ops.adapt_datefield_value(period.end),
        "tz": settings.TIME_ZONE,
    }


def _sqlite_delays(cursor, sql_text, params) -> dict:
    """SQLite has no percentile_cont: fetch the delays of the facts (development only)."""
    cursor.execute(sql_text + "SELECT target_id, decision_days, arrival_days FROM facts", params)
    found = defaultdict(lambda: ([], []))
    for target, decision, arrival in cursor.fetchall():
        for key in (target, None):
            if decision is not None:
                found[key][0].append(decision)
            if arrival is not None:
                found[key][1].append(arrival)
    return found


def _percentile(values, p):
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    # quantiles(method="inclusive") interpolates as percentile_cont does.
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[round(p * 100) - 1]


def _delays(row) -> Delays:
    def rounded(value):
        return None if value is None else round(float(value), 1)

    return Delays(
        decision_median=rounded(row["p50_decision"]),
        decision_p90=rounded(row["p90_decision"]),
        decision_n=row["n_decision"] or 0,
        arrival_median=rounded(row["p50_arrival"]),
        arrival_p90=rounded(row["p90_arrival"]),
        arrival_n=row["n_arrival"] or 0,
    )


def period_figures(
    period: Period, establishment_ids=None, organisation_id=None, with_stays=True
) -> PeriodFigures:
    """The period's figures per establishment.

    With `establishment_ids`, only those establishments, each listed even without any figure;
    without, every establishment with something to count in the period. A constant number of
    queries (three statements, then titles and organisations), JIT off on PostgreSQL."""
    ids = None if establishment_ids is None else sorted({int(pk) for pk in establishment_ids})
    sql = _Dialect(connection.vendor)
    target_filter = _target_filter(ids)
    referral_filter = target_filter
    if organisation_id is not None:
        referral_filter += f" AND r.organisation_id = {int(organisation_id)}"
    params = _params(period)
    decided_sql = _decided_sql(sql, referral_filter)
    with transaction.atomic(), connection.cursor() as cursor:
        if sql.postgres:
            # JIT compiling costs more than these queries save; sorts stay in memory.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '32MB'")
        decided = _rows(cursor, decided_sql, params)
        flows = _rows(cursor, _flows_sql(sql, referral_filter), params)
        stays = _rows(cursor, _stays_sql(sql, target_filter), params) if with_stays else []
        sqlite_delays = (
            None
            if sql.postgres
            else _sqlite_delays(cursor, _facts_cte(sql, referral_filter), params)
        )

    establishments: dict[int, EstablishmentFigures] = {}

    def establishment(pk) -> EstablishmentFigures:
        if pk not in establishments:
            establishments[pk] = EstablishmentFigures(pk, "")
        return establishments[pk]

    association = Delays()
    for row in decided:
        grouping = row["grouping_set"]
        if grouping in ("delays", "delays_all"):
            if sqlite_delays is not None:
                decision, arrival = sqlite_delays.get(row["target_id"], ([], []))
                row.update(
                    p50_decision=_percentile(decision, 0.5),
                    p90_decision=_percentile(decision, 0.9),
                    p50_arrival=_percentile(arrival, 0.5),
                    p90_arrival=_percentile(arrival, 0.9),
                )
            if grouping == "delays":
                establishment(row["target_id"]).delays = _delays(row)
            else:
                association = _delays(row)
            continue
        target = establishment(row["target_id"])
        if grouping == "by_month":
            target.total.add_decided(row, row["n"])
        getattr(target, grouping).setdefault(_key(grouping, row["key"]), Figures()).add_decided(
            row, row["n"]
        )
    for row in flows:
        target = establishment(row["target_id"])
        grouping = row["grouping_set"]
        if grouping == "by_month":
            target.total.add_flow(row, row["n"])
        getattr(target, grouping).setdefault(_key(grouping, row["key"]), Figures()).add_flow(
            row, row["n"]
        )
    for row in stays:
        establishment(row["target_id"]).stays.add(row)

    for pk in ids or ():
        establishment(pk)
    destinations = set()
    organisation_ids = set()
    for target in establishments.values():
        destinations |= {pk for pk in target.total.reoriented_to if pk is not None}
        organisation_ids |= set(target.by_organisation)
    titles = dict(
        Page.objects.filter(pk__in=set(establishments) | destinations).values_list("pk", "title")
    )
    from accounts.models import Organisation

    organisations = {
        pk: (name, kind)
        for pk, name, kind in Organisation.objects.filter(pk__in=organisation_ids).values_list(
            "pk", "name", "kind"
        )
    }
    for pk, target in establishments.items():
        target.title = titles.get(pk, str(pk))
    return PeriodFigures(
        period=period,
        establishments=sorted(establishments.values(), key=lambda e: (e.title, e.id)),
        titles=titles,
        organisations=organisations,
        delays=association,
    )


def _key(grouping: str, key):
    """A breakdown's key; a value of the former law is counted with its successor (PSE with
    DDSE, SME with sursis probatoire: `choices.current_value`)."""
    if grouping == "by_organisation":
        return _int_or_none(key)
    if grouping in ("by_referral_type", "by_judicial_situation"):
        return current_value(BREAKDOWN_COLUMNS[grouping], key)
    return key


def yearly_figures(year: int, establishment_ids=None) -> PeriodFigures:
    return period_figures(Period.year(year), establishment_ids)


# --- funders' indicators -----------------------------------------------------------------------


@dataclass
class IndicatorResult:
    indicator: object  # FunderIndicator
    result: float | None
    computed: bool

    @property
    def gap(self) -> float | None:
        if self.result is None:
            return None
        return round(float(self.result) - float(self.indicator.objective), 1)


def indicator_result(indicator, stays: StayFigures) -> IndicatorResult:
    """The indicator's result: from the programme's stays of the year when the portal holds
    the data, the hand-entered one otherwise."""
    from ..choices import IndicatorMeasure

    computed = {
        IndicatorMeasure.BENEFICIARIES: lambda: stays.hosted,
        IndicatorMeasure.JUSTICE_SHARE: lambda: stays.justice_share,
        IndicatorMeasure.YOUNG_SHARE: lambda: stays.young_share,
        IndicatorMeasure.AVERAGE_DURATION: lambda: stays.average_stay_months,
        IndicatorMeasure.EMPLOYMENT_EXITS: lambda: stays.employment_share,
    }
    if indicator.measure in computed:
        value = computed[indicator.measure]()
        return IndicatorResult(indicator, None if value is None else round(value, 1), True)
    result = indicator.manual_result
    return IndicatorResult(indicator, None if result is None else float(result), False)


# --- the usual delay (partner pages) -----------------------------------------------------------


def _events(*args, **filters):
    return ReferralEvent.objects.filter(*args, referral=OuterRef("pk"), **filters)


def _first(queryset, expression):
    return Subquery(
        queryset.order_by("created_at", "pk").annotate(value=expression).values("value")[:1]
    )


class _Median(Aggregate):
    """PostgreSQL's median of an interval (`percentile_cont` accepts intervals)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def usual_decision_delay(establishment_id, now=None) -> int | None:
    """The establishment's usual delay: the median, in whole days, from submission to the first
    decision (the `DECISIONS` of the yearly figures), over the referrals first decided in the
    last 12 months. None when none was. One query (on SQLite, the median is taken in Python)."""
    now = now or timezone.now()
    decided_at = _first(_events(kind=TRANSITION, action__in=DECISIONS), F("created_at"))
    queryset = (
        Referral.objects.filter(target_id=establishment_id, submitted_at__isnull=False)
        .annotate(decided_at=decided_at)
        .filter(decided_at__gte=now - timedelta(days=365))
        .order_by()
    )
    delay = ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        median = queryset.aggregate(median=_Median(delay))["median"]
    else:
        delays = list(queryset.annotate(delay=delay).values_list("delay", flat=True))
        median = statistics.median(delays) if delays else None
    return None if median is None else max(0, round(median.total_seconds() / 86400))
