"""Forms of the commission's side. They only collect input: rules live in the workflow."""

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from accounts.models import InternalRole, User
from cms.choices import PlaceType
from cms.models import referral_targets
from core.forms import DATE_WIDGET

from .. import choices
from ..choices import Action
from ..models import CommissionSession

DECLINE_TEMPLATES = {
    choices.DeclineReason.NO_PLACE: _(
        "Nous n'avons pas de place disponible à la date demandée. Vous pouvez renouveler la "
        "demande dans un mois, ou solliciter le SIAO de votre département."
    ),
    choices.DeclineReason.OUTSIDE_PUBLIC: _(
        "L'établissement n'accueille pas le public auquel appartient la personne. Un autre "
        "établissement de L'Îlot ou le SIAO pourra mieux répondre à sa situation."
    ),
    choices.DeclineReason.NEEDS_BEYOND: _(
        "Les besoins de la personne, notamment d'accompagnement, dépassent ce que l'équipe peut "
        "assurer aujourd'hui. Nous restons disponibles pour en parler."
    ),
    choices.DeclineReason.INCOMPLETE: _(
        "Malgré notre demande, le dossier reste incomplet : la commission n'a pas pu l'étudier. "
        "Vous pouvez déposer une nouvelle demande complète."
    ),
    choices.DeclineReason.PERSON_DECLINED: _(
        "La personne nous a fait savoir qu'elle ne souhaitait plus cette orientation."
    ),
    choices.DeclineReason.DUPLICATE: _(
        "Cette demande fait doublon avec une autre demande en cours pour la même personne."
    ),
    choices.DeclineReason.OTHER: "",
}


def sessions_of(establishment_id, upcoming_only=False):
    sessions = CommissionSession.objects.filter(establishment_id=establishment_id)
    if upcoming_only:
        sessions = sessions.filter(date__gte=timezone.localdate())
    return sessions.order_by("-date")


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session):
        return session.date.strftime("%d/%m/%Y")


class DecisionMixin(forms.Form):
    """Where the decision is taken: in a session, or urgently with a justification."""

    session = SessionChoiceField(
        label=_("Séance de commission"),
        queryset=CommissionSession.objects.none(),
        required=False,
        empty_label=_("— Hors séance (urgence) —"),
    )
    urgent_justification = forms.CharField(
        label=_("Justification de l'urgence (décision hors séance)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral
        self.fields["session"].queryset = sessions_of(referral.target_id)
        if referral.session_id:
            self.fields["session"].initial = referral.session_id


class ReferralFormBase(forms.Form):
    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral


class RequestInfoForm(ReferralFormBase):
    message = forms.CharField(
        label=_("Informations demandées au partenaire"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


class ScheduleForm(ReferralFormBase):
    session = SessionChoiceField(
        label=_("Séance de commission"),
        queryset=CommissionSession.objects.none(),
        empty_label=_("— Choisir —"),
        help_text=_("Pas de séance prévue ? Créez-la depuis « Séances de commission »."),
    )
    comment = forms.CharField(label=_("Commentaire (facultatif)"), required=False, max_length=500)

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, referral=referral, **kwargs)
        self.fields["session"].queryset = sessions_of(referral.target_id, upcoming_only=True)


class AcceptForm(DecisionMixin):
    planned_admission_date = forms.DateField(label=_("Date d'admission prévue"), widget=DATE_WIDGET)
    place_type = forms.ChoiceField(label=_("Type de place"), choices=PlaceType.choices)
    conditions = forms.CharField(
        label=_("Conditions (facultatif, lues par le partenaire)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    field_order = [
        "planned_admission_date",
        "place_type",
        "conditions",
        "session",
        "urgent_justification",
    ]

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, referral=referral, **kwargs)
        if referral.release_date:
            self.fields["planned_admission_date"].initial = referral.release_date


class DeclineForm(DecisionMixin):
    reason = forms.ChoiceField(
        label=_("Motif"),
        choices=[("", _("— Choisir —")), *choices.DeclineReason.choices],
        widget=forms.Select(attrs={"data-decline-reason": ""}),
    )
    message = forms.CharField(
        label=_("Message au partenaire"),
        widget=forms.Textarea(attrs={"rows": 5, "data-decline-message": ""}),
        max_length=5000,
        help_text=_(
            "Chaque décision s'explique. Un message type est proposé pour chaque motif : "
            "adaptez-le à la situation."
        ),
    )
    field_order = ["reason", "message", "session", "urgent_justification"]


class ReorientForm(DecisionMixin):
    new_target = forms.ModelChoiceField(
        label=_("Réorienter vers"), queryset=Page.objects.none(), empty_label=_("— Choisir —")
    )
    message = forms.CharField(
        label=_("Message (lu par le partenaire et par l'autre commission)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    field_order = ["new_target", "message", "session", "urgent_justification"]

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, referral=referral, **kwargs)
        ids = [p.pk for p in referral_targets() if p.pk != referral.target_id]
        self.fields["new_target"].queryset = Page.objects.filter(pk__in=ids).order_by("title")
        self.fields["new_target"].label_from_instance = lambda page: page.title


class ArrivalForm(ReferralFormBase):
    arrival_date = forms.DateField(label=_("Date d'arrivée"), widget=DATE_WIDGET)
    comment = forms.CharField(label=_("Commentaire (facultatif)"), required=False, max_length=500)

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, referral=referral, **kwargs)
        self.fields["arrival_date"].initial = timezone.localdate()


class NoShowForm(ReferralFormBase):
    day_centre_contact_date = forms.DateField(
        label=_("Venue ensuite à l'accueil de jour le (facultatif)"),
        required=False,
        widget=DATE_WIDGET,
    )
    comment = forms.CharField(label=_("Commentaire (facultatif)"), required=False, max_length=500)


class CancelForm(ReferralFormBase):
    reason = forms.ChoiceField(
        label=_("Motif"), choices=[("", _("— Choisir —")), *choices.CancelReason.choices]
    )
    comment = forms.CharField(label=_("Commentaire (facultatif)"), required=False, max_length=500)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note interne"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class DayCentreForm(forms.Form):
    day_centre_contact_date = forms.DateField(
        label=_("Venue à l'accueil de jour le"), widget=DATE_WIDGET
    )


class SessionForm(forms.ModelForm):
    class Meta:
        model = CommissionSession
        fields = ["establishment", "date", "members_present", "minutes"]
        widgets = {
            "date": DATE_WIDGET,
            "members_present": forms.CheckboxSelectMultiple,
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = Page.objects.filter(
            pk__in=[p.pk for p in establishments]
        ).order_by("title")
        self.fields["establishment"].label_from_instance = lambda page: page.title
        establishment_ids = [p.pk for p in establishments]
        if self.instance.pk:
            establishment_ids = [self.instance.establishment_id]
            self.fields["establishment"].disabled = True
        self.fields["members_present"].queryset = (
            User.objects.filter(
                memberships__is_active=True,
                memberships__internal_roles__establishment_id__in=establishment_ids,
                memberships__internal_roles__role__in=[
                    InternalRole.Role.COMMISSION_MEMBER,
                    InternalRole.Role.HEAD,
                ],
            )
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["minutes"].help_text = _(
            "Ce compte rendu peut être communiqué aux personnes concernées qui le demandent."
        )


class BatchForm(forms.Form):
    ACTIONS = [(Action.SCHEDULE, Action.SCHEDULE.label), (Action.DECLINE, Action.DECLINE.label)]

    referrals = forms.MultipleChoiceField(choices=[], required=True)
    action = forms.ChoiceField(label=_("Action groupée"), choices=ACTIONS)
    session = forms.ModelChoiceField(
        label=_("Séance"),
        queryset=CommissionSession.objects.none(),
        required=False,
        empty_label=_("— Aucune —"),
    )
    reason = forms.ChoiceField(
        label=_("Motif (avis défavorable)"),
        choices=[("", "—"), *choices.DeclineReason.choices],
        required=False,
    )
    message = forms.CharField(
        label=_("Message au partenaire (avis défavorable)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    urgent_justification = forms.CharField(
        label=_("Justification si hors séance"), required=False, max_length=1000
    )

    def __init__(self, *args, referral_ids, establishment_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referrals"].choices = [(str(pk), str(pk)) for pk in referral_ids]
        self.fields["referrals"].error_messages["required"] = _(
            "Cochez au moins une demande dans la liste."
        )
        recent = timezone.localdate() - timedelta(days=7)
        self.fields["session"].queryset = (
            CommissionSession.objects.filter(
                Q(establishment_id__in=establishment_ids), date__gte=recent
            )
            .select_related("establishment")
            .order_by("date")
        )
        self.fields["session"].label_from_instance = lambda s: str(s)
