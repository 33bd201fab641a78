"""The referral record. Its status only ever changes in referrals.workflow."""

import secrets
import unicodedata
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.choices import PlaceType, ReferralType

from . import choices
from .choices import Status
from .storage import private_storage


class ReferenceCounter(models.Model):
    """One row per year: the last human reference number handed out."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"

    @classmethod
    def next_reference(cls, year: int) -> str:
        with transaction.atomic():
            cls.objects.get_or_create(year=year)
            cls.objects.filter(year=year).update(last=F("last") + 1)
            number = cls.objects.select_for_update().get(year=year).last
        return f"{year}-{number:06d}"


class CommissionSession(models.Model):
    """A meeting of an establishment's admission commission: its agenda is the referrals
    scheduled to it; its decision record, the decisions taken in it."""

    establishment = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("établissement ou programme"),
        on_delete=models.PROTECT,
        related_name="commission_sessions",
    )
    date = models.DateField(_("date de la commission"))
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membres présents"),
        blank=True,
        related_name="commission_sessions",
    )
    minutes = models.TextField(_("compte rendu"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("séance de commission")
        verbose_name_plural = _("séances de commission")
        ordering = ["-date"]
        indexes = [models.Index(fields=["establishment", "-date"])]

    def __str__(self):
        return f"{self.establishment.title} — {self.date:%d/%m/%Y}"


# The referral's fields by theme: the partner's form shows them in this order, a re-orientation
# copies them to the new referral.
PERSON_FIELDS = [
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "contact",
    "location",
    "location_detail",
    "origin_departement",
]
JUDICIAL_FIELDS = ["judicial_situation", "release_date", "measure_end_date"]
REQUEST_FIELDS = ["referral_type", "target", "siao_request_number"]
NEEDS_FIELDS = [
    "housing_need",
    "housing_comment",
    "employment_need",
    "employment_comment",
    "needs_care_support",
    "health_note",
    "ties_need",
    "ties_comment",
    "wishes",
]
CONSENT_FIELDS = ["consent", "consent_date", "consent_method"]
CONTACT_FIELDS = ["second_contact"]


def _normalised(name: str) -> str:
    """Lower case, without accents, hyphens, apostrophes or spaces: « Lefèvre-Dupont » and
    « lefevre dupont » are the same name."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(c for c in decomposed.casefold() if c.isalnum())


def identity_key(last_name: str, first_name: str) -> str:
    """What the duplicate check compares (with the birth date): the normalised names."""
    last, first = _normalised(last_name), _normalised(first_name)
    return f"{last}|{first}" if last and first else ""


# The statuses of the commission queue's open columns (indexed apart, see Referral.Meta).
QUEUE_OPEN_STATUSES = [
    Status.SUBMITTED,
    Status.INFO_REQUESTED,
    Status.UNDER_REVIEW,
    Status.ACCEPTED,
]


class ReferralQuerySet(models.QuerySet):
    def with_list_data(self):
        return self.select_related("organisation", "officer", "target")


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("référence"), max_length=12, unique=True, editable=False)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    status_changed_at = models.DateTimeField(_("statut modifié le"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)
    creation_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    # The person's names compared for duplicates (see `identity_key`): set on save, erased by
    # anonymisation.
    identity_key = models.CharField(max_length=210, blank=True, editable=False, db_index=True)

    # Who refers
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="referrals"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("professionnel référent"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    second_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second contact (même organisation)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # The person: only what the decision needs
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    gender = models.CharField(
        _("genre (tel que la personne le déclare)"), max_length=10, choices=choices.Gender.choices
    )
    contact = models.CharField(
        _("comment joindre la personne"),
        max_length=200,
        blank=True,
        help_text=_("Facultatif : téléphone, adresse e-mail, ou par l'intermédiaire de qui."),
    )
    location = models.CharField(
        _("où se trouve la personne"), max_length=15, choices=choices.Location.choices
    )
    location_detail = models.CharField(
        _("précision sur le lieu"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : centre pénitentiaire d'Amiens."),
    )
    origin_departement = models.CharField(_("département d'origine"), max_length=3, blank=True)

    # Judicial situation and dates
    judicial_situation = models.CharField(
        _("situation judiciaire"), max_length=20, choices=choices.JudicialSituation.choices
    )
    release_date = models.DateField(
        _("date de sortie ou de début de mesure prévue"), null=True, blank=True, db_index=True
    )
    measure_end_date = models.DateField(_("date de fin de mesure"), null=True, blank=True)

    # What is asked, and where
    referral_type = models.CharField(
        _("type de demande"), max_length=30, choices=ReferralType.choices
    )
    target = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("établissement ou programme"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    # CHRS admissions are regulated by the SIAO: its information system (SI-SIAO) numbers the
    # request. Loosely checked: the formats differ between départements.
    siao_request_number = models.CharField(
        _("numéro de demande SI-SIAO"),
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{1,29}$",
                _("Lettres, chiffres, espaces, points, tirets ou barres obliques (2 à 30)."),
            )
        ],
        help_text=_("Pour une orientation par le SIAO : le numéro de la demande dans le SI-SIAO."),
    )

    # Needs on the four pillars
    housing_need = models.CharField(
        _("hébergement / logement"), max_length=20, choices=choices.HousingNeed.choices
    )
    housing_comment = models.CharField(_("précision"), max_length=300, blank=True)
    employment_need = models.CharField(
        _("emploi / formation"), max_length=20, choices=choices.EmploymentNeed.choices
    )
    employment_comment = models.CharField(_("précision"), max_length=300, blank=True)
    needs_care_support = models.BooleanField(
        _("besoin d'un accompagnement aux soins"), default=False
    )
    health_note = models.CharField(
        _("précision"),
        max_length=300,
        blank=True,
        help_text=_("Facultatif et bref : aucun diagnostic, seulement ce qui aide à l'accueil."),
    )
    ties_need = models.CharField(
        _("liens sociaux et familiaux"), max_length=20, choices=choices.TiesNeed.choices
    )
    ties_comment = models.CharField(_("précision"), max_length=300, blank=True)
    wishes = models.TextField(
        _("souhaits de la personne, dans ses mots"), max_length=2000, blank=True
    )

    # Consent
    consent = models.BooleanField(
        _("la personne a donné son accord à cette orientation et au traitement de ses données"),
        default=False,
    )
    consent_date = models.DateField(_("date de l'accord"), null=True, blank=True)
    consent_method = models.CharField(
        _("recueilli"), max_length=10, choices=choices.ConsentMethod.choices, blank=True
    )

    # Decision and outcome (written by the workflow only)
    planned_admission_date = models.DateField(_("date d'admission prévue"), null=True, blank=True)
    place_type = models.CharField(
        _("type de place"), max_length=20, choices=PlaceType.choices, blank=True
    )
    decline_reason = models.CharField(
        _("motif"), max_length=20, choices=choices.DeclineReason.choices, blank=True
    )
    decision_message = models.TextField(_("message de décision"), blank=True)
    contested = models.BooleanField(_("avis contesté"), default=False)
    arrival_date = models.DateField(_("date d'arrivée"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("motif d'annulation"), max_length=20, choices=choices.CancelReason.choices, blank=True
    )
    withdraw_reason = models.CharField(
        _("motif du retrait"), max_length=20, choices=choices.WithdrawReason.choices, blank=True
    )
    session = models.ForeignKey(
        CommissionSession,
        verbose_name=_("séance de commission"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    day_centre_contact_date = models.DateField(
        _("venue à l'accueil de jour le"),
        null=True,
        blank=True,
        help_text=_("Pour une personne qui ne s'est pas présentée : contact ultérieur."),
    )
    reoriented_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reoriented_to",
        verbose_name=_("réorientée depuis"),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymisée le"), null=True, blank=True, editable=False)
    # When the last news was written on it: an event of its history (the retention's aside) or
    # a message. Set by the workflow with the event or message (`workflow._news`), never by
    # save(); never earlier than the last news (a history moved back in time leaves it later,
    # which costs nothing). The work items read only the referrals still open or with news
    # since the horizon through it (`referrals.work.with_work`), not the whole history.
    news_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The facts the figures read (`referrals/facts.py`): derived from the events by the
    # workflow, never edited.
    fact_first_decision_at = models.DateTimeField(null=True, blank=True, editable=False)
    fact_accepted = models.BooleanField(default=False, editable=False)
    fact_declined = models.BooleanField(default=False, editable=False)
    fact_decline_reason = models.CharField(max_length=40, blank=True, editable=False)
    fact_outcome = models.CharField(max_length=40, blank=True, editable=False)
    fact_outcome_at = models.DateTimeField(null=True, blank=True, editable=False)
    fact_outcome_reason = models.CharField(max_length=40, blank=True, editable=False)
    fact_arrival_date = models.DateField(null=True, blank=True, editable=False)
    fact_reoriented_to = models.IntegerField(null=True, blank=True, editable=False)
    fact_day_centre = models.BooleanField(default=False, editable=False)
    fact_reoriented_arrived = models.BooleanField(default=False, editable=False)
    fact_copy_of_accepted = models.BooleanField(default=False, editable=False)
    fact_closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    fact_closing = models.CharField(max_length=40, blank=True, editable=False)
    fact_closing_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(fields=["target", "status"]),
            models.Index(fields=["organisation", "release_date"]),
            # The work items and the badge: the referrals with news since the horizon, of an
            # organisation (partners) or of the establishments (the commission, management).
            models.Index(fields=["organisation", "news_at"], name="referral_news_org_idx"),
            models.Index(fields=["news_at"], name="referral_news_idx"),
            # The commission queue: each open column is sorted by release date and cut at 50,
            # for one establishment or for all (management), and the closed column is the
            # last 30 days' changes. Partial, so that the closed past (most of the table) is
            # never walked.
            models.Index(
                fields=["target", "status", "release_date", "status_changed_at"],
                condition=models.Q(status__in=QUEUE_OPEN_STATUSES),
                name="referral_queue_target_idx",
            ),
            models.Index(
                fields=["status", "release_date", "status_changed_at"],
                condition=models.Q(status__in=QUEUE_OPEN_STATUSES),
                name="referral_queue_all_idx",
            ),
            models.Index(
                fields=["status_changed_at", "target"],
                condition=~models.Q(status__in=[Status.DRAFT, *QUEUE_OPEN_STATUSES]),
                name="referral_queue_closed_idx",
            ),
            # The statistics: referrals received in a period.
            models.Index(fields=["submitted_at"], name="referral_submitted_idx"),
            # ... first decided, and withdrawn / expired / closed, in a period (the facts).
            models.Index(
                fields=["fact_first_decision_at"],
                condition=models.Q(fact_first_decision_at__isnull=False),
                name="referral_fact_decision_idx",
            ),
            models.Index(
                fields=["fact_closing_at"],
                condition=models.Q(fact_closing_at__isnull=False),
                name="referral_fact_closing_idx",
            ),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        if not self.reference:
            self.reference = ReferenceCounter.next_reference(timezone.localdate().year)
        self.identity_key = (
            "" if self.anonymised_at else identity_key(self.last_name, self.first_name)
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "identity_key"}
        elif not self._state.adding and not kwargs.get("force_insert"):
            # The facts (`fact_*`) are written by `facts.refresh` only, `news_at` by the
            # workflow with the news: a copy of the referral loaded before an event or a
            # message never writes back stale values.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and not f.name.startswith("fact_") and f.name != "news_at"
            ]
        super().save(*args, **kwargs)

    @property
    def person_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.birth_date:
            if self.birth_date > today:
                errors["birth_date"] = _("La date de naissance ne peut pas être dans le futur.")
            elif self.birth_date.year < today.year - 100:
                errors["birth_date"] = _("Cette date de naissance n'est pas plausible.")
            elif (today - self.birth_date).days < 16 * 365:
                errors["birth_date"] = _(
                    "La personne doit être majeure ou presque : vérifiez la date de naissance."
                )
        if (
            self.referral_type == ReferralType.SORTIE_SECHE
            and self.release_date
            and self.release_date < today
        ):
            errors["release_date"] = _(
                "Pour une sortie sèche, la date de sortie prévue ne peut pas être passée."
            )
        if (
            self.release_date
            and self.measure_end_date
            and self.measure_end_date < self.release_date
        ):
            errors["measure_end_date"] = _(
                "La fin de mesure ne peut pas précéder la sortie ou le début de mesure."
            )
        if self.consent_date and self.consent_date > today:
            errors["consent_date"] = _("La date de l'accord ne peut pas être dans le futur.")
        if errors:
            raise ValidationError(errors)


class ReferralEvent(models.Model):
    """An immutable line of a referral's history: a transition, or a fact worth tracing."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Création")
        TRANSITION = "transition", _("Changement de statut")
        RELEASE_DATE = "release_date", _("Date de sortie modifiée")
        DOCUMENT = "document", _("Document ajouté")
        OUTCOME = "outcome", _("Suite enregistrée")
        RETENTION = "retention", _("Durée de conservation")
        CORRECTION = "correction", _("Rectification")
        REASSIGNMENT = "reassignment", _("Réattribution du suivi")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    action = models.CharField(max_length=30, choices=choices.Action.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("événement")
        ordering = ["created_at", "pk"]
        indexes = [
            # The statistics: decisions, outcomes and closures of a period, and a referral's
            # transitions in order.
            models.Index(
                fields=["action", "created_at"],
                condition=models.Q(kind="transition"),
                name="event_transition_action_idx",
            ),
            models.Index(fields=["referral", "created_at"], name="event_referral_time_idx"),
        ]

    def __str__(self):
        return f"{self.referral_id} {self.action or self.kind}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Referral events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Referral events are immutable.")


class Message(models.Model):
    """The thread shared by the referring partner and the commission."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.referral_id} {self.created_at:%Y-%m-%d}"


class InternalNote(models.Model):
    """A commission-only note, never shown to partners nor in their API. Like everything
    written about a person, it can be read by that person on request."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="internal_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("note"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("note interne")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.referral_id} {self.created_at:%Y-%m-%d}"


def attachment_path(instance, filename):
    # No personal data in file names: a random name under the referral's id.
    return f"referrals/{instance.referral_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        _("type de document"), max_length=20, choices=choices.AttachmentKind.choices
    )
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.original_name


class AccessLog(models.Model):
    """The access journal: who read which personal data, acting for which organisation, when,
    from where, and every refused attempt. Append-only: on PostgreSQL a trigger refuses UPDATE
    and DELETE except for the retention purge (`referrals.retention`). An entry outlives the
    referral it names (no foreign-key constraint), so that a deleted draft's readers stay known."""

    class Action(models.TextChoices):
        VIEW = "view", _("Consultation")
        DOWNLOAD = "download", _("Téléchargement d'un document")
        API_READ = "api_read", _("Lecture par l'API")
        LIST = "list", _("Liste ou recherche")
        PRINT = "print", _("Document imprimable")
        EXPORT = "export", _("Export")
        ACCESS_EXPORT = "access_export", _("Export du droit d'accès")
        REFUSED = "refused", _("Accès refusé")
        PURGE = "purge", _("Purge de conservation")

    referral = models.ForeignKey(
        Referral,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="accesses",
    )
    # No constraint either: the journal keeps who it was even if the account is deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("accès")
        verbose_name_plural = _("journal des accès")
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "-at"]), models.Index(fields=["referral", "-at"])]

    def __str__(self):
        return f"{self.referral_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Stay(models.Model):
    """A person's stay in an establishment, from the arrival to the departure: what occupancy
    and the activity report's stay figures are computed from.

    A stay is created when the arrival of an accepted referral is recorded (by the workflow), or
    entered by the head of establishment for a resident who arrived before the portal existed
    ("arrivée sans orientation": no referral, and nothing else about the person). The few facts
    the figures need (birth year, gender, justice public) are on every stay: copied from the
    referral at the arrival, or entered with an arrival without referral."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.OneToOneField(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="stay"
    )
    establishment = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("établissement ou programme"),
        on_delete=models.PROTECT,
        related_name="stays",
    )
    place_type = models.CharField(
        _("type de place"), max_length=20, choices=PlaceType.choices, blank=True
    )
    arrival_date = models.DateField(_("date d'arrivée"))
    departure_date = models.DateField(_("date de sortie"), null=True, blank=True)
    exit_kind = models.CharField(
        _("type de sortie"), max_length=30, choices=choices.ExitKind.choices, blank=True
    )
    exit_employment = models.BooleanField(_("en emploi à la sortie"), default=False)
    exit_training = models.BooleanField(_("en formation à la sortie"), default=False)
    # The measure served during the stay (DDSE/PSE, SL, PE, LSC…), if any, and whether it was
    # completed there (unknown until the departure).
    measure = models.CharField(
        _("mesure pendant le séjour"),
        max_length=20,
        choices=choices.JudicialSituation.choices,
        blank=True,
    )
    measure_completed = models.BooleanField(_("mesure menée à son terme"), null=True, blank=True)
    # What the figures need of the person (age, gender, justice public), read without the
    # referral: copied from it at the arrival (`workflow`), entered without one.
    birth_year = models.PositiveSmallIntegerField(_("année de naissance"), null=True, blank=True)
    gender = models.CharField(_("genre"), max_length=10, choices=choices.Gender.choices, blank=True)
    justice_public = models.BooleanField(_("public sous main de justice"), default=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("séjour")
        ordering = ["-arrival_date"]
        indexes = [
            models.Index(fields=["establishment", "arrival_date"]),
            models.Index(
                fields=["establishment", "place_type"],
                condition=models.Q(departure_date__isnull=True),
                name="stay_current_idx",
            ),
            # The stays of a period: those still open or ended since its start (the figures).
            models.Index(fields=["departure_date"], name="stay_departure_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(departure_date__isnull=True)
                | models.Q(departure_date__gte=models.F("arrival_date")),
                name="stay_departure_after_arrival",
            )
        ]

    def __str__(self):
        return f"{self.establishment_id} {self.arrival_date:%Y-%m-%d}"

    @property
    def without_referral(self) -> bool:
        return self.referral_id is None

    @property
    def positive_exit(self) -> bool | None:
        """None while the person is still there."""
        if not self.departure_date:
            return None
        return (
            self.exit_kind in choices.POSITIVE_EXIT_KINDS
            or self.exit_employment
            or self.exit_training
        )


class FunderIndicator(models.Model):
    """An indicator a programme (or establishment) reports to its funders for a year, with its
    objective; the result is computed from the portal's records when it holds the data, or
    entered by hand (and shown as such). Set by management."""

    programme = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("programme ou établissement"),
        on_delete=models.CASCADE,
        related_name="funder_indicators",
    )
    year = models.PositiveSmallIntegerField(_("année"))
    label = models.CharField(_("indicateur"), max_length=200)
    measure = models.CharField(_("calcul"), max_length=20, choices=choices.IndicatorMeasure.choices)
    unit = models.CharField(
        _("unité"),
        max_length=10,
        choices=[("nombre", _("nombre")), ("%", _("%")), ("mois", _("mois"))],
        default="%",
    )
    objective = models.DecimalField(_("objectif"), max_digits=8, decimal_places=1)
    manual_result = models.DecimalField(
        _("résultat saisi"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Seulement pour un indicateur que le portail ne calcule pas."),
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("indicateur des financeurs")
        verbose_name_plural = _("indicateurs des financeurs")
        ordering = ["programme", "year", "order", "pk"]
        indexes = [models.Index(fields=["programme", "year"])]

    def __str__(self):
        return f"{self.label} ({self.year})"

    def clean(self):
        if self.measure == choices.IndicatorMeasure.MANUAL:
            return
        if self.manual_result is not None:
            raise ValidationError(
                {"manual_result": _("Ce résultat est calculé par le portail : laissez vide.")}
            )


def new_certificate_token() -> str:
    return secrets.token_urlsafe(24)


class Certificate(models.Model):
    """An "attestation d'hébergement" handed to the partner once a referral is accepted, for the
    judge. Its random token (never the referral's id) is the key of the public verification page.
    `snapshot` keeps what the PDF printed: `public` (what the verification page may show) and
    `person` (who is housed, printed on the PDF only; erased by anonymisation). Whether it is
    still valid is decided in one place, `referrals.documents.certificates.validity`."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="certificates")
    token = models.CharField(max_length=64, unique=True, default=new_certificate_token)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    snapshot = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("attestation d'hébergement")
        verbose_name_plural = _("attestations d'hébergement")
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return f"{self.referral_id} {self.issued_at:%Y-%m-%d}"


class ReferralSeen(models.Model):
    """When a user last opened a referral's page: the events and messages written after it by
    someone else are unread for them (see `referrals.work`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="seen_by")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lecture d'une orientation")
        constraints = [
            models.UniqueConstraint(fields=["user", "referral"], name="referral_seen_once")
        ]

    def __str__(self):
        return f"{self.referral_id} {self.seen_at:%Y-%m-%d %H:%M}"


class ReferralCount(models.Model):
    """How many referrals an organisation has sent to an establishment, by status: the lists'
    counts by status read these few rows instead of counting the whole history. Kept by
    PostgreSQL triggers on every insert, update and delete of a referral, whatever writes it
    (migration `0017_referral_counts`); SQLite (`make run`) has no trigger and counts the
    referrals themselves (`referrals.counts`)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    target = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("nombre d'orientations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "target", "status"], name="referral_count_once"
            )
        ]

    def __str__(self):
        return f"{self.organisation_id} {self.target_id} {self.status}: {self.n}"
