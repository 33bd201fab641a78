"""Yearly figures computed from the referrals' own records.

The figures follow the 2019 activity report ("53 demandes traitées, 44 avis favorables…") and are
read from the immutable event log, not from the referrals' mutable fields: a referral belongs to
the year of its FIRST decision (accept or decline event); it is favourable if the commission
accepted it (possibly after a contested decline); its outcome is the transition that left the
"accepted" status (arrival, re-orientation, no-show, cancellation), if any yet.

`yearly_figures` runs a constant number of queries (one row per decided referral, grouped in
Python), whatever the number of referrals."""

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.models import Page

from accounts.models import Organisation
from cms.choices import ReferralType

from .choices import CancelReason, DeclineReason, JudicialSituation, Status
from .models import Referral, ReferralEvent
from .permissions import actor_for

DECISIONS = ("accept", "decline")
TRANSITION = ReferralEvent.Kind.TRANSITION
OUTCOME = ReferralEvent.Kind.OUTCOME


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or _("Non renseigné")


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
        if outcome == "record_arrival":
            self.arrived += 1
        elif outcome == "reorient":
            self.reoriented += 1
            self.reoriented_to[_int_or_none(row["reorientation_target"])] += 1
            self.reoriented_arrived += bool(row["reoriented_arrived"])
        elif outcome == "record_no_show":
            self.no_show += 1
            self.day_centre += bool(row["day_centre"] or row["day_centre_contact_date"])
        elif outcome == "cancel":
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
    def reoriented_share(self):
        return self.share(self.reoriented, self.favourable)

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
            (self.by_referral_type, row["referral_type"]),
            (self.by_organisation_kind, row["organisation__kind"]),
            (self.by_judicial_situation, row["judicial_situation"]),
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


def towards(title: str) -> str:
    """ "le CHRS Les Augustins", "le CHU La Passerelle": the article before an acronym."""
    first = title.split(" ", 1)[0]
    return _("le %(title)s") % {"title": title} if first.isupper() and len(first) > 1 else title


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
            favourable=Exists(_events(kind=TRANSITION, action="accept")),
            declined=Exists(_events(kind=TRANSITION, action="decline")),
            decision_reason=_last(_events(kind=TRANSITION, action="decline"), KT("data__reason")),
            outcome=_first(left_accepted, F("action")),
            outcome_reason=_first(left_accepted, KT("data__reason")),
            reorientation_target=_first(left_accepted, KT("data__to_target")),
            day_centre=Exists(
                _events(
                    Q(
                        kind=TRANSITION,
                        action="record_no_show",
                        data__has_key="day_centre_contact_date",
                    )
                    | Q(kind=OUTCOME, action="day_centre_contact")
                )
            ),
            reoriented_arrived=Exists(
                ReferralEvent.objects.filter(
                    referral__reoriented_from=OuterRef("pk"),
                    kind=TRANSITION,
                    action="record_arrival",
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
                action="reorient",
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


# --- presentation: the report's wording ---------------------------------------------------------


@dataclass
class Line:
    label: str
    count: int
    share: float | None = None
    of: str = ""  # what the share is a share of
    level: int = 1  # 2 for a "dont …" line


def decision_lines(figures: Figures) -> list[Line]:
    lines = [
        Line(_("Demandes traitées"), figures.processed),
        Line(
            _("Avis favorables"),
            figures.favourable,
            figures.favourable_share,
            _("des demandes traitées"),
        ),
    ]
    if figures.after_contest:
        lines.append(
            Line(
                _("dont après contestation d'un avis défavorable"),
                figures.after_contest,
                Figures.share(figures.after_contest, figures.favourable),
                _("des avis favorables"),
                2,
            )
        )
    lines.append(
        Line(
            _("Avis défavorables"),
            figures.unfavourable,
            figures.unfavourable_share,
            _("des demandes traitées"),
        )
    )
    return lines


def outcome_lines(figures: Figures, titles: dict) -> list[Line]:
    of = _("des avis favorables")
    lines = [Line(_("Accueillies à la sortie"), figures.arrived, figures.arrived_share, of)]
    if figures.reoriented_to:
        for target, count in sorted(
            figures.reoriented_to.items(), key=lambda item: (-item[1], titles.get(item[0], ""))
        ):
            title = towards(titles[target]) if target in titles else _("un autre établissement")
            lines.append(
                Line(
                    _("Réorientées vers %(title)s") % {"title": title},
                    count,
                    Figures.share(count, figures.favourable),
                    of,
                )
            )
        if figures.reoriented_arrived:
            lines.append(
                Line(
                    _("dont accueillies dans l'établissement de réorientation"),
                    figures.reoriented_arrived,
                    Figures.share(figures.reoriented_arrived, figures.reoriented),
                    _("des personnes réorientées"),
                    2,
                )
            )
    else:
        lines.append(Line(_("Réorientées vers un autre établissement"), 0, None, of))
    lines += [
        Line(_("Ne se sont pas présentées"), figures.no_show, figures.no_show_share, of),
        Line(
            _("dont venues à l'accueil de jour"),
            figures.day_centre,
            figures.day_centre_share,
            _("des personnes qui ne se sont pas présentées"),
            2,
        ),
    ]
    if figures.cancelled:
        lines.append(Line(_("Admissions annulées"), figures.cancelled, figures.cancelled_share, of))
        for reason, count in figures.cancel_reasons.most_common():
            lines.append(
                Line(
                    _("dont : %(reason)s") % {"reason": _label(CancelReason, reason)},
                    count,
                    Figures.share(count, figures.cancelled),
                    _("des admissions annulées"),
                    2,
                )
            )
    if figures.awaiting:
        lines.append(
            Line(_("Suite pas encore enregistrée"), figures.awaiting, figures.awaiting_share, of)
        )
    return lines


def decline_lines(figures: Figures) -> list[Line]:
    return [
        Line(
            _label(DeclineReason, reason),
            count,
            Figures.share(count, figures.unfavourable),
            _("des avis défavorables"),
        )
        for reason, count in figures.decline_reasons.most_common()
    ]


def line_tables(year: int, figures: Figures, titles: dict) -> list[dict]:
    """The report's three small tables: decisions, what followed the favourable ones, the
    reasons of the unfavourable ones."""
    tables = [
        {
            "caption": _("Décisions de la commission en %(year)s") % {"year": year},
            "head": _("Indicateur"),
            "lines": decision_lines(figures),
        },
        {
            "caption": ngettext(
                "Suite donnée à %(n)s avis favorable",
                "Suite donnée aux %(n)s avis favorables",
                figures.favourable,
            )
            % {"n": figures.favourable},
            "head": _("Suite"),
            "lines": outcome_lines(figures, titles),
        },
    ]
    if figures.unfavourable:
        tables.append(
            {
                "caption": _("Motifs des avis défavorables"),
                "head": _("Motif"),
                "lines": decline_lines(figures),
            }
        )
    return tables


BREAKDOWNS = [
    ("by_referral_type", gettext_lazy("Par type de demande"), ReferralType),
    ("by_organisation_kind", gettext_lazy("Par type d'orienteur"), Organisation.Kind),
    ("by_judicial_situation", gettext_lazy("Par situation judiciaire"), JudicialSituation),
]

# (name, label, short label for the wide tables)
COLUMNS = [
    ("processed", gettext_lazy("Demandes traitées"), gettext_lazy("Traitées")),
    ("favourable", gettext_lazy("Avis favorables"), gettext_lazy("Favorables")),
    ("unfavourable", gettext_lazy("Avis défavorables"), gettext_lazy("Défavorables")),
    ("arrived", gettext_lazy("Accueillies à la sortie"), gettext_lazy("Accueillies")),
    ("reoriented", gettext_lazy("Réorientées"), gettext_lazy("Réorientées")),
    ("no_show", gettext_lazy("Ne se sont pas présentées"), gettext_lazy("Absentes")),
    (
        "day_centre",
        gettext_lazy("dont venues à l'accueil de jour"),
        gettext_lazy("dont venues à l'accueil de jour"),
    ),
    ("cancelled", gettext_lazy("Admissions annulées"), gettext_lazy("Annulées")),
    ("awaiting", gettext_lazy("Suite pas encore enregistrée"), gettext_lazy("Suite à venir")),
]
CORE_COLUMNS = {
    "processed",
    "favourable",
    "unfavourable",
    "arrived",
    "reoriented",
    "no_show",
    "day_centre",
}


def columns_for(figures: Figures) -> list[tuple]:
    """The report's columns, and the others only when they count something."""
    return [
        column for column in COLUMNS if column[0] in CORE_COLUMNS or getattr(figures, column[0])
    ]


def counts(figures: Figures, columns) -> list[int]:
    return [getattr(figures, column[0]) for column in columns]


def breakdown_tables(establishment: EstablishmentFigures, columns=None) -> list[dict]:
    columns = columns_for(establishment.total) if columns is None else columns
    tables = []
    for attribute, caption, choices in BREAKDOWNS:
        groups = getattr(establishment, attribute)
        rows = [
            {
                "label": _label(choices, key),
                "share": Figures.share(figures.processed, establishment.total.processed),
                "counts": counts(figures, columns),
            }
            for key, figures in sorted(
                groups.items(), key=lambda item: (-item[1].processed, _label(choices, item[0]))
            )
        ]
        tables.append({"slug": attribute, "caption": caption, "rows": rows, "columns": columns})
    return tables


def summary_sentence(year: int, figures: Figures, titles: dict) -> str:
    """The report's paragraph, written from the figures."""
    if not figures.processed:
        return _("Aucune demande n'a reçu de décision en %(year)s.") % {"year": year}

    def plural(singular, many, n, **more):
        return ngettext(singular, many, n) % {"n": n, **more}

    text = _("En %(year)s, %(processed)s : %(favourable)s et %(unfavourable)s.") % {
        "year": year,
        "processed": plural(
            "%(n)s demande a été traitée", "%(n)s demandes ont été traitées", figures.processed
        ),
        "favourable": plural("%(n)s avis favorable", "%(n)s avis favorables", figures.favourable),
        "unfavourable": plural(
            "%(n)s avis défavorable", "%(n)s avis défavorables", figures.unfavourable
        ),
    }
    if not figures.favourable:
        return text
    parts = [
        plural(
            "%(n)s personne a été accueillie à la sortie",
            "%(n)s personnes ont été accueillies à la sortie",
            figures.arrived,
        )
    ]
    for target, count in figures.reoriented_to.most_common():
        title = towards(titles[target]) if target in titles else _("un autre établissement")
        parts.append(
            plural(
                "%(n)s réorientée vers %(title)s",
                "%(n)s réorientées vers %(title)s",
                count,
                title=title,
            )
        )
    if figures.no_show:
        no_show = plural(
            "%(n)s ne s'est pas présentée", "%(n)s ne se sont pas présentées", figures.no_show
        )
        if figures.day_centre:
            no_show += " " + plural(
                "(dont %(n)s venue à l'accueil de jour peu après)",
                "(dont %(n)s venues à l'accueil de jour peu après)",
                figures.day_centre,
            )
        parts.append(no_show)
    if figures.cancelled:
        parts.append(
            plural("%(n)s admission annulée", "%(n)s admissions annulées", figures.cancelled)
        )
    if figures.awaiting:
        parts.append(
            plural(
                "%(n)s en attente de sa suite", "%(n)s en attente de leur suite", figures.awaiting
            )
        )
    intro = plural("Sur %(n)s avis favorable", "Sur les %(n)s avis favorables", figures.favourable)
    return f"{text} {intro} : {', '.join(parts)}."


# --- the view ----------------------------------------------------------------------------------


class FiguresForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Année de la décision"), coerce=int)
    establishment = forms.TypedChoiceField(
        label=gettext_lazy("Établissement ou programme"),
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, years, establishments, allow_all, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        choices = [(pk, title) for pk, title in establishments]
        if allow_all:
            choices.insert(0, ("", _("Tous")))
        self.fields["establishment"].choices = choices


def _allowed_establishments(actor) -> list[tuple[int, str]]:
    """(id, title) of the establishments whose figures the actor may read."""
    if not actor.is_internal:
        raise Http404
    pages = Page.objects.all()
    if actor.is_management:
        pages = pages.filter(
            Q(pk__in=Referral.objects.order_by().values("target_id"))
            | Q(establishmentpage__accepts_online_referrals=True)
            | Q(programmepage__accepts_online_referrals=True)
        )
    elif actor.commission_targets:
        pages = pages.filter(pk__in=actor.commission_targets)
    else:
        raise Http404
    allowed = list(pages.order_by("title", "pk").values_list("pk", "title"))
    if not allowed and not actor.is_management:
        raise Http404
    return allowed


def _years(establishment_ids) -> list[int]:
    current = timezone.localdate().year
    first = ReferralEvent.objects.filter(
        kind=TRANSITION, action__in=DECISIONS, referral__target_id__in=establishment_ids
    ).aggregate(first=Min("created_at"))["first"]
    start = timezone.localtime(first).year if first else current
    return list(range(current, min(start, current) - 1, -1))


def _percent(value) -> str:
    return "" if value is None else number_format(value, 1)


@login_required
def figures_view(request):
    actor = actor_for(request)
    allowed = _allowed_establishments(actor)
    allowed_ids = [pk for pk, _title in allowed]
    requested = request.GET.get("establishment")
    if requested and (not requested.isdigit() or int(requested) not in allowed_ids):
        raise Http404  # not yours: as for a referral, a 404, never a 403
    years = _years(allowed_ids)
    allow_all = actor.is_management or len(allowed) > 1
    data = {"year": years[0], "establishment": "" if allow_all else allowed_ids[0]}
    data.update({key: request.GET[key] for key in ("year", "establishment") if key in request.GET})
    form = FiguresForm(data, years=years, establishments=allowed, allow_all=allow_all)
    context = {"form": form, "actor": actor}
    if form.is_valid():
        year = form.cleaned_data["year"]
        chosen = form.cleaned_data["establishment"]
        if chosen:
            ids = [chosen]
        elif actor.is_management:
            ids = None
        else:
            ids = allowed_ids
        result = yearly_figures(year, ids)
        if request.GET.get("format") == "csv":
            return _csv_response(result)
        query = QueryDict(mutable=True)
        query.update({"year": year, "establishment": chosen or "", "format": "csv"})
        context.update(
            {
                "year": year,
                "result": result,
                "overview": _overview(result) if len(result.establishments) > 1 else None,
                "sections": [
                    {
                        "establishment": establishment,
                        "summary": summary_sentence(year, establishment.total, result.titles),
                        "tables": line_tables(year, establishment.total, result.titles),
                        "breakdowns": breakdown_tables(establishment),
                    }
                    for establishment in result.establishments
                ],
                "csv_query": query.urlencode(),
            }
        )
    return render(request, "referrals/figures.html", context)


def _overview(result: YearlyFigures) -> dict:
    total = result.total
    columns = columns_for(total)
    return {
        "columns": columns,
        "rows": [(e, counts(e.total, columns)) for e in result.establishments],
        "total": counts(total, columns),
    }


def _csv_response(result: YearlyFigures) -> HttpResponse:
    """A long table (one figure per line), semicolon-separated with decimal commas for the
    spreadsheets used in French offices."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bilan-orientations-{result.year}.csv"'
    response.write("\ufeff")  # BOM: spreadsheets then read UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Année"),
            _("Établissement"),
            _("Regroupement"),
            _("Catégorie"),
            _("Indicateur"),
            _("Nombre"),
            _("Pourcentage"),
            _("Pourcentage de"),
        ]
    )
    everything = _("Ensemble")
    for establishment in result.establishments:
        total = establishment.total
        for line in [*decision_lines(total), *outcome_lines(total, result.titles)]:
            writer.writerow(
                [
                    result.year,
                    establishment.title,
                    everything,
                    "",
                    line.label,
                    line.count,
                    _percent(line.share),
                    line.of if line.share is not None else "",
                ]
            )
        for line in decline_lines(total):
            writer.writerow(
                [
                    result.year,
                    establishment.title,
                    _("Motifs des avis défavorables"),
                    line.label,
                    _("Avis défavorables"),
                    line.count,
                    _percent(line.share),
                    line.of,
                ]
            )
        if establishment.reoriented_before_decision:
            writer.writerow(
                [
                    result.year,
                    establishment.title,
                    everything,
                    "",
                    _("Réorientées avant avis (hors demandes traitées)"),
                    establishment.reoriented_before_decision,
                    "",
                    "",
                ]
            )
        for table in breakdown_tables(establishment, COLUMNS):
            for row in table["rows"]:
                for (_name, label, _short), count in zip(COLUMNS, row["counts"], strict=True):
                    writer.writerow(
                        [
                            result.year,
                            establishment.title,
                            str(table["caption"]),
                            row["label"],
                            str(label),
                            count,
                            "",
                            "",
                        ]
                    )
    return response
