"""Yearly figures computed from the referrals' own records.

The figures follow the 2019 activity report ("53 demandes traitées, 44 avis favorables…") and are
read from the immutable event log, not from the referrals' mutable fields: a referral belongs to
the year of its FIRST decision (accept or decline event); it is favourable if the commission
accepted it (possibly after a contested decline); its outcome is the transition that left the
"accepted" status (arrival, re-orientation, no-show, cancellation), if any yet.

A value of the former law is counted with its successor (PSE with DDSE, SME with sursis
probatoire: `choices.current_value`), so that a breakdown reads the same across the reform and
every total stays what it was.

`yearly_figures` runs a constant number of queries (one row per decided referral, grouped in
Python), whatever the number of referrals."""

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.fields.json import KT
from django.utils import timezone
from wagtail.models import Page

from ..choices import Action, Status, current_value
from ..models import Referral, ReferralEvent

DECISIONS = (Action.ACCEPT, Action.DECLINE)
TRANSITION = ReferralEvent.Kind.TRANSITION
OUTCOME = ReferralEvent.Kind.OUTCOME


@dataclass
class Figures:
    """The counts of one group of referrals decided in the year."""

    processed: int = 0
    favourable: int = 0
    unfavourable: int = 0
    after_contest: int = 0  # favourable after a contested unfavourable decision
    arrived: int = 0
    reoriented: int = 0
    reoriented_arrived: int = 0  # taken in by the establishment they were re-oriented to
    no_show: int = 0
    day_centre: int = 0  # no-shows who later came to the day centre
    cancelled: int = 0
    awaiting: int = 0  # favourable, outcome not recorded yet
    decline_reasons: Counter = field(default_factory=Counter)
    cancel_reasons: Counter = field(default_factory=Counter)
    reoriented_to: Counter = field(default_factory=Counter)  # establishment id → count

    def add(self, row: dict):
        self.processed += 1
        if not row["favourable"]:
            self.unfavourable += 1
            self.decline_reasons[row["decision_reason"] or ""] += 1
            return
        self.favourable += 1
        self.after_contest += bool(row["declined"])
        outcome = row["outcome"]
        if outcome == Action.RECORD_ARRIVAL:
            self.arrived += 1
        elif outcome == Action.REORIENT:
            self.reoriented += 1
            self.reoriented_to[_int_or_none(row["reorientation_target"])] += 1
            self.reoriented_arrived += bool(row["reoriented_arrived"])
        elif outcome == Action.RECORD_NO_SHOW:
            self.no_show += 1
            self.day_centre += bool(row["day_centre"] or row["day_centre_contact_date"])
        elif outcome == Action.CANCEL:
            self.cancelled += 1
            self.cancel_reasons[row["outcome_reason"] or ""] += 1
        else:
            self.awaiting += 1

    # Shares, in %, or None when there is nothing to divide by
    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def favourable_share(self):
        return self.share(self.favourable, self.processed)

    @property
    def unfavourable_share(self):
        return self.share(self.unfavourable, self.processed)

    @property
    def arrived_share(self):
        return self.share(self.arrived, self.favourable)

    @property
    def no_show_share(self):
        return self.share(self.no_show, self.favourable)

    @property
    def day_centre_share(self):
        return self.share(self.day_centre, self.no_show)

    @property
    def cancelled_share(self):
        return self.share(self.cancelled, self.favourable)

    @property
    def awaiting_share(self):
        return self.share(self.awaiting, self.favourable)


@dataclass
class EstablishmentFigures:
    id: int
    title: str
    total: Figures = field(default_factory=Figures)
    by_referral_type: dict = field(default_factory=dict)
    by_organisation_kind: dict = field(default_factory=dict)
    by_judicial_situation: dict = field(default_factory=dict)
    reoriented_before_decision: int = 0  # re-oriented without an opinion: not "processed"

    def add(self, row: dict):
        self.total.add(row)
        for breakdown, key in [
            (self.by_referral_type, current_value("referral_type", row["referral_type"])),
            (self.by_organisation_kind, row["organisation__kind"]),
            (
                self.by_judicial_situation,
                current_value("judicial_situation", row["judicial_situation"]),
            ),
        ]:
            breakdown.setdefault(key, Figures()).add(row)


@dataclass
class YearlyFigures:
    year: int
    establishments: list  # of EstablishmentFigures, by title
    titles: dict  # establishment id → title (including re-orientation targets)

    def get(self, establishment_id) -> EstablishmentFigures | None:
        return next((e for e in self.establishments if e.id == establishment_id), None)

    @property
    def total(self) -> Figures:
        total = Figures()
        for establishment in self.establishments:
            for name in (
                "processed",
                "favourable",
                "unfavourable",
                "after_contest",
                "arrived",
                "reoriented",
                "reoriented_arrived",
                "no_show",
                "day_centre",
                "cancelled",
                "awaiting",
            ):
                setattr(total, name, getattr(total, name) + getattr(establishment.total, name))
            total.decline_reasons.update(establishment.total.decline_reasons)
            total.cancel_reasons.update(establishment.total.cancel_reasons)
            total.reoriented_to.update(establishment.total.reoriented_to)
        return total


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year in local time (Europe/Paris), as aware datetimes [start, end)."""
    return (
        timezone.make_aware(datetime(year, 1, 1)),
        timezone.make_aware(datetime(year + 1, 1, 1)),
    )


def _events(*args, **filters):
    return ReferralEvent.objects.filter(*args, referral=OuterRef("pk"), **filters)


def _first(queryset, expression):
    return Subquery(
        queryset.order_by("created_at", "pk").annotate(value=expression).values("value")[:1]
    )


def _last(queryset, expression):
    return Subquery(
        queryset.order_by("-created_at", "-pk").annotate(value=expression).values("value")[:1]
    )


def decided_rows(year: int, establishment_ids=None):
    """One row per referral whose first decision happened in `year` (one query)."""
    start, end = year_bounds(year)
    decisions = {"kind": TRANSITION, "action__in": DECISIONS}
    left_accepted = _events(kind=TRANSITION, from_status=Status.ACCEPTED)
    queryset = Referral.objects.filter(
        Exists(_events(**decisions, created_at__gte=start, created_at__lt=end)),
        ~Exists(_events(**decisions, created_at__lt=start)),
    )
    if establishment_ids is not None:
        queryset = queryset.filter(target_id__in=establishment_ids)
    return (
        queryset.annotate(
            favourable=Exists(_events(kind=TRANSITION, action=Action.ACCEPT)),
            declined=Exists(_events(kind=TRANSITION, action=Action.DECLINE)),
            decision_reason=_last(
                _events(kind=TRANSITION, action=Action.DECLINE), KT("data__reason")
            ),
            outcome=_first(left_accepted, F("action")),
            outcome_reason=_first(left_accepted, KT("data__reason")),
            reorientation_target=_first(left_accepted, KT("data__to_target")),
            day_centre=Exists(
                _events(
                    Q(
                        kind=TRANSITION,
                        action=Action.RECORD_NO_SHOW,
                        data__has_key="day_centre_contact_date",
                    )
                    | Q(kind=OUTCOME, action=Action.DAY_CENTRE_CONTACT)
                )
            ),
            reoriented_arrived=Exists(
                ReferralEvent.objects.filter(
                    referral__reoriented_from=OuterRef("pk"),
                    kind=TRANSITION,
                    action=Action.RECORD_ARRIVAL,
                )
            ),
        )
        .order_by()
        .values(
            "target_id",
            "referral_type",
            "judicial_situation",
            "organisation__kind",
            "day_centre_contact_date",
            "favourable",
            "declined",
            "decision_reason",
            "outcome",
            "outcome_reason",
            "reorientation_target",
            "day_centre",
            "reoriented_arrived",
        )
    )


def _reoriented_before_decision(year: int, establishment_ids=None) -> Counter:
    """Per establishment: referrals re-oriented in `year` without any opinion given (one
    query). They are not "processed" there: their decision belongs to the other establishment."""
    start, end = year_bounds(year)
    queryset = Referral.objects.filter(
        Exists(
            _events(
                kind=TRANSITION,
                action=Action.REORIENT,
                created_at__gte=start,
                created_at__lt=end,
            ).exclude(from_status=Status.ACCEPTED)
        ),
        ~Exists(_events(kind=TRANSITION, action__in=DECISIONS)),
    )
    if establishment_ids is not None:
        queryset = queryset.filter(target_id__in=establishment_ids)
    return Counter(queryset.order_by().values_list("target_id", flat=True))


def yearly_figures(year: int, establishment_ids=None) -> YearlyFigures:
    """The year's figures per establishment, for the referrals first decided in `year`.

    With `establishment_ids`, only those establishments, each listed even without any
    referral; without, every establishment that decided something in the year. Three queries."""
    ids = None if establishment_ids is None else {int(pk) for pk in establishment_ids}
    rows = list(decided_rows(year, ids))
    before = _reoriented_before_decision(year, ids)
    wanted = set(ids or ()) | {row["target_id"] for row in rows} | set(before)
    destinations = {_int_or_none(row["reorientation_target"]) for row in rows} - {None}
    titles = dict(Page.objects.filter(pk__in=wanted | destinations).values_list("pk", "title"))
    establishments = {pk: EstablishmentFigures(pk, titles.get(pk, str(pk))) for pk in wanted}
    for row in rows:
        establishments[row["target_id"]].add(row)
    for pk, count in before.items():
        establishments[pk].reoriented_before_decision = count
    return YearlyFigures(
        year=year,
        establishments=sorted(establishments.values(), key=lambda e: (e.title, e.id)),
        titles=titles,
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
