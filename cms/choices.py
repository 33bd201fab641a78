"""Controlled vocabularies shared by the public site, the API and the referral portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EstablishmentKind(models.TextChoices):
    CHRS = "chrs", _("CHRS — centre d'hébergement et de réinsertion sociale")
    CHU = "chu", _("CHU — centre d'hébergement d'urgence")
    PENSION_DE_FAMILLE = "pension_de_famille", _("Pension de famille")
    LHSS = "lhss", _("LHSS — lits halte soins santé")
    DAY_CENTRE = "accueil_de_jour", _("Accueil de jour")
    WORKSHOP = "atelier", _("Atelier et chantier d'insertion")
    OTHER = "autre", _("Autre")


class Public(models.TextChoices):
    MEN_ALONE = "hommes_seuls", _("Hommes seuls")
    WOMEN_ALONE = "femmes_seules", _("Femmes seules")
    COUPLES = "couples_sans_enfant", _("Couples sans enfant")
    FAMILIES = "familles", _("Familles")
    SINGLE_PARENTS = "parents_isoles", _("Parents isolés")
    YOUNG_ADULTS = "jeunes_adultes", _("Jeunes adultes (18–25 ans)")


class PlaceType(models.TextChoices):
    INSERTION = "insertion", _("Insertion")
    STABILISATION = "stabilisation", _("Stabilisation")
    URGENCE = "urgence", _("Urgence")
    LHSS = "lhss", _("LHSS")
    PENSION_DE_FAMILLE = "pension_de_famille", _("Pension de famille")
    DIFFUSE = "diffus", _("Logement diffus")
    NIGHT_HALT = "halte_de_nuit", _("Halte de nuit")
    WINTER_EXTRA = "renfort_hivernal", _("Renfort hivernal")
    CDDI = "cddi", _("Postes en insertion (CDDI)")
    TRAINING = "formation", _("Places en formation")


class ReferralType(models.TextChoices):
    """What is asked. The measures follow the law in force (see `referrals.choices` for the whole
    vocabulary of today's justice); a value of the former law is kept for old records only
    (`HISTORICAL_REFERRAL_TYPES`)."""

    SORTIE_SECHE = "sortie_seche", _("Sortie sèche (sortie de détention sans solution)")
    DDSE = "ddse", _("Hébergement pour une DDSE (détention à domicile sous bracelet électronique)")
    ARSE = (
        "arse",
        _("Hébergement pour une ARSE (assignation à résidence sous bracelet électronique)"),
    )
    LSC = "lsc", _("Hébergement pour une libération sous contrainte (LSC)")
    PSE = "pse", _("Hébergement pour un PSE (ancien régime, avant 2020 : devenu DDSE)")
    SEMI_LIBERTE = "semi_liberte", _("Semi-liberté")
    PLACEMENT_EXTERIEUR = "placement_exterieur", _("Placement à l'extérieur")
    LIBERATION_CONDITIONNELLE = "liberation_conditionnelle", _("Libération conditionnelle")
    TIG = "tig", _("Travail d'intérêt général (TIG)")
    SIAO_URGENCE = "siao_urgence", _("Orientation SIAO — urgence")
    SIAO_INSERTION = "siao_insertion", _("Orientation SIAO — insertion")
    WORK_INTEGRATION = "insertion_emploi", _("Insertion par l'emploi (ateliers, AQI, O2R)")
    OTHER = "autre", _("Autre demande")


# Values of the former law → the value that replaced them (see `referrals.choices`).
HISTORICAL_REFERRAL_TYPES = {ReferralType.PSE: ReferralType.DDSE}


def current_referral_type(value: str) -> str:
    """The value of today's law for `value` (itself when it is current)."""
    return HISTORICAL_REFERRAL_TYPES.get(value, value)


class Fees(models.TextChoices):
    """What the person pays (data·inclusion's ``frais``)."""

    FREE = "gratuit", _("Gratuit")
    PAID = "payant", _("Payant (participation financière)")
