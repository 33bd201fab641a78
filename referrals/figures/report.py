"""The yearly figures in the words of the activity report: its tables, its columns, its summary
paragraph (with French plurals and "le CHRS …"). The figures themselves are defined in
`definitions`."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Organisation
from cms.choices import ReferralType

from ..choices import HISTORICAL, CancelReason, DeclineReason, JudicialSituation
from .definitions import EstablishmentFigures, Figures


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
                "label": _breakdown_label(choices, key),
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
