"""Vocabularies of the referral record (the referral types themselves are in cms.choices).

The vocabulary of today's justice. Judicial situations and referral types follow the law in
force since the reform of sentencing (loi du 23 mars 2019, in force in 2020) and the law of
22 December 2021 (in force on 1 January 2023):

- **DDSE**, détention à domicile sous surveillance électronique, a sentence in its own right,
  replaced the **PSE** (placement sous surveillance électronique);
- **ARSE**, assignation à résidence sous surveillance électronique, before trial;
- **LSC**, libération sous contrainte, and since 2023 the LSC **de plein droit**: at three months
  from the end of a sentence of two years or less, it is refused only when no accommodation
  exists (hence the housing certificate, `referrals.documents.certificates`);
- **sursis probatoire** replaced the **SME** (sursis avec mise à l'épreuve).

Values of the former law stay in the vocabularies, so that old records (the 2019 data set) keep
them and read "ancien régime"; they are never offered for a new referral: the portal's form, and
through it the API, refuse them with a message naming their successor. The one mapping from a
historical value to today's is `HISTORICAL_JUDICIAL_SITUATIONS` below and
`cms.choices.HISTORICAL_REFERRAL_TYPES` (a referral type is a CMS vocabulary); the yearly figures
count a historical value with its successor (`referrals.figures.definitions`), an establishment
that accepted PSE referrals accepts DDSE ones (`cms.models.ReferralTarget.accepts`). The API
returns stored values as they are.
"""

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.choices import HISTORICAL_REFERRAL_TYPES, ReferralType


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Transmise")
    INFO_REQUESTED = "info_requested", _("Informations demandées")
    UNDER_REVIEW = "under_review", _("Inscrite en commission")
    ACCEPTED = "accepted", _("Avis favorable")
    DECLINED = "declined", _("Avis défavorable")
    REORIENTED = "reoriented", _("Réorientée")
    ARRIVED = "arrived", _("Arrivée")
    DEPARTED = "departed", _("Séjour terminé")
    NO_SHOW = "no_show", _("Ne s'est pas présentée")
    CANCELLED = "cancelled", _("Annulée")
    WITHDRAWN = "withdrawn", _("Retirée")
    EXPIRED = "expired", _("Expirée")


class Action(models.TextChoices):
    """What a line of a referral's history records. The first ones are the transitions of the
    state machine (their rules are in `workflow.TRANSITIONS`); the label names the action as
    its button does. The last ones are operations that do not change the status."""

    SUBMIT = "submit", _("Transmettre")
    REQUEST_INFO = "request_info", _("Demander des informations")
    ANSWER_INFO = "answer_info", _("Répondre à la demande d'informations")
    SCHEDULE = "schedule", _("Inscrire en commission")
    ACCEPT = "accept", _("Avis favorable")
    DECLINE = "decline", _("Avis défavorable")
    REORIENT = "reorient", _("Réorienter")
    RECORD_ARRIVAL = "record_arrival", _("Enregistrer l'arrivée")
    RECORD_DEPARTURE = "record_departure", _("Enregistrer la sortie de l'établissement")
    RECORD_NO_SHOW = "record_no_show", _("Ne s'est pas présentée")
    CANCEL = "cancel", _("Annuler l'admission")
    CONTEST = "contest", _("Contester l'avis")
    WITHDRAW = "withdraw", _("Retirer la demande")
    EXPIRE = "expire", _("Expiration")
    CLOSE_UNANSWERED = "close_unanswered", _("Clôture faute de décision")

    CREATED = "created", _("Brouillon créé")
    REORIENTED_IN = "reoriented_in", _("Demande reçue par réorientation")
    RELEASE_DATE_CHANGED = "release_date_changed", _("Date de sortie modifiée")
    DOCUMENT_ADDED = "document_added", _("Document ajouté")
    DAY_CENTRE_CONTACT = "day_centre_contact", _("Venue à l'accueil de jour")
    ATTACHMENTS_DELETED = "attachments_deleted", _("Documents supprimés (durée de conservation)")
    ANONYMISED = "anonymised", _("Dossier anonymisé")
    RECTIFIED = "rectified", _("Données de la personne rectifiées")
    REASSIGNED = "reassigned", _("Suivi réattribué")


class Gender(models.TextChoices):
    WOMAN = "femme", _("Femme")
    MAN = "homme", _("Homme")
    OTHER = "autre", _("Autre identité, ou ne se prononce pas")


class Location(models.TextChoices):
    PRISON = "prison", _("En établissement pénitentiaire")
    STREET = "rue", _("À la rue")
    HOSTED = "heberge", _("Hébergée par un tiers")
    SHELTER = "hebergement", _("En structure d'hébergement")
    OTHER = "autre", _("Autre")


class JudicialSituation(models.TextChoices):
    DDSE = "ddse", _("DDSE — détention à domicile sous surveillance électronique")
    ARSE = "arse", _("ARSE — assignation à résidence sous surveillance électronique")
    SL = "sl", _("SL — semi-liberté")
    PE = "pe", _("PE — placement à l'extérieur")
    LC = "lc", _("LC — libération conditionnelle")
    LSC = "lsc", _("LSC — libération sous contrainte")
    LSC_AUTOMATIC = (
        "lsc_plein_droit",
        _(
            "LSC de plein droit — à 3 mois de la fin d'une peine de 2 ans au plus "
            "(refusée seulement faute d'hébergement)"
        ),
    )
    CJ = "cj", _("CJ — contrôle judiciaire")
    SSJ = "ssj", _("SSJ — suivi socio-judiciaire")
    PROBATION = "sursis_probatoire", _("Sursis probatoire")
    TIG = "tig", _("TIG — travail d'intérêt général")
    RELEASE_6_MONTHS = "sortie_6_mois", _("Sortie de détention dans les 6 mois")
    SENTENCE_ENDED = "fin_de_peine", _("Fin de peine (sortie sèche)")
    NONE = "aucune", _("Aucune mesure en cours")
    # The former law (kept for old records, never offered)
    PSE = "pse", _("PSE — placement sous surveillance électronique (ancien régime, avant 2020)")
    SME = "sme", _("SME — sursis avec mise à l'épreuve (ancien régime, avant 2020)")


# Historical value → the value of today's law (the module's docstring says why).
HISTORICAL_JUDICIAL_SITUATIONS = {
    JudicialSituation.PSE: JudicialSituation.DDSE,
    JudicialSituation.SME: JudicialSituation.PROBATION,
}
HISTORICAL = {
    "judicial_situation": (JudicialSituation, HISTORICAL_JUDICIAL_SITUATIONS),
    "referral_type": (ReferralType, HISTORICAL_REFERRAL_TYPES),
}


def current_value(field: str, value: str) -> str:
    """The value of today's law for `value` of `field` (itself when it is current)."""
    return HISTORICAL[field][1].get(value, value)


def with_former_values(field: str, value: str) -> list[str]:
    """`value` and the former law's values it replaced (DDSE: DDSE and PSE), for a filter."""
    return [value, *(old for old, new in HISTORICAL[field][1].items() if new == value)]


def current_choices(field: str) -> list[tuple[str, str]]:
    """The choices offered for a new referral: those of today's law."""
    vocabulary, historical = HISTORICAL[field]
    return [(value, label) for value, label in vocabulary.choices if value not in historical]


def refusal_message(field: str) -> str:
    """The message refusing a value that is not offered (a `%(value)s` placeholder), naming the
    successors of the former law's values: the portal's form and the API say the same."""
    successors = ", ".join(
        f"« {old.value} » → « {new.value} »" for old, new in HISTORICAL[field][1].items()
    )
    return str(
        _(
            "« %(value)s » n'est pas une valeur proposée. Les mesures de l'ancien régime sont "
            "remplacées : {successors}."
        )
    ).format(successors=successors)


def current_enum(field: str) -> type[enum.StrEnum]:
    """The values of today's law as an enumeration, for the API's input schemas."""
    return enum.StrEnum(
        f"Current{HISTORICAL[field][0].__name__}",
        {value.upper(): value for value, _label in current_choices(field)},
    )


# The judicial situations that are a measure served in the establishment (DDSE/PSE, semi-liberté,
# placement à l'extérieur, libération conditionnelle or sous contrainte): a stay records it, and at
# the departure whether it was completed there.
MEASURE_SITUATIONS = frozenset(
    {
        JudicialSituation.DDSE,
        JudicialSituation.ARSE,
        JudicialSituation.SL,
        JudicialSituation.PE,
        JudicialSituation.LC,
        JudicialSituation.LSC,
        JudicialSituation.LSC_AUTOMATIC,
        JudicialSituation.PSE,  # historical: the 2019 stays
    }
)
# Judicial situations that are not the "justice public" (people under a court measure and people
# leaving prison are): the activity report's definition, which the figures count and each stay
# keeps from its referral at the arrival.
NOT_JUSTICE = frozenset({JudicialSituation.NONE})


def is_justice_public(judicial_situation) -> bool:
    return judicial_situation not in NOT_JUSTICE


class HousingNeed(models.TextChoices):
    EMERGENCY = "urgence", _("Mise à l'abri (urgence)")
    INSERTION = "insertion", _("Hébergement d'insertion")
    HOSTING_ADDRESS = "adresse_mesure", _("Adresse d'hébergement pour une mesure (DDSE, LSC, SL…)")
    HOUSING = "logement", _("Accès au logement")
    NONE = "aucun", _("Pas de besoin")


class EmploymentNeed(models.TextChoices):
    JOB = "emploi", _("Recherche d'emploi")
    TRAINING = "formation", _("Formation")
    INTEGRATION = "insertion_activite", _("Insertion par l'activité économique")
    NOT_NOW = "pas_maintenant", _("Pas pour le moment")


class TiesNeed(models.TextChoices):
    KEEP = "maintien", _("Maintenir des liens existants")
    RECONNECT = "renouer", _("Renouer des liens (médiation)")
    NONE = "aucun", _("Pas de besoin exprimé")


class ConsentMethod(models.TextChoices):
    INTERVIEW = "entretien", _("Oralement, en entretien")
    SIGNED = "ecrit", _("Formulaire signé")
    OTHER = "autre", _("Autre")


class DeclineReason(models.TextChoices):
    NO_PLACE = "pas_de_place", _("Pas de place disponible")
    OUTSIDE_PUBLIC = "hors_public", _("Hors du public de l'établissement")
    NEEDS_BEYOND = "besoins", _("Besoins au-delà de ce que l'établissement peut assurer")
    INCOMPLETE = "incomplet", _("Dossier toujours incomplet après une demande")
    PERSON_DECLINED = "refus_personne", _("La personne a refusé")
    DUPLICATE = "doublon", _("Doublon")
    OTHER = "autre", _("Autre")


class CancelReason(models.TextChoices):
    KEPT_IN_DETENTION = "maintien_detention", _("Maintien en détention")
    RELEASE_POSTPONED = "sortie_reportee", _("Sortie reportée")
    WENT_ELSEWHERE = "autre_solution", _("A trouvé une autre solution")
    NO_NEWS = "sans_nouvelles", _("Sans nouvelles")


class WithdrawReason(models.TextChoices):
    OTHER_SOLUTION = "autre_solution", _("Une autre solution a été trouvée")
    PERSON_CHANGED_MIND = "refus_personne", _("La personne ne souhaite plus cette orientation")
    SITUATION_CHANGED = "situation", _("La situation judiciaire a changé")
    ERROR = "erreur", _("Demande faite par erreur")
    OTHER = "autre", _("Autre")


class AttachmentKind(models.TextChoices):
    COURT_DECISION = "decision", _("Décision de justice")
    IDENTITY = "identite", _("Pièce d'identité")
    SOCIAL_REPORT = "rapport_social", _("Rapport social")
    OTHER = "autre", _("Autre document")


class ExitKind(models.TextChoices):
    """How a stay ended, as the activity report counts it. Whether an exit is "positive" is
    derived from it (see `POSITIVE_EXIT_KINDS`), never entered by hand."""

    MEASURE_COMPLETED = "fin_de_mesure", _("Fin de mesure effectuée")
    MEASURE_REVOKED = "revocation", _("Mesure révoquée ou retour en détention")
    AUTONOMOUS_HOUSING = "logement_autonome", _("Logement autonome")
    OTHER_ACCOMMODATION = "autre_hebergement", _("Autre hébergement (structure, famille, tiers)")
    JOB_OR_TRAINING = "emploi_formation", _("Emploi ou formation trouvés")
    LEFT_WITHOUT_NOTICE = "depart_sans_prevenir", _("Départ sans prévenir")
    EXCLUSION = "exclusion", _("Exclusion")
    DEATH = "deces", _("Décès")
    OTHER = "autre", _("Autre")


# A "sortie positive", as the activity report defines it: leaving with prospects of housing,
# employment or training. A stay whose exit kind is one of these, or whose situation at exit is
# a job or a training, is a positive exit (`Stay.positive_exit`, and the figures use the same set).
POSITIVE_EXIT_KINDS = frozenset(
    {ExitKind.AUTONOMOUS_HOUSING, ExitKind.OTHER_ACCOMMODATION, ExitKind.JOB_OR_TRAINING}
)


class IndicatorMeasure(models.TextChoices):
    """What a funder's indicator measures: computed by the portal from the programme's stays
    when it holds the data (`referrals.figures.definitions.indicator_result`), entered by
    hand otherwise."""

    BENEFICIARIES = "beneficiaries", _("Nombre de bénéficiaires (calculé)")
    JUSTICE_SHARE = "justice_share", _("Part du public sous main de justice, en % (calculé)")
    YOUNG_SHARE = "young_share", _("Part des moins de 26 ans, en % (calculé)")
    AVERAGE_DURATION = "average_duration", _("Durée moyenne de l'accompagnement, en mois (calculé)")
    EMPLOYMENT_EXITS = "employment_exits", _("Part des sorties en emploi, en % (calculé)")
    MANUAL = "manual", _("Autre indicateur, résultat saisi à la main")
