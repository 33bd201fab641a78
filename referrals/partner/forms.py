from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cms.models import referral_targets
from core.forms import DATE_WIDGET
from core.uploads import check_document

from .. import choices
from ..models import (
    CONSENT_FIELDS,
    CONTACT_FIELDS,
    JUDICIAL_FIELDS,
    NEEDS_FIELDS,
    PERSON_FIELDS,
    REQUEST_FIELDS,
    Referral,
)


class TargetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, page):
        return page.title


class ReferralForm(forms.ModelForm):
    """Create or edit a draft. `version` guards against two people overwriting each other."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    creation_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    fieldsets = [
        (_("La personne"), PERSON_FIELDS),
        (_("Situation judiciaire"), JUDICIAL_FIELDS),
        (_("La demande"), REQUEST_FIELDS),
        (_("Besoins et souhaits"), NEEDS_FIELDS),
        (_("Accord de la personne"), CONSENT_FIELDS),
        (_("Suivi"), CONTACT_FIELDS),
    ]

    class Meta:
        model = Referral
        fields = (
            PERSON_FIELDS
            + JUDICIAL_FIELDS
            + REQUEST_FIELDS
            + NEEDS_FIELDS
            + CONSENT_FIELDS
            + CONTACT_FIELDS
        )
        widgets = {
            "birth_date": DATE_WIDGET,
            "release_date": DATE_WIDGET,
            "measure_end_date": DATE_WIDGET,
            "consent_date": DATE_WIDGET,
            "wishes": forms.Textarea(attrs={"rows": 4}),
            "housing_need": forms.RadioSelect,
            "employment_need": forms.RadioSelect,
            "ties_need": forms.RadioSelect,
            "gender": forms.RadioSelect,
            "consent_method": forms.RadioSelect,
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        targets = referral_targets()
        self.targets = {page.pk: page for page in targets}
        self.fields["target"] = TargetChoiceField(
            queryset=self.fields["target"].queryset.filter(pk__in=list(self.targets)),
            label=_("Établissement ou programme"),
            empty_label=_("— Choisir —"),
        )
        self.fields["second_contact"].queryset = User.objects.filter(
            memberships__organisation=organisation, memberships__is_active=True
        ).order_by("last_name", "first_name")
        for name in ("gender", "housing_need", "employment_need", "ties_need"):
            # Radio buttons need no empty "---------" choice: nothing checked means no answer.
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        self.fields["consent_method"].choices = choices.ConsentMethod.choices
        for name in choices.HISTORICAL:
            # Today's law only; a value of the former law is refused with its successor's name.
            self.fields[name].choices = [("", "---------"), *choices.current_choices(name)]
            self.fields[name].error_messages["invalid_choice"] = choices.refusal_message(name)
        self.fields["consent_method"].required = False
        self.fields["consent"].help_text = _(
            "Obligatoire pour transmettre la demande. La personne peut retirer son accord à tout "
            "moment ; elle peut demander à lire ce qui est écrit à son sujet."
        )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def grouped(self):
        return [(title, [self[name] for name in names]) for title, names in self.fieldsets]

    def clean(self):
        cleaned = super().clean()
        target = cleaned.get("target")
        referral_type = cleaned.get("referral_type")
        if target and referral_type:
            page = self.targets.get(target.pk)
            if page is None or not page.accepts(referral_type):
                self.add_error(
                    "target",
                    _("« %(target)s » n'accepte pas ce type de demande en ligne.")
                    % {"target": target.title},
                )
        return cleaned


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class AnswerInfoForm(forms.Form):
    message = forms.CharField(
        label=_("Votre réponse à la commission"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif du retrait"), choices=choices.WithdrawReason.choices)
    comment = forms.CharField(
        label=_("Précision (facultatif)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ContestForm(forms.Form):
    message = forms.CharField(
        label=_("Pourquoi contestez-vous cet avis ?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


class ReleaseDateForm(forms.Form):
    release_date = forms.DateField(label=_("Nouvelle date prévue"), widget=DATE_WIDGET)
    comment = forms.CharField(label=_("Précision (facultatif)"), required=False, max_length=300)


class RectificationForm(forms.ModelForm):
    """The person's details of a submitted referral, to correct them (right of rectification)."""

    class Meta:
        model = Referral
        fields = PERSON_FIELDS
        widgets = {"birth_date": DATE_WIDGET}


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de document"), choices=choices.AttachmentKind.choices)
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, JPEG, PNG, ODT ou DOCX, 10 Mo au plus."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DOCUMENT_MAX_UPLOAD_SIZE:
            raise ValidationError(_("Le fichier dépasse 10 Mo."))
        upload.detected_type = check_document(upload)  # the whole content (core.uploads)
        return upload


class MemberChoiceField(forms.ModelChoiceField):
    default_error_messages = {
        "invalid_choice": _(
            "Cette personne n'est pas membre active de votre organisation : rien n'a été "
            "réattribué."
        )
    }

    def label_from_instance(self, user):
        return f"{user} ({user.email})"


class ReassignForm(forms.Form):
    """An organisation admin gives the follow-up of one or many referrals to another member."""

    referrals = forms.ModelMultipleChoiceField(
        label=_("Demandes à réattribuer"),
        queryset=Referral.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une demande.")},
    )
    officer = MemberChoiceField(
        label=_("Nouveau professionnel référent"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— Inchangé —"),
    )
    second_contact = MemberChoiceField(
        label=_("Nouveau second contact"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— Inchangé —"),
    )

    def __init__(self, *args, referrals, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referrals"].queryset = referrals
        self.fields["referrals"].label_from_instance = lambda r: (
            f"{r.reference} — {r.last_name.upper()} {r.first_name} ({r.get_status_display()}, "
            f"{r.target.title}) — {r.officer}"
        )
        self.fields["officer"].queryset = members
        self.fields["second_contact"].queryset = members

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("officer") or cleaned.get("second_contact")):
            raise ValidationError(_("Choisissez le nouveau référent ou le nouveau second contact."))
        return cleaned
