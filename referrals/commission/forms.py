"""Forms of the commission's side. They only collect input: rules live in the workflow."""

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from accounts.models import InternalRole, User
from cms.choices import PlaceType
from cms.models import referral_targets
from core.forms import DATE_WIDGET

from .. import choices
from ..choices import MEASURE_SITUATIONS, Action
from ..models import CommissionSession
from ..targets import place_capacity, place_types_of

# Who reads a free-text field: said in its label, so that nobody writes an internal remark where
# the partner reads it (internal remarks go to the internal notes).
FOR_PARTNER = _("lu par le partenaire")
INTERNAL = _("interne à la commission")
INTERNAL_NOTES_HINT = _(
    "Ce commentaire figure dans l'historique que le partenaire consulte. Une remarque interne "
    "va dans les notes internes de la commission."
)

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


# How far back a decision form offers the sessions already held.
DECISION_SESSIONS_DAYS = 60


def upcoming_sessions(establishment_id):
    """Sessions to schedule a referral in: today's and later ones, soonest first."""
    return (
        CommissionSession.objects.filter(
            establishment_id=establishment_id, date__gte=timezone.localdate()
        )
        .select_related("establishment")
        .order_by("date")
    )


def held_sessions(establishment_id):
    """Sessions a decision may be filed under: held today or lately, the latest first."""
    today = timezone.localdate()
    return (
        CommissionSession.objects.filter(
            establishment_id=establishment_id,
            date__lte=today,
            date__gte=today - timedelta(days=DECISION_SESSIONS_DAYS),
        )
        .select_related("establishment")
        .order_by("-date")
    )


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session):
        return f"{session.date:%d/%m/%Y} — {session.establishment.title}"


def _labelled(label, reader):
    return format_lazy("{} ({})", label, reader)


class DecisionMixin(forms.Form):
    """Where the decision is taken: in a session, or urgently with a justification."""

    session = SessionChoiceField(
        label=_("Séance de commission"),
        queryset=CommissionSession.objects.none(),
        required=False,
        empty_label=_("— Hors séance (urgence) —"),
    )
    urgent_justification = forms.CharField(
        label=_labelled(_("Justification de l'urgence (décision hors séance)"), INTERNAL),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_("Obligatoire hors séance ; conservée dans l'historique de la commission."),
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral
        held = held_sessions(referral.target_id)
        self.fields["session"].queryset = held
        self.scheduled_later = None
        if referral.session_id:
            if any(s.pk == referral.session_id for s in held):
                self.fields["session"].initial = referral.session_id
            elif referral.session.date > timezone.localdate():
                self.scheduled_later = referral.session
                self.fields["session"].help_text = _(
                    "La demande est inscrite à la séance du %(date)s, qui n'a pas encore eu "
                    "lieu : la décision en séance s'enregistrera ce jour-là. Pour décider "
                    "maintenant, laissez « Hors séance (urgence) » et justifiez l'urgence."
                ) % {"date": referral.session.date.strftime("%d/%m/%Y")}
        if not self.fields["session"].help_text:
            self.fields["session"].help_text = _(
                "Seules les séances déjà tenues (aujourd'hui ou avant) sont proposées."
            )


class ReferralFormBase(forms.Form):
    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral


class RequestInfoForm(ReferralFormBase):
    message = forms.CharField(
        label=_labelled(_("Informations demandées au partenaire"), FOR_PARTNER),
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
    comment = forms.CharField(
        label=_labelled(_("Commentaire (facultatif)"), FOR_PARTNER),
        required=False,
        max_length=500,
        help_text=INTERNAL_NOTES_HINT,
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, referral=referral, **kwargs)
        upcoming = upcoming_sessions(referral.target_id)
        self.fields["session"].queryset = upcoming
        if referral.session_id and any(s.pk == referral.session_id for s in upcoming):
            self.fields["session"].initial = referral.session_id
        elif upcoming:
            self.fields["session"].initial = upcoming[0].pk


class AcceptForm(DecisionMixin):
    planned_admission_date = forms.DateField(label=_("Date d'admission prévue"), widget=DATE_WIDGET)
    place_type = forms.ChoiceField(label=_("Type de place"), choices=PlaceType.choices)
    conditions = forms.CharField(
        label=_labelled(_("Conditions (facultatif)"), FOR_PARTNER),
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
        offered = place_types_of(referral.target_id)
        if offered:
            self.fields["place_type"].choices = [
                (code, label) for code, label in PlaceType.choices if code in offered
            ]
            self.fields["place_type"].help_text = _(
                "Les types de places que l'établissement publie sur sa page."
            )


class DeclineForm(DecisionMixin):
    reason = forms.ChoiceField(
        label=_("Motif"),
        choices=[("", _("— Choisir —")), *choices.DeclineReason.choices],
        widget=forms.Select(attrs={"data-decline-reason": ""}),
    )
    message = forms.CharField(
        label=_labelled(_("Message au partenaire"), FOR_PARTNER),
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
        label=_("Réorienter vers"),
        queryset=Page.objects.none(),
        empty_label=_("— Choisir —"),
        help_text=_(
            "Seuls les établissements et programmes qui acceptent ce type de demande sont "
            "proposés, avec leur public et leurs places."
        ),
    )
    message = forms.CharField(
        label=_labelled(_("Message"), _("lu par le partenaire et par l'autre commission")),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    field_order = ["new_target", "message", "session", "urgent_justification"]

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, referral=referral, **kwargs)
        pages = {
            p.pk: p for p in referral_targets(referral.referral_type) if p.pk != referral.target_id
        }
        self.fields["new_target"].queryset = Page.objects.filter(pk__in=pages).order_by("title")
        self.fields["new_target"].label_from_instance = lambda page: target_label(pages[page.pk])


def target_label(page) -> str:
    """An establishment or programme as a re-orientation offers it: its public and places."""
    parts = [page.title]
    publics = page.get_publics_display()
    if publics:
        parts.append(", ".join(str(p) for p in publics))
    places = place_capacity(page)
    if places:
        parts.append(
            ", ".join(f"{PlaceType(code).label} : {count}" for code, count in places.items())
        )
    return " — ".join(parts)


def _partner_comment():
    return forms.CharField(
        label=_labelled(_("Commentaire (facultatif)"), FOR_PARTNER),
        required=False,
        max_length=500,
        help_text=INTERNAL_NOTES_HINT,
    )


class ArrivalForm(ReferralFormBase):
    arrival_date = forms.DateField(label=_("Date d'arrivée"), widget=DATE_WIDGET)
    comment = _partner_comment()

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, referral=referral, **kwargs)
        self.fields["arrival_date"].initial = timezone.localdate()


class NoShowForm(ReferralFormBase):
    day_centre_contact_date = forms.DateField(
        label=_("Venue ensuite à l'accueil de jour le (facultatif)"),
        required=False,
        widget=DATE_WIDGET,
    )
    comment = _partner_comment()


class CancelForm(ReferralFormBase):
    reason = forms.ChoiceField(
        label=_("Motif"), choices=[("", _("— Choisir —")), *choices.CancelReason.choices]
    )
    comment = _partner_comment()


YES_NO = [("", _("— Choisir —")), ("oui", _("Oui")), ("non", _("Non"))]


class DepartureFields(forms.Form):
    """The departure of a stay: date, coded exit, situation at exit, the measure's end."""

    departure_date = forms.DateField(
        label=_("Date de sortie de l'établissement"), widget=DATE_WIDGET
    )
    exit_kind = forms.ChoiceField(
        label=_("Type de sortie"),
        choices=[("", _("— Choisir —")), *choices.ExitKind.choices],
        help_text=_(
            "Une sortie vers un logement, un autre hébergement, un emploi ou une formation compte "
            "comme « sortie positive » dans le bilan."
        ),
    )
    exit_employment = forms.BooleanField(label=_("En emploi à la sortie"), required=False)
    exit_training = forms.BooleanField(label=_("En formation à la sortie"), required=False)
    measure_completed = forms.TypedChoiceField(
        label=_("La mesure a-t-elle été menée à son terme ?"),
        choices=YES_NO,
        coerce=lambda value: value == "oui",
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, stay, **kwargs):
        super().__init__(*args, **kwargs)
        self.stay = stay
        if stay is None or not stay.measure:
            del self.fields["measure_completed"]
        else:
            self.fields["measure_completed"].required = True
            self.fields["measure_completed"].help_text = _("Mesure suivie : %(m)s.") % {
                "m": stay.get_measure_display()
            }


class DepartureForm(DepartureFields):
    def __init__(self, *args, referral, **kwargs):
        stay = getattr(referral, "stay", None)
        super().__init__(*args, stay=stay, **kwargs)
        self.referral = referral


MEASURE_CHOICES = [
    ("", _("Aucune mesure pendant le séjour")),
    *[
        (code, label)
        for code, label in choices.current_choices("judicial_situation")
        if code in MEASURE_SITUATIONS
    ],
]


class StayWithoutReferralForm(forms.Form):
    """An "arrivée sans orientation": a resident entered for occupancy and the figures, with
    only what the figures need (no name)."""

    establishment = forms.ModelChoiceField(
        label=_("Établissement"), queryset=Page.objects.none(), empty_label=_("— Choisir —")
    )
    place_type = forms.ChoiceField(
        label=_("Type de place"), choices=[("", _("— Choisir —")), *PlaceType.choices]
    )
    arrival_date = forms.DateField(label=_("Date d'arrivée"), widget=DATE_WIDGET)
    birth_year = forms.IntegerField(
        label=_("Année de naissance"), min_value=1900, max_value=2100, required=False
    )
    gender = forms.ChoiceField(
        label=_("Genre"),
        choices=[("", _("— Non renseigné —")), *choices.Gender.choices],
        required=False,
    )
    measure = forms.ChoiceField(
        label=_("Mesure pendant le séjour"), choices=MEASURE_CHOICES, required=False
    )

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        by_pk = {p.pk: p for p in establishments}
        self.fields["establishment"].queryset = Page.objects.filter(pk__in=by_pk).order_by("title")
        self.fields["establishment"].label_from_instance = lambda page: page.title
        if len(by_pk) == 1:
            self.fields["establishment"].initial = next(iter(by_pk))
        offered = sorted({t for p in establishments for t in place_capacity(p)})
        if offered:
            self.fields["place_type"].choices = [
                ("", _("— Choisir —")),
                *[(code, label) for code, label in PlaceType.choices if code in offered],
            ]


class ProjectionForm(forms.Form):
    """The date at which the queue projects free places."""

    a_la_date = forms.DateField(
        label=_("Places libres projetées au"), required=False, widget=DATE_WIDGET
    )


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
