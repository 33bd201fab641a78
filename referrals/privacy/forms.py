from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import DATE_WIDGET


class PersonForm(forms.Form):
    """Who is asking for their rights: found by name and birth date (POSTed, never in a URL)."""

    last_name = forms.CharField(label=_("Nom"), max_length=100)
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    birth_date = forms.DateField(label=_("Date de naissance"), widget=DATE_WIDGET)


class ErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Je confirme la demande d'effacement : les données qui désignent la personne seront "
            "effacées de ces dossiers, définitivement."
        )
    )


class JournalFilterForm(forms.Form):
    reference = forms.CharField(
        label=_("Référence de l'orientation"), required=False, max_length=12
    )
    user = forms.ModelChoiceField(
        label=_("Utilisateur"), queryset=User.objects.none(), required=False
    )
    start = forms.DateField(label=_("Du"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("Au"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError(_("La date de début est après la date de fin."))
        return cleaned
