"""The statistics pages: the commission's and management's (`/commission/bilan/`), the
partner's (`/orientations/statistiques/`), and their CSV and XLSX exports. Who may read which
figures is decided in `referrals.permissions`; what each figure counts, in `definitions`."""

import hashlib
import hmac

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import csv_response, xlsx_response

from .. import journal
from ..documents.pdf import pdf_response, render_pdf
from ..models import FunderIndicator, Referral
from ..permissions import (
    SMALL_NUMBER,
    actor_for,
    figures_establishments,
    manages_indicators,
    partner_figures_organisation,
)
from .definitions import (
    DEFINITIONS,
    MAX_PERIOD_DAYS,
    EstablishmentFigures,
    Figures,
    Period,
    PeriodFigures,
    indicator_result,
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
    if export in ROW_EXPORTS:
        if not actor.is_management:
            raise Http404  # the row-level export is management's only
        journal.record(
            actor, journal.Kind.EXPORT, what="figures-rows", period=str(period), format=export
        )
        return _row_export(period, ids, export)
    if export in ("csv", "xlsx"):
        journal.record(
            actor, journal.Kind.EXPORT, what="figures", period=str(period), format=export
        )
        return _export(result, export)
    if export == "pdf":
        if not chosen:
            raise Http404  # the printable summary is one establishment's
        journal.record(
            actor, journal.Kind.EXPORT, what="figures", period=str(period), format=export
        )
        return _summary_pdf(request, result, period)
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
    indicators = {}
    if period.is_year:
        for indicator in FunderIndicator.objects.filter(
            year=period.start.year, programme_id__in=[e.id for e in result.establishments]
        ):
            indicators.setdefault(indicator.programme_id, []).append(indicator)
    context.update(
        {
            "rows_csv_query": _query(**base, format="lignes-csv"),
            "rows_xlsx_query": _query(**base, format="lignes-xlsx"),
            "period": period,
            "year": period.start.year,
            "result": result,
            "overview": _overview(result, months) if len(result.establishments) > 1 else None,
            "previous": previous,
            "sections": [
                {
                    **_section(establishment, result, previous, months, indicators),
                    "pdf_query": _query(
                        **{**base, "establishment": establishment.id}, format="pdf"
                    ),
                }
                for establishment in result.establishments
            ],
            "manages_indicators": manages_indicators(actor),
            "csv_query": _query(**base, format="csv"),
            "xlsx_query": _query(**base, format="xlsx"),
            "print_query": _query(**base),
        }
    )
    return render(request, "referrals/figures.html", context)


def _summary_pdf(request, result: PeriodFigures, period: Period):
    """The establishment's one-page summary for the board and the funders, as PDF."""
    establishment = result.establishments[0]
    section = _section(establishment, result, None, period.months(), {})
    content = render_pdf(
        "referrals/figures_summary_pdf.html",
        {"period": period, "s": section, "e": establishment, "today": timezone.localdate()},
        request=request,
    )
    return pdf_response(content, f"bilan-{establishment.id}-{period.start:%Y%m%d}.pdf")


def _section(establishment, result: PeriodFigures, previous, months, indicators) -> dict:
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
        "indicators": [
            indicator_result(indicator, establishment.stays)
            for indicator in indicators.get(establishment.id, [])
        ],
    }


def _overview(result: PeriodFigures, months) -> dict:
    total = result.total
    columns = columns_for(total)
    association = EstablishmentFigures(
        0, _("L'Îlot"), total=total, by_month=result.breakdown("by_month")
    )
    return {
        "charts": charts(association, months) if total.processed or total.received else [],
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


# --- row-level export, pseudonymised (management) --------------------------------------------

ROW_EXPORTS = ("lignes-csv", "lignes-xlsx")
AGE_BANDS = [(0, 25, "18–25 ans"), (26, 35, "26–35 ans"), (36, 45, "36–45 ans"),
             (46, 55, "46–55 ans"), (56, 200, "56 ans et plus")]  # fmt: skip


def pseudonym(referral_id) -> str:
    """A stable pseudonym (keyed hash of the referral's id): the same file keeps the same
    pseudonym from one export to the next, and nothing leads back to the person."""
    digest = hmac.new(settings.SECRET_KEY.encode(), str(referral_id).encode(), hashlib.sha256)
    return "P-" + digest.hexdigest()[:12]


def age_band(birth_date, on) -> str:
    if birth_date is None or on is None:
        return ""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def _rows_of(period: Period, ids):
    """One line per referral received in the period: no name, no birth date, no free text;
    an age band at the submission and months instead of dates."""
    yield [
        _("Pseudonyme"),
        _("Établissement"),
        _("Type d'orienteur"),
        _("Type de demande"),
        _("Situation judiciaire"),
        _("Genre"),
        _("Tranche d'âge"),
        _("Mois de transmission"),
        _("Statut"),
        _("Motif"),
        _("Réorientée depuis"),
    ]
    start, end = period.bounds()
    queryset = Referral.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    if ids is not None:
        queryset = queryset.filter(target_id__in=ids)
    rows = queryset.order_by("submitted_at", "pk").values_list(
        "pk",
        "target__title",
        "organisation__kind",
        "referral_type",
        "judicial_situation",
        "gender",
        "birth_date",
        "submitted_at",
        "status",
        "decline_reason",
        "cancel_reason",
        "reoriented_from_id",
    )
    for (pk, title, kind, kind_of_request, situation, gender, birth, submitted, status,
         decline, cancel, origin) in rows.iterator(chunk_size=2000):  # fmt: skip
        local = timezone.localtime(submitted).date()
        yield [
            pseudonym(pk),
            title,
            kind,
            kind_of_request,
            situation,
            gender,
            age_band(birth, local),
            f"{local:%Y-%m}",
            status,
            decline or cancel,
            pseudonym(origin) if origin else "",
        ]


def _row_export(period: Period, ids, export: str):
    filename = f"orientations-pseudonymisees-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if export == "lignes-xlsx":
        return xlsx_response(f"{filename}.xlsx", _rows_of(period, ids), title=_("Orientations"))
    return csv_response(f"{filename}.csv", _rows_of(period, ids))


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


# --- funders' indicators (management) ---------------------------------------------------------


class IndicatorChoiceForm(forms.Form):
    programme = forms.TypedChoiceField(label=gettext_lazy("Programme ou établissement"), coerce=int)
    year = forms.IntegerField(label=gettext_lazy("Année"), min_value=FIRST_YEAR, max_value=2100)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = programmes


IndicatorFormSet = forms.modelformset_factory(
    FunderIndicator,
    fields=["order", "label", "measure", "unit", "objective", "manual_result"],
    extra=3,
    can_delete=True,
)


@login_required
def indicators_view(request):
    """Management sets, per programme and year, the funders' indicators and objectives."""
    actor = actor_for(request)
    if not manages_indicators(actor):
        raise Http404
    programmes = figures_establishments(actor)
    choice = IndicatorChoiceForm(
        request.GET or {"year": timezone.localdate().year}, programmes=programmes
    )
    context = {"choice": choice}
    if not choice.is_valid():
        return render(request, "referrals/indicators.html", context)
    programme = choice.cleaned_data["programme"]
    year = choice.cleaned_data["year"]
    queryset = FunderIndicator.objects.filter(programme_id=programme, year=year)
    formset = IndicatorFormSet(request.POST or None, queryset=queryset)
    if request.method == "POST" and formset.is_valid():
        instances = formset.save(commit=False)
        for indicator in instances:
            indicator.programme_id, indicator.year = programme, year
            indicator.updated_by = request.user
            indicator.full_clean()
            indicator.save()
        for indicator in formset.deleted_objects:
            indicator.delete()
        messages.success(request, _("Les indicateurs sont enregistrés."))
        return redirect(f"{request.path}?{_query(programme=programme, year=year)}")
    context.update({"formset": formset, "programme": programme, "year": year})
    return render(request, "referrals/indicators.html", context)
