"""The statistics pages: the commission's and management's (`/commission/bilan/`), the
partner's (`/orientations/statistiques/`), and their CSV and XLSX exports. Who may read which
figures is decided in `referrals.permissions`; what each figure counts, in `definitions`."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import csv_response, xlsx_response

from .. import journal
from ..permissions import (
    SMALL_NUMBER,
    actor_for,
    figures_establishments,
    partner_figures_organisation,
)
from .definitions import (
    DEFINITIONS,
    MAX_PERIOD_DAYS,
    Figures,
    Period,
    PeriodFigures,
    period_figures,
)
from .report import (
    COLUMNS,
    breakdown_tables,
    charts,
    columns_for,
    comparison_lines,
    counts,
    decision_lines,
    decline_lines,
    delay_lines,
    flow_lines,
    justice_lines,
    line_tables,
    month_label,
    outcome_lines,
    stay_lines,
    summary_sentence,
)

FIRST_YEAR = 2000


class PeriodForm(forms.Form):
    """A calendar year (by default the current one), or any range of dates up to ten years."""

    year = forms.IntegerField(label=gettext_lazy("Année"), required=False)
    start = forms.DateField(
        label=gettext_lazy("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    compare = forms.BooleanField(
        label=gettext_lazy("Comparer avec la période précédente"), required=False
    )

    def clean_year(self):
        year = self.cleaned_data["year"]
        current = timezone.localdate().year
        if year is not None and not FIRST_YEAR <= year <= current + 1:
            raise forms.ValidationError(
                _("Choisissez une année entre %(first)s et %(last)s.")
                % {"first": FIRST_YEAR, "last": current + 1}
            )
        return year

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if bool(start) != bool(end):
            raise forms.ValidationError(
                _("Indiquez les deux dates de la période, ou seulement une année.")
            )
        if start and end:
            if end < start:
                raise forms.ValidationError(
                    _("La fin de la période (%(end)s) précède son début (%(start)s).")
                    % {"end": f"{end:%d/%m/%Y}", "start": f"{start:%d/%m/%Y}"}
                )
            if (end - start).days + 1 > MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("La période ne peut pas dépasser dix ans."))
            if start.year < FIRST_YEAR:
                raise forms.ValidationError(
                    _("La période ne peut pas commencer avant %(first)s.") % {"first": FIRST_YEAR}
                )
            data["period"] = Period(start, end)
        else:
            data["period"] = Period.year(data.get("year") or timezone.localdate().year)
        return data


class FiguresForm(PeriodForm):
    establishment = forms.TypedChoiceField(
        label=gettext_lazy("Établissement ou programme"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    field_order = ["year", "start", "end", "establishment", "compare"]

    def __init__(self, *args, establishments, allow_all, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(pk, title) for pk, title in establishments]
        if allow_all:
            choices.insert(0, ("", _("Tous")))
        self.fields["establishment"].choices = choices


def _percent(value) -> str:
    return "" if value is None else number_format(value, 1)


def _query(**values) -> str:
    query = QueryDict(mutable=True)
    query.update({key: "" if value is None else value for key, value in values.items()})
    return query.urlencode()


@login_required
def figures_view(request):
    actor = actor_for(request)
    allowed = figures_establishments(actor)
    allowed_ids = [pk for pk, _title in allowed]
    requested = request.GET.get("establishment")
    if requested and (not requested.isdigit() or int(requested) not in allowed_ids):
        raise Http404  # not yours, or no such establishment: a 404, never a 403
    allow_all = actor.is_management or len(allowed) > 1
    data = request.GET.copy()
    if not allow_all and not data.get("establishment") and allowed_ids:
        data["establishment"] = allowed_ids[0]
    form = FiguresForm(data, establishments=allowed, allow_all=allow_all)
    context = {"form": form, "actor": actor, "definitions": DEFINITIONS}
    if not form.is_valid():
        return render(request, "referrals/figures.html", context)
    period = form.cleaned_data["period"]
    chosen = form.cleaned_data["establishment"]
    if chosen:
        ids = [chosen]
    elif actor.is_management:
        ids = None
    else:
        ids = allowed_ids
    result = period_figures(period, ids)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        journal.record(
            actor, journal.Kind.EXPORT, what="figures", period=str(period), format=export
        )
        return _export(result, export)
    previous = None
    if form.cleaned_data["compare"]:
        previous = period_figures(period.previous(), ids, with_stays=False)
    base = {
        "year": period.start.year if period.is_year else "",
        "start": "" if period.is_year else period.start.isoformat(),
        "end": "" if period.is_year else period.end.isoformat(),
        "establishment": chosen or "",
    }
    months = period.months()
    context.update(
        {
            "period": period,
            "year": period.start.year,
            "result": result,
            "overview": _overview(result) if len(result.establishments) > 1 else None,
            "previous": previous,
            "sections": [
                _section(establishment, result, previous, months)
                for establishment in result.establishments
            ],
            "csv_query": _query(**base, format="csv"),
            "xlsx_query": _query(**base, format="xlsx"),
            "print_query": _query(**base),
        }
    )
    return render(request, "referrals/figures.html", context)


def _section(establishment, result: PeriodFigures, previous, months) -> dict:
    total = establishment.total
    before = previous.get(establishment.id) if previous else None
    return {
        "establishment": establishment,
        "summary": summary_sentence(result.period, total, result.titles),
        "tables": line_tables(result.period, total, result.titles),
        "flows": flow_lines(total),
        "justice": justice_lines(total),
        "delays": delay_lines(establishment.delays),
        "stays": stay_lines(establishment.stays) if establishment.stays.hosted else None,
        "charts": charts(establishment, months) if total.processed or total.received else [],
        "breakdowns": breakdown_tables(establishment, organisations=result.organisations),
        "comparison": comparison_lines(total, before.total if before else Figures())
        if previous
        else None,
    }


def _overview(result: PeriodFigures) -> dict:
    total = result.total
    columns = columns_for(total)
    return {
        "columns": columns,
        "rows": [(e, counts(e.total, columns)) for e in result.establishments],
        "total": counts(total, columns),
        "duplicates": total.duplicates,
        "distinct": total.distinct_processed,
        "received": total.received,
        "delays": delay_lines(result.delays),
    }


def _export_rows(result: PeriodFigures):
    """A long table (one figure per line, decimal commas), for CSV and XLSX."""
    yield [
        _("Période"),
        _("Établissement"),
        _("Regroupement"),
        _("Catégorie"),
        _("Indicateur"),
        _("Nombre"),
        _("Pourcentage"),
        _("Pourcentage de"),
    ]
    period = str(result.period)
    everything = _("Ensemble")
    for establishment in result.establishments:
        total = establishment.total

        def row(group, category, label, count, share="", of="", title=establishment.title):
            return [period, title, group, category, str(label), count, share, of]

        for line in [
            *decision_lines(total),
            *outcome_lines(total, result.titles),
            *flow_lines(total),
        ]:
            yield row(
                everything,
                "",
                line.label,
                line.count,
                _percent(line.share),
                line.of if line.share is not None else "",
            )
        for line in justice_lines(total):
            yield row(
                _("Public justice"),
                line.label,
                _("Public justice"),
                line.count,
                _percent(line.share),
                line.of,
            )
        for line in decline_lines(total):
            yield row(
                _("Motifs des avis défavorables"),
                line.label,
                _("Avis défavorables"),
                line.count,
                _percent(line.share),
                line.of,
            )
        for line in delay_lines(establishment.delays):
            yield row(_("Délais (jours)"), line["label"], _("Médiane"), line["median"])
            yield row(_("Délais (jours)"), line["label"], _("90e centile"), line["p90"])
        if establishment.stays.hosted:
            for line in stay_lines(establishment.stays):
                yield row(_("Séjours"), "", line["label"], line["value"])
        for key, figures in sorted(establishment.by_month.items()):
            yield row(_("Par mois"), month_label(key), _("Demandes traitées"), figures.processed)
        for table in breakdown_tables(establishment, COLUMNS, result.organisations):
            for table_row in table["rows"]:
                for (_name, label, _short), count in zip(COLUMNS, table_row["counts"], strict=True):
                    yield row(str(table["caption"]), table_row["label"], label, count)


def _export(result: PeriodFigures, export: str):
    stamp = (
        str(result.year)
        if result.period.is_year
        else (f"{result.period.start:%Y%m%d}-{result.period.end:%Y%m%d}")
    )
    filename = f"bilan-orientations-{stamp}.{export}"
    if export == "xlsx":
        return xlsx_response(
            filename, _export_rows(result), title=_("Bilan %(period)s") % {"period": stamp}
        )
    return csv_response(filename, _export_rows(result))


# --- partners ----------------------------------------------------------------------------------


def suppress(count: int):
    """A partner never sees a count from 1 to SMALL_NUMBER - 1 for a single establishment."""
    return count if count == 0 or count >= SMALL_NUMBER else f"< {SMALL_NUMBER}"


PARTNER_COLUMNS = [
    ("processed", gettext_lazy("Demandes traitées")),
    ("favourable", gettext_lazy("Avis favorables")),
    ("unfavourable", gettext_lazy("Avis défavorables")),
    ("arrived", gettext_lazy("Accueillies")),
    ("reoriented", gettext_lazy("Réorientées")),
    ("no_show", gettext_lazy("Absentes")),
    ("cancelled", gettext_lazy("Annulées")),
]


def partner_figures(period: Period, organisation_id: int) -> dict:
    """What a partner reads: its organisation's outcomes per establishment and per month
    (suppressed under SMALL_NUMBER), and each establishment's usual response time."""
    own = period_figures(period, organisation_id=organisation_id, with_stays=False)
    everyone = period_figures(period, with_stays=False)
    rows = []
    for establishment in own.establishments:
        total = establishment.total
        if not (total.processed or total.received):
            continue
        rows.append(
            {
                "id": establishment.id,
                "title": establishment.title,
                "received": suppress(total.received),
                "counts": [suppress(getattr(total, name)) for name, _label in PARTNER_COLUMNS],
                "values": {name: suppress(getattr(total, name)) for name, _l in PARTNER_COLUMNS},
                "months": [
                    {"month": key, "label": month_label(key), "processed": suppress(f.processed)}
                    for key, f in sorted(establishment.by_month.items())
                    if f.processed
                ],
            }
        )
    own_total = own.total
    delays = []
    for establishment in everyone.establishments:
        d = establishment.delays
        enough = d.decision_n >= SMALL_NUMBER
        delays.append(
            {
                "id": establishment.id,
                "title": establishment.title,
                "median_days": d.decision_median if enough else None,
                "decisions": suppress(d.decision_n),
            }
        )
    return {
        "period": period,
        "establishments": rows,
        "total": {name: getattr(own_total, name) for name, _label in PARTNER_COLUMNS},
        "total_received": own_total.received,
        "response_times": delays,
    }


@login_required
def partner_figures_view(request):
    actor = actor_for(request)
    partner_figures_organisation(actor, request.GET.get("organisation"))
    form = PeriodForm(request.GET or None)
    context = {
        "form": form,
        "small_number": SMALL_NUMBER,
        "definitions": DEFINITIONS,
        "columns": [label for _name, label in PARTNER_COLUMNS],
    }
    if form.is_bound and not form.is_valid():
        return render(request, "referrals/partner_figures.html", context)
    if form.is_bound:
        period = form.cleaned_data["period"]
    else:
        period = Period.year(timezone.localdate().year)
    context["figures"] = partner_figures(period, actor.membership.organisation_id)
    context["organisation"] = actor.organisation
    return render(request, "referrals/partner_figures.html", context)
