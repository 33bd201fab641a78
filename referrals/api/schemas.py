"""What the partner API reads and writes. Every field is listed on purpose: a new model field
never shows up in the API until someone decides it may."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from cms.choices import PlaceType, ReferralType

from ..choices import (
    CancelReason,
    ConsentMethod,
    DeclineReason,
    EmploymentNeed,
    Gender,
    HousingNeed,
    JudicialSituation,
    Location,
    Status,
    TiesNeed,
    WithdrawReason,
    current_enum,
)
from ..timeline import event_label


class InputSchema(Schema):
    """What clients send: a text holding a NUL character is refused (422), as the portal's forms
    refuse it (PostgreSQL cannot store it)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_null_character(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("null_character", "Null characters are not allowed.")
        return value


class ErrorOut(Schema):
    detail: str = Field(description="Ce qui s'est passé, en français.")
    errors: dict[str, list[str]] | None = Field(
        None, description="Pour une erreur de validation : les messages, champ par champ."
    )


class OrganisationOut(Schema):
    id: int
    name: str


class PersonOut(Schema):
    """A professional of a partner organisation or of L'Îlot (never a person referred)."""

    name: str
    email: str

    @staticmethod
    def resolve_name(user) -> str:
        return user.get_full_name() or user.email


class TargetOut(Schema):
    id: int = Field(description="Identifiant de la page de l'établissement ou du programme.")
    title: str


def _label(obj, field: str) -> str:
    return str(getattr(obj, f"get_{field}_display")()) if getattr(obj, field) else ""


class ReferralSummaryOut(Schema):
    """One line of the list: what a partner needs to follow its requests."""

    id: UUID
    reference: str
    status: Status
    status_label: str
    status_changed_at: datetime
    referral_type: ReferralType
    referral_type_label: str
    first_name: str
    last_name: str
    release_date: date | None
    organisation: OrganisationOut
    officer: PersonOut
    target: TargetOut
    created_at: datetime
    submitted_at: datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return _label(obj, "status")

    @staticmethod
    def resolve_referral_type_label(obj) -> str:
        return _label(obj, "referral_type")


class DuplicateWarningOut(Schema):
    """A warning, not an error: the draft is created. Another organisation's request is never
    named, only the establishment where it is open and how to reach its commission."""

    message: str = Field(
        description="L'avertissement en français, à montrer tel quel.",
        examples=[
            "Une demande est déjà en cours pour une personne du même nom née le même jour à "
            "« CHRS Chemin Vert ». Pour en savoir plus, contactez sa commission "
            "(01 23 45 67 89)."
        ],
    )
    own_references: list[str] = Field(
        description="Références des demandes en cours de votre organisation pour cette personne."
    )
    own_ids: list[UUID] = Field(description="Leurs identifiants, pour les ouvrir.")
    establishment: str | None = Field(
        None,
        description="L'établissement demandé, quand une demande d'une autre organisation y est "
        "déjà en cours (sans rien dire de cette demande).",
    )
    partial: bool = Field(description="Comparaison sans date de naissance (nom et prénom seuls).")


class ReferralOut(ReferralSummaryOut):
    """The whole request, as the referring partner sees it in the portal."""

    version: int = Field(description="Augmente à chaque modification.")
    second_contact: PersonOut | None
    birth_date: date
    gender: Gender
    contact: str
    location: Location
    location_detail: str
    origin_departement: str
    judicial_situation: JudicialSituation = Field(
        description="Situation judiciaire, telle qu'enregistrée : une orientation ancienne peut "
        "porter une valeur de l'ancien régime (pse, sme), jamais proposée pour une nouvelle."
    )
    judicial_situation_label: str
    measure_end_date: date | None
    siao_request_number: str = Field(description="Numéro de demande SI-SIAO (ou vide).")
    housing_need: HousingNeed
    housing_comment: str
    employment_need: EmploymentNeed
    employment_comment: str
    needs_care_support: bool
    health_note: str
    ties_need: TiesNeed
    ties_comment: str
    wishes: str
    consent: bool
    consent_date: date | None
    consent_method: ConsentMethod | None
    # The decision and its outcome
    planned_admission_date: date | None
    place_type: PlaceType | None
    decline_reason: DeclineReason | None
    decision_message: str
    contested: bool
    arrival_date: date | None
    cancel_reason: CancelReason | None
    withdraw_reason: WithdrawReason | None
    reoriented_from: UUID | None = Field(
        None, description="Orientation d'origine, si celle-ci vient d'une réorientation."
    )
    updated_at: datetime
    allowed_actions: list[str] = Field(
        [], description="Actions que vous pouvez faire maintenant (submit, withdraw…)."
    )
    warnings: list[str] = Field(
        [], description="Points d'attention (pas des erreurs), par exemple sur le public accueilli."
    )
    duplicate_warning: DuplicateWarningOut | None = Field(
        None,
        description="À la création seulement : la même personne (nom, prénom et date de "
        "naissance comparés sans accents, casse ni tirets) a déjà une demande en cours de votre "
        "organisation, ou à l'établissement demandé. Le brouillon est créé quand même : "
        "vérifiez avant de le transmettre.",
    )

    @staticmethod
    def resolve_judicial_situation_label(obj) -> str:
        return _label(obj, "judicial_situation")

    @staticmethod
    def resolve_reoriented_from(obj):
        return obj.reoriented_from_id

    # Blank choices are null in the API, not an empty string outside the vocabulary.
    @staticmethod
    def resolve_consent_method(obj):
        return obj.consent_method or None

    @staticmethod
    def resolve_place_type(obj):
        return obj.place_type or None

    @staticmethod
    def resolve_decline_reason(obj):
        return obj.decline_reason or None

    @staticmethod
    def resolve_cancel_reason(obj):
        return obj.cancel_reason or None

    @staticmethod
    def resolve_withdraw_reason(obj):
        return obj.withdraw_reason or None


class ReferralPageOut(Schema):
    count: int = Field(description="Nombre total d'orientations correspondant aux filtres.")
    limit: int
    offset: int
    items: list[ReferralSummaryOut]


ShortText = Annotated[str, Field(max_length=300)]
# A new draft takes the values of today's law only (referrals.choices).
CURRENT_JUDICIAL_SITUATION = current_enum("judicial_situation")
CURRENT_REFERRAL_TYPE = current_enum("referral_type")


class ReferralIn(InputSchema):
    """A new draft. The rules are those of the portal's form: the same checks, the same messages."""

    first_name: str = Field(max_length=100, description="Prénom.")
    last_name: str = Field(max_length=100, description="Nom.")
    birth_date: date = Field(description="Date de naissance (AAAA-MM-JJ).")
    gender: Gender = Field(description="Genre, tel que la personne le déclare.")
    contact: str = Field("", max_length=200, description="Comment joindre la personne.")
    location: Location = Field(description="Où se trouve la personne.")
    location_detail: str = Field("", max_length=200, description="Par exemple : CP d'Amiens.")
    origin_departement: str = Field("", max_length=3, description="Code du département.")
    judicial_situation: CURRENT_JUDICIAL_SITUATION = Field(
        description="Situation judiciaire, selon le droit en vigueur. Les valeurs de l'ancien "
        "régime sont refusées (422) : pse → ddse, sme → sursis_probatoire."
    )
    release_date: date | None = Field(None, description="Date de sortie ou de début de mesure.")
    measure_end_date: date | None = None
    referral_type: CURRENT_REFERRAL_TYPE = Field(
        description="Type de demande, selon le droit en vigueur (pse est refusé : ddse)."
    )
    siao_request_number: str = Field(
        "",
        max_length=30,
        description="Numéro de demande SI-SIAO, pour une orientation par le SIAO "
        "(facultatif ; sans lui, un avertissement).",
    )
    target: int = Field(
        description="Identifiant de l'établissement ou du programme (qui doit accepter ce type "
        "de demande en ligne)."
    )
    housing_need: HousingNeed
    housing_comment: ShortText = ""
    employment_need: EmploymentNeed
    employment_comment: ShortText = ""
    needs_care_support: bool = False
    health_note: ShortText = Field("", description="Bref, sans diagnostic.")
    ties_need: TiesNeed
    ties_comment: ShortText = ""
    wishes: str = Field("", max_length=2000, description="Souhaits de la personne, dans ses mots.")
    consent: bool = Field(False, description="Obligatoire pour transmettre la demande.")
    consent_date: date | None = None
    consent_method: ConsentMethod | None = None
    second_contact: int | None = Field(
        None, description="Identifiant d'un second contact, membre de votre organisation."
    )


class WithdrawIn(InputSchema):
    reason: WithdrawReason = Field(description="Motif du retrait.")
    comment: str = Field("", max_length=2000, description="Précision (facultatif).")


class MessageIn(InputSchema):
    body: str = Field(max_length=5000, description="Le message (5 000 caractères au plus).")


class MessageOut(Schema):
    id: int
    body: str
    author: str
    organisation: str
    created_at: datetime

    @staticmethod
    def resolve_author(obj) -> str:
        return str(obj.author) if obj.author else ""

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.name if obj.organisation else ""


class EventOut(Schema):
    kind: str
    action: str
    label: str = Field(description="La ligne de l'historique, en français.")
    from_status: Status | None
    to_status: Status | None
    actor: str
    organisation: str
    comment: str
    created_at: datetime

    @staticmethod
    def resolve_label(obj) -> str:
        return event_label(obj)

    @staticmethod
    def resolve_from_status(obj):
        return obj.from_status or None

    @staticmethod
    def resolve_to_status(obj):
        return obj.to_status or None

    @staticmethod
    def resolve_actor(obj) -> str:
        return str(obj.actor) if obj.actor else ""

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.name if obj.organisation else ""


# --- statistics -------------------------------------------------------------------------------

Count = Annotated[
    int | str,
    Field(description="Un nombre ; pour un partenaire, « < 5 » remplace un nombre de 1 à 4."),
]


class PeriodOut(Schema):
    start: date
    end: date


class DelaysOut(Schema):
    decision_median: float | None = Field(
        None, description="Médiane, en jours, de la transmission à la première décision."
    )
    decision_p90: float | None = Field(None, description="90e centile, en jours.")
    decision_n: int = 0
    arrival_median: float | None = Field(
        None, description="Médiane, en jours, de la décision à l'arrivée."
    )
    arrival_p90: float | None = None
    arrival_n: int = 0


class StaysOut(Schema):
    hosted: int
    new_entries: int
    exits: int
    average_stay_months: float | None
    average_age: float | None
    young_share: float | None = Field(description="Part des moins de 26 ans à l'arrivée, en %.")
    justice_share: float | None
    positive_exits: int
    positive_housing_share: float | None
    positive_work_share: float | None
    measures: dict[str, dict[str, int | float | None]] = Field(
        description="Par groupe de mesures (pse = PSE / DDSE) : personnes, nouvelles entrées, "
        "mesures terminées, menées à terme, en emploi à la sortie."
    )


class FiguresOut(Schema):
    received: Count
    received_by_reorientation: Count | None = None
    pending: Count | None = None
    withdrawn: Count | None = None
    expired: Count | None = None
    processed: Count
    distinct_processed: Count | None = None
    favourable: Count
    unfavourable: Count
    arrived: Count
    reoriented: Count
    no_show: Count
    day_centre: Count | None = None
    cancelled: Count
    awaiting: Count | None = None
    decline_reasons: dict[str, int] | None = None
    cancel_reasons: dict[str, int] | None = None
    reoriented_to: dict[str, int] | None = Field(
        None, description="Établissement de destination (identifiant) → nombre."
    )


class EstablishmentStatisticsOut(Schema):
    id: int
    title: str
    figures: FiguresOut
    delays: DelaysOut | None = None
    stays: StaysOut | None = None
    by_month: dict[str, Count] = Field(description="Demandes traitées par mois (AAAA-MM).")


class ResponseTimeOut(Schema):
    id: int
    title: str
    median_days: float | None = Field(
        description="Délai médian de réponse, en jours (absent sous 5 décisions)."
    )
    decisions: Count


class StatisticsOut(Schema):
    period: PeriodOut
    scope: str = Field(description="« organisation » (partenaire) ou « établissements ».")
    establishments: list[EstablishmentStatisticsOut]
    total: FiguresOut
    response_times: list[ResponseTimeOut] = []
    definitions: dict[str, str] = Field(description="Ce que compte chaque chiffre.")


# --- the partner's other actions, documents, certificate, changes ---------------------------


class AnswerIn(Schema):
    message: str = Field(
        max_length=5000,
        description="Votre réponse à la demande d'informations de la commission.",
        examples=["Le jugement est joint ; la sortie est confirmée au 12 mars."],
    )


class ContestIn(Schema):
    message: str = Field(
        max_length=5000,
        description="Pourquoi vous contestez l'avis défavorable (une seule fois par demande).",
        examples=["Une place en atelier est confirmée : la situation a changé."],
    )


class ReleaseDateIn(Schema):
    release_date: date = Field(
        description="Nouvelle date de sortie ou de début de mesure (AAAA-MM-JJ).",
        examples=["2026-03-12"],
    )
    comment: str = Field(
        "", max_length=300, description="Précision (facultatif).", examples=["Audience reportée."]
    )


class AttachmentOut(Schema):
    id: UUID
    kind: str = Field(description="Type de document (decision, identite, rapport_social, autre).")
    kind_label: str
    name: str = Field(description="Nom du fichier tel qu'envoyé.")
    content_type: str = Field(description="Type reconnu d'après le contenu du fichier.")
    size: int = Field(description="Taille en octets.")
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.original_name


class CertificateOut(Schema):
    """The housing certificate of an accepted referral (the PDF is at `…/certificate.pdf`)."""

    reference: str
    issued_at: datetime
    valid: bool = Field(description="Toujours vrai ici : une attestation périmée est remplacée.")
    verification_url: str = Field(
        description="Adresse publique de vérification, imprimée sur le PDF avec son code QR.",
        examples=["https://portail.ilot.example/attestations/Zt3…/"],
    )
    pdf_url: str = Field(description="Adresse de téléchargement du PDF dans cette API.")


class ChangeOut(ReferralSummaryOut):
    changed_at: datetime = Field(
        description="Dernier changement : la demande, son historique ou ses messages."
    )


class ChangesOut(Schema):
    items: list[ChangeOut]
    next_updated_since: datetime = Field(
        description="La valeur à passer en `updated_since` à la prochaine lecture : le "
        "dernier changement lu (ou la valeur envoyée, s'il n'y a rien de nouveau)."
    )
    has_more: bool
