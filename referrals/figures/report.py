"""The yearly figures in the words of the activity report: its tables, its columns, its summary
paragraph (with French plurals and "le CHRS …"). The figures themselves are defined in
`definitions`."""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Organisation
from cms.choices import ReferralType

from ..choices import HISTORICAL, CancelReason, DeclineReason, JudicialSituation
from .definitions import Delays, EstablishmentFigures, Figures, StayFigures


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or _("Non renseigné")


def _breakdown_label(choices, value) -> str:
    """A breakdown's line; a value of today's law that replaced one of the former law counts
    both (definitions), and says so."""
    label = _label(choices, value)
    for vocabulary, historical in HISTORICAL.values():
        if vocabulary is choices and value in historical.values():
            olds = [old.value.upper() for old, new in historical.items() if new == value]
            return _("%(label)s (y compris l'ancien %(old)s)") % {
                "label": label,
                "old": ", ".join(olds),
            }
    return label


def towards(title: str) -> str:
    """ "le CHRS Les Augustins", "le CHU La Passerelle": the article before an acronym."""
    first = title.split(" ", 1)[0]
    return _("le %(title)s") % {"title": title} if first.isupper() and len(first) > 1 else title


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
    ("by_organisation", gettext_lazy("Par organisation"), None),
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


def breakdown_tables(
    establishment: EstablishmentFigures, columns=None, organisations=None
) -> list[dict]:
    columns = columns_for(establishment.total) if columns is None else columns
    organisations = organisations or {}
    tables = []
    for attribute, caption, choices in BREAKDOWNS:
        groups = {
            key: figures for key, figures in getattr(establishment, attribute).items()
            if figures.processed
        }  # fmt: skip

        def label(key, choices=choices):
            if choices is None:
                return organisations.get(key, (str(key),))[0]
            return _breakdown_label(choices, key)

        rows = [
            {
                "label": label(key),
                "share": Figures.share(figures.processed, establishment.total.processed),
                "counts": counts(figures, columns),
            }
            for key, figures in sorted(
                groups.items(), key=lambda item: (-item[1].processed, label(item[0]))
            )
        ]
        tables.append({"slug": attribute, "caption": caption, "rows": rows, "columns": columns})
    return tables


def _when(period) -> str:
    """ "en 2019", or "du 01/03/2023 au 31/03/2023" for a range of dates."""
    if getattr(period, "is_year", True):
        return _("en %(year)s") % {"year": period}
    return _("du %(start)s au %(end)s") % {
        "start": f"{period.start:%d/%m/%Y}",
        "end": f"{period.end:%d/%m/%Y}",
    }


def summary_sentence(period, figures: Figures, titles: dict) -> str:
    """The report's paragraph, written from the figures (`period`: a `Period` or a year)."""
    if not figures.processed:
        return _("Aucune demande n'a reçu de décision %(when)s.") % {"when": _when(period)}

    def plural(singular, many, n, **more):
        return ngettext(singular, many, n) % {"n": n, **more}

    text = _("%(when)s, %(processed)s : %(favourable)s et %(unfavourable)s.") % {
        "when": _when(period).capitalize(),
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


def flow_lines(figures: Figures) -> list[Line]:
    """What came in and what closed without an opinion in the period."""
    lines = [
        Line(_("Demandes reçues"), figures.received),
        Line(
            _("Demandes reçues par réorientation interne (comptées à part)"),
            figures.received_by_reorientation,
        ),
        Line(
            _("dont encore sans décision à la fin de la période"),
            figures.pending,
            Figures.share(figures.pending, figures.received + figures.received_by_reorientation),
            _("des demandes reçues"),
            2,
        ),
        Line(_("Demandes retirées par l'orienteur"), figures.withdrawn),
        Line(_("Demandes expirées (informations non reçues)"), figures.expired),
        Line(_("Demandes closes faute de décision"), figures.closed_unanswered),
        Line(
            _("Réorientées avant tout avis (hors demandes traitées)"),
            figures.reoriented_before_decision,
        ),
    ]
    return lines


def justice_lines(figures: Figures) -> list[Line]:
    of = _("public justice")
    return [
        Line(
            _("Parmi les demandes reçues"),
            figures.received_justice,
            figures.justice_share_received,
            of,
        ),
        Line(
            _("Parmi les demandes traitées"),
            figures.processed_justice,
            figures.justice_share_processed,
            of,
        ),
        Line(_("Parmi les arrivées"), figures.arrived_justice, figures.justice_share_arrived, of),
    ]


def stay_lines(stays: StayFigures) -> list[dict]:
    """(label, value as text) for the stays of the period, as the report words them."""

    def number(value, digits=0):
        return "—" if value is None else number_format(value, digits)

    def percent(value):
        return "—" if value is None else f"{number_format(round(value), 0)} %"

    lines = [
        (_("Personnes hébergées"), number(stays.hosted)),
        (_("Nouvelles entrées"), number(stays.new_entries)),
        (_("Sorties"), number(stays.exits)),
        (_("Durée moyenne de séjour (mois)"), number(stays.average_stay_months, 1)),
        (_("Âge moyen à l'arrivée"), number(stays.average_age, 1)),
        (_("Moins de 26 ans à l'arrivée"), percent(stays.young_share)),
        (_("Public justice"), percent(stays.justice_share)),
        (_("Sorties positives"), f"{stays.positive_exits} ({percent(stays.positive_share)})"),
        (
            _("dont avec un logement autonome"),
            f"{stays.positive_housing} ({percent(stays.positive_housing_share)})",
        ),
        (
            _("dont avec un emploi ou une formation"),
            f"{stays.positive_work} ({percent(stays.positive_work_share)})",
        ),
    ]
    for measure in stays.measures.values():
        lines += [
            (
                _("%(measure)s : personnes accompagnées") % {"measure": measure.label},
                f"{measure.people} ({percent(measure.entries_share(stays))} "
                + str(_("des nouvelles entrées"))
                + ")",
            ),
            (
                _("dont mesure menée à son terme"),
                f"{measure.completed} ({percent(measure.completed_share)})",
            ),
            (
                _("dont en emploi à la sortie"),
                f"{measure.employed} ({percent(measure.employed_share)})",
            ),
        ]
    return [{"label": label, "value": value} for label, value in lines]


def _days(value) -> str:
    return "—" if value is None else number_format(value, 1)


def delay_lines(delays: Delays) -> list[dict]:
    return [
        {
            "label": _("De la transmission à la décision"),
            "median": _days(delays.decision_median),
            "p90": _days(delays.decision_p90),
            "n": delays.decision_n,
        },
        {
            "label": _("De la décision à l'arrivée"),
            "median": _days(delays.arrival_median),
            "p90": _days(delays.arrival_p90),
            "n": delays.arrival_n,
        },
    ]


# --- charts: server-rendered SVG, each with its numbers in a table -----------------------------

CHART_WIDTH = 640
CHART_HEIGHT = 200
MONTHS = [
    gettext_lazy("janv."),
    gettext_lazy("févr."),
    gettext_lazy("mars"),
    gettext_lazy("avr."),
    gettext_lazy("mai"),
    gettext_lazy("juin"),
    gettext_lazy("juil."),
    gettext_lazy("août"),
    gettext_lazy("sept."),
    gettext_lazy("oct."),
    gettext_lazy("nov."),
    gettext_lazy("déc."),
]


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


def _as_text(bar: dict) -> dict:
    """A bar's numbers as the SVG writes them: text, so that the template does not localise
    each of them (a page holds thousands)."""
    return {key: str(value) if isinstance(value, int) else value for key, value in bar.items()}


def bar_chart(items: list[tuple[str, int]], horizontal: bool = False) -> dict:
    """Geometry of a bar chart (vertical bars, or horizontal for a funnel)."""
    top = max((value for _label, value in items), default=0) or 1
    bars = []
    if horizontal:
        height = 28
        for index, (label, value) in enumerate(items):
            width = round((CHART_WIDTH - 260) * value / top)
            bars.append(
                {"label": label, "value": value, "x": 250, "y": index * (height + 8),
                 "width": width, "height": height, "text_x": 256 + width,
                 "text_y": index * (height + 8) + 19}
            )  # fmt: skip
        return {
            "bars": [_as_text(bar) for bar in bars],
            "width": CHART_WIDTH,
            "height": len(items) * (height + 8),
        }
    slot = CHART_WIDTH / max(len(items), 1)
    for index, (label, value) in enumerate(items):
        bar_height = round((CHART_HEIGHT - 40) * value / top)
        bars.append(
            {"label": label, "value": value, "x": round(index * slot + slot * 0.15),
             "width": round(slot * 0.7), "y": CHART_HEIGHT - 20 - bar_height,
             "height": bar_height, "text_x": round(index * slot + slot / 2),
             "text_y": CHART_HEIGHT - 24 - bar_height}
        )  # fmt: skip
    return {"bars": [_as_text(bar) for bar in bars], "width": CHART_WIDTH, "height": CHART_HEIGHT}


def charts(establishment: EstablishmentFigures, months: list[str]) -> list[dict]:
    total = establishment.total
    per_month = [
        (month_label(key), establishment.by_month.get(key, Figures()).processed) for key in months
    ]
    funnel = [
        (str(_("Reçues")), total.received),
        (str(_("Traitées")), total.processed),
        (str(_("Favorables")), total.favourable),
        (str(_("Accueillies")), total.arrived),
    ]
    outcomes = [
        (str(_("Accueillies")), total.arrived),
        (str(_("Réorientées")), total.reoriented),
        (str(_("Absentes")), total.no_show),
        (str(_("Annulées")), total.cancelled),
        (str(_("Suite à venir")), total.awaiting),
    ]
    return [
        {
            "slug": "mois",
            "title": _("Demandes traitées par mois"),
            "description": ", ".join(f"{label} : {value}" for label, value in per_month),
            **bar_chart(per_month),
        },
        {
            "slug": "entonnoir",
            "title": _("De la demande à l'arrivée"),
            "description": ", ".join(f"{label} : {value}" for label, value in funnel),
            **bar_chart(funnel, horizontal=True),
        },
        {
            "slug": "suites",
            "title": _("Suite donnée aux avis favorables"),
            "description": ", ".join(f"{label} : {value}" for label, value in outcomes),
            **bar_chart(outcomes, horizontal=True),
        },
    ]


COMPARED = [
    ("received", gettext_lazy("Demandes reçues")),
    ("processed", gettext_lazy("Demandes traitées")),
    ("favourable", gettext_lazy("Avis favorables")),
    ("unfavourable", gettext_lazy("Avis défavorables")),
    ("arrived", gettext_lazy("Accueillies à la sortie")),
    ("no_show", gettext_lazy("Ne se sont pas présentées")),
]


def comparison_lines(current: Figures, previous: Figures) -> list[dict]:
    lines = []
    for name, label in COMPARED:
        now, before = getattr(current, name), getattr(previous, name)
        lines.append(
            {
                "label": label,
                "current": now,
                "previous": before,
                "gap": f"{now - before:+d}",
                "change": "—" if not before else f"{round(100 * (now - before) / before):+d} %",
            }
        )
    return lines
