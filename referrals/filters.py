import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from accounts.models import User
from cms.choices import ReferralType

from .choices import Status, with_former_values
from .models import Referral


class ReferralFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Nom, prénom ou référence"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Statut"), choices=Status.choices, empty_label=_("Tous")
    )
    referral_type = django_filters.ChoiceFilter(
        label=_("Type de demande"),
        choices=ReferralType.choices,
        empty_label=_("Tous"),
        method="of_type",  # today's type finds the former law's too (DDSE: PSE)
    )
    target = django_filters.ModelChoiceFilter(
        label=_("Établissement ou programme"), queryset=None, empty_label=_("Tous")
    )
    officer = django_filters.ModelChoiceFilter(
        label=_("Professionnel référent"), queryset=User.objects.none(), empty_label=_("Tous")
    )
    release_after = django_filters.DateFilter(
        field_name="release_date",
        lookup_expr="gte",
        label=_("Sortie prévue à partir du"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    release_before = django_filters.DateFilter(
        field_name="release_date",
        lookup_expr="lte",
        label=_("Sortie prévue jusqu'au"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Trier par"),
        fields=[
            ("created_at", "created_at"),
            ("release_date", "release_date"),
            ("status_changed_at", "status_changed_at"),
            ("last_name", "last_name"),
        ],
        field_labels={
            "created_at": _("Date de création"),
            "-created_at": _("Date de création (récentes d'abord)"),
            "release_date": _("Date de sortie"),
            "-release_date": _("Date de sortie (lointaines d'abord)"),
            "status_changed_at": _("Dernier changement"),
            "-status_changed_at": _("Dernier changement (récents d'abord)"),
            "last_name": _("Nom"),
            "-last_name": _("Nom (Z à A)"),
        },
        empty_label=_("Date de création (récentes d'abord)"),
    )

    class Meta:
        model = Referral
        fields = []

    def __init__(self, *args, organisation=None, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["target"].queryset = Page.objects.filter(pk__in=targets or []).order_by(
            "title"
        )
        if organisation is not None:
            self.filters["officer"].queryset = User.objects.filter(
                memberships__organisation=organisation
            ).order_by("last_name", "first_name")
        else:
            del self.filters["officer"]

    def of_type(self, queryset, name, value):
        return queryset.filter(referral_type__in=with_former_values("referral_type", value))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(reference__icontains=value)
        for word in value.split():
            condition |= Q(last_name__icontains=word) | Q(first_name__icontains=word)
        return queryset.filter(condition)


SEARCH_FIELD = "q"
SEARCHING = "recherche"  # in the URL while a name search (kept in the session) applies


def filter_data(request, list_name: str) -> tuple[QueryDict | None, object]:
    """The list's filters from the query string, and the name search from the session.

    Names never travel in URLs (they would land in the access logs of every proxy): the search
    box is POSTed, kept in the session for this list, and the browser is redirected to the
    list's address with the other filters only. Returns (data for the filter, a redirect or
    None)."""
    key = f"referral_search:{list_name}"
    if request.method == "POST":
        request.session[key] = request.POST.get(SEARCH_FIELD, "").strip()[:100]
        query = request.POST.copy()
        for name in (SEARCH_FIELD, "csrfmiddlewaretoken", "page"):
            query.pop(name, None)
        query = _without_empty(query)
        if request.session[key]:
            query[SEARCHING] = "1"
        else:
            query.pop(SEARCHING, None)
        return None, redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    data = request.GET.copy()
    data.pop(SEARCH_FIELD, None)  # an old link with a name: ignored, never echoed
    if SEARCHING in data and request.session.get(key):
        data[SEARCH_FIELD] = request.session[key]
    elif not data:
        request.session.pop(key, None)  # the list's own address clears the search
    return (data or None), None


def _without_empty(query: QueryDict) -> QueryDict:
    kept = QueryDict(mutable=True)
    for name in query:
        values = [v for v in query.getlist(name) if v]
        if values:
            kept.setlist(name, values)
    return kept
