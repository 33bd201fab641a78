"""Public forms of the site: the establishment filter and the search box."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import EstablishmentKind, Public
from .departements import departement_label
from .fields import filter_by_codes


class EstablishmentFilterForm(forms.Form):
    departement = forms.ChoiceField(label=_("Département"), required=False)
    public = forms.ChoiceField(
        label=_("Public accueilli"),
        required=False,
        choices=[("", _("Tous les publics")), *Public.choices],
    )
    kind = forms.ChoiceField(
        label=_("Type d'établissement"),
        required=False,
        choices=[("", _("Tous les types")), *EstablishmentKind.choices],
    )

    def __init__(self, *args, departements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [
            ("", _("Tous les départements")),
            *[(code, departement_label(code)) for code in departements],
        ]

    def has_filters(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)

    def filter(self, establishments):
        data = self.cleaned_data
        results = list(establishments)
        if data.get("departement"):
            results = [e for e in results if e.departement == data["departement"]]
        if data.get("kind"):
            results = [e for e in results if e.kind == data["kind"]]
        if data.get("public"):
            results = filter_by_codes(results, "publics", data["public"])
        return results


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher sur le site"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
