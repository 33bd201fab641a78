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
the period, through the index on `fact_first_decision_at`, grouped at once by establishment ×
month / referral type / organisation / judicial situation with GROUPING SETS, then PostgreSQL's
`percentile_cont` for the delays), one for the flows (received, pending, withdrawn…), one for
the stays (which keep what the figures need of the person: no referral is read); no event is
read. The partner kind is added up from the organisations in Python, which otherwise only adds
up the grouped rows, whose number depends on the vocabularies, never on the number of
referrals. On SQLite (`make run`), which has no GROUPING SETS, each breakdown is its own pass of
the same SQL, and the percentiles are computed from the delays fetched."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Aggregate, DurationField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from ..choices import (
    NOT_JUSTICE,
    POSITIVE_EXIT_KINDS,
    Action,
    ExitKind,
    JudicialSituation,
    current_value,
)
from ..models import Referral, Stay

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

    def add_flow(self, row: dict):
        """Add the `n` referrals received (`pending` of them at the period's end) or closed in
        the period that one grouped SQL row counts."""
        measure, n = row["measure"], row["n"]
        if measure == "received":
            if row["by_reorientation"]:
                self.received_by_reorientation += n
            else:
                self.received += n
                self.received_justice += n * bool(row["justice"])
            self.pending += row["pending"]
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
            # date_part is a double precision (EXTRACT, a slower numeric).
            return f"(date_part('epoch', {later} - {earlier}) / 86400.0)"
        return f"(julianday({later}) - julianday({earlier}))"

    def date_days(self, later: str, earlier: str) -> str:
        if self.postgres:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def local_date(self, column: str) -> str:
        if self.postgres:
            return f"CAST(({column} AT TIME ZONE %(tz)s) AS date)"
        return f"date({column})"

    def month_start(self, column: str) -> str:
        """The local month of a date and time, as grouped."""
        if self.postgres:
            return f"date_trunc('month', {column} AT TIME ZONE %(tz)s)"
        return f"strftime('%%Y-%%m', {column})"

    def month_label(self, month_start: str) -> str:
        """A grouped month as "YYYY-MM"."""
        if self.postgres:
            return f"to_char({month_start}, 'YYYY-MM')"
        return month_start

    def year(self, column: str) -> str:
        if self.postgres:
            return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
        return f"CAST(strftime('%%Y', {column}) AS integer)"

    def true(self) -> str:
        return "TRUE" if self.postgres else "1"

    def false(self) -> str:
        return "FALSE" if self.postgres else "0"


def _in(values) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


# The breakdowns grouped in SQL: EstablishmentFigures' attribute → the referral's column. The
# partner kind is the organisation's, added up from `by_organisation` (`_by_organisation_kind`).
GROUPED_BREAKDOWNS = {
    "by_month": None,  # the month of the date the measure is counted at
    "by_referral_type": "r.referral_type",
    "by_organisation": "r.organisation_id",
    "by_judicial_situation": "r.judicial_situation",
}
JUSTICE = f"r.judicial_situation NOT IN {_in(NOT_JUSTICE)}"
# What a decided referral's row says of it (`Figures.add_decided`), grouped with its breakdown.
DECIDED_COLUMNS = {
    "favourable": "r.fact_accepted",
    "declined": "r.fact_declined",
    "decision_reason": "CASE WHEN r.fact_accepted THEN '' ELSE r.fact_decline_reason END",
    "outcome": "r.fact_outcome",
    "outcome_reason": "r.fact_outcome_reason",
    "reoriented_to": "r.fact_reoriented_to",
    "day_centre": "r.fact_day_centre",
    "reoriented_arrived": "r.fact_reoriented_arrived",
    "duplicate": "r.fact_copy_of_accepted",
    "justice": JUSTICE,
}


def _grouped(
    sql: _Dialect, month_of: str, columns: dict, aggregates: str, source: str, constants=()
) -> str:
    """The referrals of `source` (FROM … WHERE …) counted by establishment, `columns` (those
    named in `constants` are literals, not grouped) and each breakdown of `GROUPED_BREAKDOWNS`:
    one row per group, labelled `grouping_set`, with its breakdown `key`. PostgreSQL reads the
    referrals once (GROUPING SETS); SQLite, once per breakdown."""
    keys = {
        name: column or sql.month_start(month_of) for name, column in GROUPED_BREAKDOWNS.items()
    }
    common = ", ".join(f"{expression} AS {name}" for name, expression in columns.items())
    group_common = ", ".join(
        ["r.target_id", *(e for name, e in columns.items() if name not in constants)]
    )

    def key_text(name):
        if name == "by_month":
            return sql.month_label(keys[name])
        return f"CAST({keys[name]} AS varchar(40))"

    if sql.postgres:
        # GROUPING(a, b, c, d) sets the bit of every breakdown left out of the row's group.
        width = len(keys)
        masks = {
            name: (2**width - 1) ^ (1 << (width - 1 - index)) for index, name in enumerate(keys)
        }
        label = " ".join(f"WHEN {mask} THEN '{name}'" for name, mask in masks.items())
        key = " ".join(f"WHEN {mask} THEN {key_text(name)}" for name, mask in masks.items())
        grouping = f"GROUPING({', '.join(keys.values())})"
        sets = ", ".join(f"({expression})" for expression in keys.values())
        return f"""
SELECT CASE {grouping} {label} END AS grouping_set, r.target_id, CASE {grouping} {key} END AS key,
    {common}, {aggregates}
{source}
GROUP BY {group_common}, GROUPING SETS ({sets})"""
    return " UNION ALL ".join(
        f"""
SELECT '{name}' AS grouping_set, r.target_id, {key_text(name)} AS key, {common}, {aggregates}
{source}
GROUP BY {group_common}, {expression}"""
        for name, expression in keys.items()
    )


def _decided_source(referral_filter: str) -> str:
    return f"""FROM {Referral._meta.db_table} r
WHERE r.fact_first_decision_at >= %(start)s AND r.fact_first_decision_at < %(end)s
  AND {referral_filter}"""


def _delay_columns(sql: _Dialect) -> tuple[str, str]:
    """Submission → first decision, and first decision → arrival date, in days."""
    decided_on = sql.local_date("r.fact_first_decision_at")
    return (
        sql.days_between("r.fact_first_decision_at", "r.submitted_at"),
        f"CASE WHEN r.fact_outcome = '{Action.RECORD_ARRIVAL}' AND r.fact_arrival_date IS NOT NULL"
        f" THEN {sql.date_days('r.fact_arrival_date', decided_on)} END",
    )


def _decided_sql(sql: _Dialect, referral_filter: str) -> str:
    """The referrals first decided in the period (through the index on
    `fact_first_decision_at`), grouped by establishment, breakdown and what their facts say;
    then, on PostgreSQL, the delays' percentiles per establishment and for all (`percentile_cont`;
    on SQLite `_sqlite_delays` fetches the delays)."""
    source = _decided_source(referral_filter)
    null_delays = ", ".join(
        f"CAST(NULL AS {'bigint' if name.startswith('n_') else 'double precision'}) AS {name}"
        for name in DELAY_COLUMNS
    )
    grouped = _grouped(
        sql,
        "r.fact_first_decision_at",
        DECIDED_COLUMNS,
        f"COUNT(*) AS n, {null_delays}",
        source,
    )
    if not sql.postgres:
        return grouped
    decision_days, arrival_days = _delay_columns(sql)
    no_columns = ", ".join(f"NULL AS {name}" for name in DECIDED_COLUMNS)
    # Identical aggregates are computed once: each percentile_cont sorts its delays once.
    decision = "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY decision_days)"
    arrival = "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY arrival_days)"
    return f"""{grouped}
UNION ALL
SELECT CASE GROUPING(target_id) WHEN 0 THEN 'delays' ELSE 'delays_all' END, target_id, NULL,
    {no_columns}, COUNT(*),
    ({decision})[1], ({decision})[2], COUNT(decision_days),
    ({arrival})[1], ({arrival})[2], COUNT(arrival_days)
FROM (
    SELECT r.target_id, {decision_days} AS decision_days, {arrival_days} AS arrival_days
    {source}
) delays
GROUP BY GROUPING SETS ((target_id), ())"""


def _flows_sql(sql: _Dialect, referral_filter: str) -> str:
    """The referrals received in the period (by re-orientation or not, justice or not, and how
    many of them are still pending at its end), then those withdrawn, expired, closed without
    decision or re-oriented before any decision in it (`fact_closing`), grouped by
    establishment and breakdown (`Figures.add_flow`)."""
    r = Referral._meta.db_table
    pending = "CASE WHEN r.fact_closed_at IS NULL OR r.fact_closed_at >= %(end)s THEN 1 ELSE 0 END"
    received = _grouped(
        sql,
        "r.submitted_at",
        {
            "measure": "'received'",
            "by_reorientation": "r.reoriented_from_id IS NOT NULL",
            "justice": JUSTICE,
        },
        f"COUNT(*) AS n, SUM({pending}) AS pending",
        f"""FROM {r} r
WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(end)s AND {referral_filter}""",
        constants=("measure",),
    )
    closed = _grouped(
        sql,
        "r.fact_closing_at",
        {"measure": "r.fact_closing", "by_reorientation": sql.false(), "justice": JUSTICE},
        "COUNT(*) AS n, 0 AS pending",
        f"""FROM {r} r
WHERE r.fact_closing_at >= %(start)s AND r.fact_closing_at < %(end)s AND {referral_filter}""",
        constants=("by_reorientation",),
    )
    return f"{received}\nUNION ALL\n{closed}"


def _stays_sql(sql: _Dialect, target_filter: str) -> str:
    """The stays overlapping the period, by establishment and measure: what the figures need of
    the person (birth year, justice public) is on the stay (`Stay`), no referral is read."""
    s = Stay._meta.db_table
    positive = (
        f"(s.exit_kind IN {_in(POSITIVE_EXIT_KINDS)} OR s.exit_employment = {sql.true()}"
        f" OR s.exit_training = {sql.true()})"
    )
    exited = "(s.departure_date IS NOT NULL AND s.departure_date <= %(last_day)s)"
    age = f"({sql.year('s.arrival_date')} - s.birth_year)"
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
    COUNT(s.birth_year) AS aged,
    SUM({age}) AS age_sum,
    SUM(CASE WHEN {age} < {YOUNG_AGE} THEN 1 ELSE 0 END) AS young,
    SUM(CASE WHEN s.justice_public = {sql.true()} THEN 1 ELSE 0 END) AS justice,
    SUM(CASE WHEN {exited} AND {positive} THEN 1 ELSE 0 END) AS positive_exits,
    SUM(CASE WHEN {exited} AND {positive} AND s.exit_kind = '{ExitKind.AUTONOMOUS_HOUSING}'
        THEN 1 ELSE 0 END) AS positive_housing,
    SUM(CASE WHEN {exited} AND {positive} AND {work} THEN 1 ELSE 0 END) AS positive_work,
    SUM(CASE WHEN {exited} AND s.exit_employment = {sql.true()} THEN 1 ELSE 0 END)
        AS exits_employment,
    SUM(CASE WHEN s.measure_completed IS NOT NULL THEN 1 ELSE 0 END) AS measure_ended,
    SUM(CASE WHEN s.measure_completed = {sql.true()} THEN 1 ELSE 0 END) AS measure_completed
FROM {s} s
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


def _sqlite_delays(cursor, sql: _Dialect, referral_filter: str, params) -> list[dict]:
    """SQLite has no percentile_cont: the delays' rows PostgreSQL computes (per establishment,
    then for all), from the delays of the decided referrals fetched (development only)."""
    decision_days, arrival_days = _delay_columns(sql)
    cursor.execute(
        f"SELECT r.target_id, {decision_days}, {arrival_days} {_decided_source(referral_filter)}",
        params,
    )
    found = defaultdict(lambda: ([], []))
    for target, decision, arrival in cursor.fetchall():
        for key in (target, None):
            if decision is not None:
                found[key][0].append(decision)
            if arrival is not None:
                found[key][1].append(arrival)
    return [
        {
            "grouping_set": "delays_all" if target is None else "delays",
            "target_id": target,
            "p50_decision": _percentile(decision, 0.5),
            "p90_decision": _percentile(decision, 0.9),
            "n_decision": len(decision),
            "p50_arrival": _percentile(arrival, 0.5),
            "p90_arrival": _percentile(arrival, 0.9),
            "n_arrival": len(arrival),
        }
        for target, (decision, arrival) in found.items()
    ]


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
    queries (three statements, then titles and organisations); on PostgreSQL, with JIT off
    (the connection's setting) and sorts in memory."""
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
            cursor.execute("SET LOCAL work_mem = '32MB'")
        decided = _rows(cursor, decided_sql, params)
        flows = _rows(cursor, _flows_sql(sql, referral_filter), params)
        stays = _rows(cursor, _stays_sql(sql, target_filter), params) if with_stays else []
        if not sql.postgres:
            decided += _sqlite_delays(cursor, sql, referral_filter, params)

    establishments: dict[int, EstablishmentFigures] = {}

    def establishment(pk) -> EstablishmentFigures:
        if pk not in establishments:
            establishments[pk] = EstablishmentFigures(pk, "")
        return establishments[pk]

    association = Delays()
    for row in decided:
        grouping = row["grouping_set"]
        if grouping in ("delays", "delays_all"):
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
            target.total.add_flow(row)
        getattr(target, grouping).setdefault(_key(grouping, row["key"]), Figures()).add_flow(row)
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
        target.by_organisation_kind = _by_organisation_kind(target.by_organisation, organisations)
    return PeriodFigures(
        period=period,
        establishments=sorted(establishments.values(), key=lambda e: (e.title, e.id)),
        titles=titles,
        organisations=organisations,
        delays=association,
    )


def _by_organisation_kind(by_organisation: dict, organisations: dict) -> dict:
    """The partner kinds' figures: their organisations' added up."""
    by_kind = {}
    for pk, figures in by_organisation.items():
        kind = organisations.get(pk, ("", ""))[1]
        by_kind.setdefault(kind, Figures()).merge(figures)
    return by_kind


def _key(grouping: str, key):
    """A breakdown's key; a value of the former law is counted with its successor (PSE with
    DDSE, SME with sursis probatoire: `choices.current_value`)."""
    if grouping == "by_organisation":
        return _int_or_none(key)
    if grouping in ("by_referral_type", "by_judicial_situation"):
        return current_value(grouping.removeprefix("by_"), key)
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


class _Median(Aggregate):
    """PostgreSQL's median of an interval (`percentile_cont` accepts intervals)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def usual_decision_delay(establishment_id, now=None) -> int | None:
    """The establishment's usual delay: the median, in whole days, from submission to the first
    decision (the referral's `fact_first_decision_at`, as the yearly figures count it), over the
    referrals first decided in the last 12 months. None when none was. One query, through the
    index on the first decision (on SQLite, the median is taken in Python)."""
    now = now or timezone.now()
    queryset = Referral.objects.filter(
        target_id=establishment_id,
        submitted_at__isnull=False,
        fact_first_decision_at__gte=now - timedelta(days=365),
    ).order_by()
    delay = ExpressionWrapper(
        F("fact_first_decision_at") - F("submitted_at"), output_field=DurationField()
    )
    if connection.vendor == "postgresql":
        median = queryset.aggregate(median=_Median(delay))["median"]
    else:
        delays = list(queryset.annotate(delay=delay).values_list("delay", flat=True))
        median = statistics.median(delays) if delays else None
    return None if median is None else max(0, round(median.total_seconds() / 86400))
