"""The yearly figures page (`/commission/bilan/`) and its CSV and XLSX exports. Who may read which
establishment's figures is decided in `referrals.permissions`."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Min
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import csv_response, xlsx_response

from .. import journal
from ..models import ReferralEvent
from ..permissions import actor_for, figures_establishments
from .definitions import DECISIONS, TRANSITION, YearlyFigures, yearly_figures
from .report import (
    COLUMNS,
    breakdown_tables,
    columns_for,
    counts,
    decision_lines,
    decline_lines,
    line_tables,
    outcome_lines,
    summary_sentence,
)


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
    allowed = figures_establishments(actor)
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
        export = request.GET.get("format")
        if export in ("csv", "xlsx"):
            journal.record(actor, journal.Kind.EXPORT, what="figures", year=year, format=export)
            return _export(result, export)
        exports = {}
        for export in ("csv", "xlsx"):
            query = QueryDict(mutable=True)
            query.update({"year": year, "establishment": chosen or "", "format": export})
            exports[f"{export}_query"] = query.urlencode()
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
                **exports,
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


def _export_rows(result: YearlyFigures):
    """A long table (one figure per line, decimal commas), for CSV and XLSX."""
    yield [
        _("Année"),
        _("Établissement"),
        _("Regroupement"),
        _("Catégorie"),
        _("Indicateur"),
        _("Nombre"),
        _("Pourcentage"),
        _("Pourcentage de"),
    ]
    everything = _("Ensemble")
    for establishment in result.establishments:
        total = establishment.total
        for line in [*decision_lines(total), *outcome_lines(total, result.titles)]:
            yield (
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
            yield (
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
            yield (
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
                    yield (
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


def _export(result: YearlyFigures, export: str):
    filename = f"bilan-orientations-{result.year}.{export}"
    if export == "xlsx":
        return xlsx_response(
            filename, _export_rows(result), title=_("Bilan %(year)s") % {"year": result.year}
        )
    return csv_response(filename, _export_rows(result))
