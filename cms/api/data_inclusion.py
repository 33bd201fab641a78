"""Establishments and programmes published in the data·inclusion schema (v1).

data·inclusion is the open schema of the French "offre d'insertion" platforms (Dora, les emplois
de l'inclusion, France Travail…). ``/api/data-inclusion/v1/structures/`` and ``…/services/`` let
them import L'Îlot's offer:

* **structures**: each live, public establishment (``EstablishmentPage``), plus the association
  itself (``ilot--association``), which carries the programmes that have no address of their own;
* **services**: what each establishment offers (its hosting or workshop) and each programme.

Identifiers are stable: ``ilot--etablissement-<page id>``, ``ilot--programme-<page id>``. Codes
come from the schema's vocabularies (thématiques, publics, modes d'accueil and de mobilisation,
types de service, réseaux porteurs). The INSEE code is derived where it is certain (Paris
arrondissements, Amiens), otherwise left empty. The tests validate the output against the
``data-inclusion-schema`` package's pydantic models.
"""

import math
import re
from datetime import date

from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from ninja import Field, NinjaAPI, Query, Schema
from wagtail.api.v2.utils import get_full_url
from wagtail.api.v3.errors import register_exception_handlers
from wagtail.models import Site

from ..choices import EstablishmentKind, PlaceType, Public, ReferralType
from ..models import EstablishmentPage, ProgrammePage, SiteSettings
from .params import only_parameters

SOURCE = "ilot"
ASSOCIATION_ID = f"{SOURCE}--association"
ASSOCIATION_NAME = "L'Îlot"
ASSOCIATION_DESCRIPTION = (
    "Association fondée en 1969 et reconnue d'utilité publique, L'Îlot héberge et accompagne "
    "des personnes en grande difficulté, en priorité sortant de prison ou placées sous main de "
    "justice : logement, emploi, santé, liens sociaux et familiaux."
)

JUSTICE = (
    "difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire"
)
PAPERWORK = (
    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"
)
TEMPORARY_HOUSING = "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"

KIND_SERVICES = {
    EstablishmentKind.CHRS: (
        "Hébergement et accompagnement vers l'insertion",
        "accompagnement",
        [TEMPORARY_HOUSING, "logement-hebergement--louer-un-logement", PAPERWORK, JUSTICE],
    ),
    EstablishmentKind.CHU: (
        "Hébergement d'urgence",
        "accompagnement",
        [TEMPORARY_HOUSING, PAPERWORK, JUSTICE],
    ),
    EstablishmentKind.PENSION_DE_FAMILLE: (
        "Logement en pension de famille",
        "accompagnement",
        ["logement-hebergement--se-maintenir-dans-le-logement", "remobilisation--lien-social"],
    ),
    EstablishmentKind.LHSS: (
        "Lits halte soins santé",
        "accompagnement",
        ["sante--acces-aux-soins", TEMPORARY_HOUSING],
    ),
    EstablishmentKind.DAY_CENTRE: (
        "Accueil de jour",
        "accompagnement",
        ["remobilisation--lien-social", "equipement-et-alimentation--alimentation", PAPERWORK],
    ),
    EstablishmentKind.WORKSHOP: (
        "Contrats d'insertion en atelier et chantier d'insertion",
        "accompagnement",
        [
            "choisir-un-metier--identifier-ses-points-forts-et-ses-competences",
            "preparer-sa-candidature--valoriser-ses-competences",
            "remobilisation--bien-etre-confiance-en-soi",
            JUSTICE,
        ],
    ),
    EstablishmentKind.OTHER: ("Accompagnement social", "accompagnement", [PAPERWORK, JUSTICE]),
}
KIND_NETWORKS = {
    EstablishmentKind.CHRS: ["chrs"],
    EstablishmentKind.CHU: ["chu"],
    EstablishmentKind.WORKSHOP: ["aci"],
}
PROGRAMME_THEMES = [
    "choisir-un-metier--identifier-ses-points-forts-et-ses-competences",
    "preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation",
    "se-former--trouver-sa-formation",
    "remobilisation--bien-etre-confiance-en-soi",
    JUSTICE,
]
PUBLICS = {
    Public.WOMEN_ALONE: "femmes",
    Public.FAMILIES: "familles",
    Public.SINGLE_PARENTS: "familles",
    Public.YOUNG_ADULTS: "jeunes",
}
JUSTICE_REFERRALS = {
    ReferralType.SORTIE_SECHE,
    ReferralType.DDSE,
    ReferralType.ARSE,
    ReferralType.LSC,
    ReferralType.PSE,
    ReferralType.SEMI_LIBERTE,
    ReferralType.PLACEMENT_EXTERIEUR,
    ReferralType.LIBERATION_CONDITIONNELLE,
    ReferralType.TIG,
}
REFERRAL_PUBLICS = {
    **dict.fromkeys(JUSTICE_REFERRALS, "personnes-en-situation-juridique-specifique"),
    ReferralType.SIAO_URGENCE: "personnes-en-situation-durgence",
    ReferralType.WORK_INTEGRATION: "demandeurs-emploi",
}
WALK_IN_KINDS = {EstablishmentKind.CHU, EstablishmentKind.DAY_CENTRE}


# --------------------------------------------------------------------------------------------
# Response shapes (the data·inclusion v1 fields we fill)
# --------------------------------------------------------------------------------------------


class StructureSchema(Schema):
    source: str
    id: str
    nom: str
    date_maj: date
    description: str | None = None
    lien_source: str | None = None
    siret: str | None = None
    commune: str | None = None
    code_postal: str | None = None
    code_insee: str | None = None
    adresse: str | None = None
    complement_adresse: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    telephone: str | None = None
    courriel: str | None = None
    site_web: str | None = None
    horaires_accueil: str | None = None
    accessibilite_lieu: str | None = None
    reseaux_porteurs: list[str] | None = None


class ServiceSchema(Schema):
    source: str
    structure_id: str
    id: str
    nom: str
    description: str
    lien_source: str | None = None
    date_maj: date
    type: str | None = None
    thematiques: list[str] | None = None
    frais: str | None = None
    frais_precisions: str | None = None
    publics: list[str] | None = None
    publics_precisions: str | None = None
    conditions_acces: str | None = None
    commune: str | None = None
    code_postal: str | None = None
    code_insee: str | None = None
    adresse: str | None = None
    complement_adresse: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    telephone: str | None = None
    courriel: str | None = None
    modes_accueil: list[str] | None = None
    zone_eligibilite: list[str] | None = None
    contact_nom_prenom: str | None = None
    lien_mobilisation: str | None = None
    modes_mobilisation: list[str] | None = None
    mobilisable_par: list[str] | None = None
    mobilisation_precisions: str | None = None
    volume_horaire_hebdomadaire: float | None = None
    nombre_semaines: int | None = None
    horaires_accueil: str | None = None


class PageParams(Schema):
    page: int = Field(1, ge=1, description="Numéro de page, à partir de 1.")
    size: int = Field(100, ge=1, le=500, description="Nombre d'éléments par page.")


class StructurePage(Schema):
    items: list[StructureSchema]
    total: int
    page: int
    size: int
    pages: int


class ServicePage(Schema):
    items: list[ServiceSchema]
    total: int
    page: int
    size: int
    pages: int


# --------------------------------------------------------------------------------------------
# Mapping
# --------------------------------------------------------------------------------------------


def phone_e164(number: str) -> str | None:
    """« 01 43 14 31 00 » → « +33143143100 »; other formats are given as they are."""
    if not number:
        return None
    digits = re.sub(r"[^\d+]", "", number)
    if re.fullmatch(r"0\d{9}", digits):
        return f"+33{digits[1:]}"
    return digits or None


def code_insee(postcode: str, city: str) -> str | None:
    """The INSEE code where the postcode gives it for sure, else None."""
    if re.fullmatch(r"750(0[1-9]|1\d|20)", postcode or ""):
        return f"751{postcode[3:]}"  # Paris arrondissements: 75011 → 75111
    if postcode == "75116":
        return "75116"
    if postcode in {"80000", "80080", "80090"} and (city or "").strip().lower().startswith(
        "amiens"
    ):
        return "80021"
    return None


def text_or_none(value: str, minimum: int = 5) -> str | None:
    text = " ".join(strip_tags(value or "").split())
    return Truncator(text).chars(10000) if len(text) >= minimum else None


def updated_on(page) -> date:
    moment = page.last_published_at or page.latest_revision_created_at
    day = timezone.localdate(moment) if moment else timezone.localdate()
    return min(max(day, date(2000, 1, 1)), timezone.localdate())


def publics_for(page) -> tuple[list[str] | None, str | None]:
    publics = page.publics or []
    codes = {PUBLICS[code] for code in publics if code in PUBLICS}
    if Public.MEN_ALONE in publics:
        codes.discard("femmes")  # men and women: not a service for women only
    codes |= {
        REFERRAL_PUBLICS[code] for code in page.referral_types or [] if code in REFERRAL_PUBLICS
    }
    labels = page.get_publics_display()
    precisions = ", ".join(labels) if labels else None
    return (sorted(codes) or None), precisions


def portal_url(request) -> str | None:
    try:
        return get_full_url(request, reverse("referrals:create"))
    except NoReverseMatch:  # pragma: no cover - the portal is always mounted
        return None


def contact_for(page, site_settings) -> dict:
    """The page's phone and e-mail; without either, the association's (its head office
    answers for every establishment and programme)."""
    if page.phone or page.email or site_settings is None:
        return {"telephone": phone_e164(page.phone), "courriel": page.email or None}
    return {
        "telephone": phone_e164(site_settings.contact_phone),
        "courriel": site_settings.contact_email or None,
    }


def mobilisation_for(page, request, contact: dict) -> dict:
    modes = []
    link = None
    if page.accepts_online_referrals:
        modes.append("utiliser-lien-mobilisation")
        link = portal_url(request)
    if contact["courriel"]:
        modes.append("envoyer-un-courriel")
    if contact["telephone"]:
        modes.append("telephoner")
    accepted = page.get_referral_types_display()
    precisions = None
    if accepted:
        precisions = "Orientations acceptées : " + " ; ".join(accepted) + "."
        if page.accepts_online_referrals:
            precisions += " Les partenaires orientent en ligne depuis l'espace partenaires."
    return {
        **contact,
        "modes_mobilisation": modes or None,
        "lien_mobilisation": link,
        "mobilisation_precisions": precisions,
        "frais": page.fees or None,
        "frais_precisions": page.fees_details or None,
    }


def structure_id(page) -> str:
    return f"{SOURCE}--etablissement-{page.pk}"


def establishment_structure(page, request) -> dict:
    return {
        "source": SOURCE,
        "id": structure_id(page),
        "nom": Truncator(page.title).chars(150).rstrip("."),
        "date_maj": updated_on(page),
        "description": text_or_none(page.intro),
        "lien_source": page.get_full_url(request),
        "commune": page.city or None,
        "code_postal": page.postcode or None,
        "code_insee": code_insee(page.postcode, page.city),
        "adresse": page.street or None,
        "longitude": float(page.longitude) if page.longitude is not None else None,
        "latitude": float(page.latitude) if page.latitude is not None else None,
        "telephone": phone_e164(page.phone),
        "courriel": page.email or None,
        "site_web": page.get_full_url(request),
        "reseaux_porteurs": KIND_NETWORKS.get(page.kind),
    }


def association_structure(request, site_settings, updated: date | None, home_url) -> dict:
    address = " ".join((site_settings.contact_address or "").split())
    match = re.search(r"(\d{5})\s+([^,\d]+)$", address)
    street = address[: match.start()].strip(" ,") if match else address
    return {
        "source": SOURCE,
        "id": ASSOCIATION_ID,
        "nom": ASSOCIATION_NAME,
        "date_maj": updated or timezone.localdate(),
        "description": ASSOCIATION_DESCRIPTION,
        "lien_source": home_url,
        "commune": match.group(2).strip() if match else None,
        "code_postal": match.group(1) if match else None,
        "code_insee": code_insee(match.group(1), match.group(2)) if match else None,
        "adresse": street or None,
        "telephone": phone_e164(site_settings.contact_phone),
        "courriel": site_settings.contact_email or None,
        "site_web": home_url,
    }


def establishment_service(page, request, site_settings=None) -> dict:
    name, kind, themes = KIND_SERVICES.get(page.kind, KIND_SERVICES[EstablishmentKind.OTHER])
    publics, publics_precisions = publics_for(page)
    places = list(page.places.all())
    description = text_or_none(page.intro) or f"{name} : {page.title}, {page.city}."
    if places:
        description += (
            " Places : "
            + ", ".join(
                f"{place.count} {place.get_place_type_display().lower()}" for place in places
            )
            + "."
        )
    return {
        "source": SOURCE,
        "structure_id": structure_id(page),
        "id": f"{structure_id(page)}--{page.kind}",
        "nom": Truncator(f"{name} — {page.title}").chars(150).rstrip("."),
        "description": description,
        "lien_source": page.get_full_url(request),
        "date_maj": updated_on(page),
        "type": kind,
        "thematiques": sorted(set(themes)),
        "publics": publics,
        "publics_precisions": publics_precisions,
        "conditions_acces": text_or_none(page.admission_criteria),
        "commune": page.city or None,
        "code_postal": page.postcode or None,
        "code_insee": code_insee(page.postcode, page.city),
        "adresse": page.street or None,
        "longitude": float(page.longitude) if page.longitude is not None else None,
        "latitude": float(page.latitude) if page.latitude is not None else None,
        "modes_accueil": ["en-presentiel"],
        "zone_eligibilite": [page.departement] if page.departement else None,
        "mobilisable_par": ["professionnels", "usagers"]
        if page.kind in WALK_IN_KINDS
        else ["professionnels"],
        **mobilisation_for(page, request, contact_for(page, site_settings)),
    }


def programme_service(page, request, site_settings=None) -> dict:
    publics, publics_precisions = publics_for(page)
    target = text_or_none(page.target_public, minimum=1)
    if target:
        publics_precisions = f"{target} ({publics_precisions})" if publics_precisions else target
    description = text_or_none(page.intro) or f"Programme d'accompagnement : {page.title}."
    extras = [
        f"Durée : {page.duration}." if page.duration else "",
        f"Lieux : {' '.join(page.locations.split())}." if page.locations.strip() else "",
    ]
    description = " ".join([description, *[extra for extra in extras if extra]])
    return {
        "source": SOURCE,
        "structure_id": ASSOCIATION_ID,
        "id": f"{SOURCE}--programme-{page.pk}",
        "nom": Truncator(page.title).chars(150).rstrip("."),
        "description": description,
        "lien_source": page.get_full_url(request),
        "date_maj": updated_on(page),
        "type": "formation" if page.place_type == PlaceType.TRAINING else "accompagnement",
        "thematiques": sorted(PROGRAMME_THEMES),
        "publics": publics,
        "publics_precisions": publics_precisions,
        "conditions_acces": text_or_none(page.admission_criteria),
        "modes_accueil": ["en-presentiel"],
        "mobilisable_par": ["professionnels"],
        **mobilisation_for(page, request, contact_for(page, site_settings)),
    }


def site_for(request) -> Site | None:
    return Site.find_for_request(request)


def establishments(site):
    return (
        EstablishmentPage.objects.live()
        .public()
        .descendant_of(site.root_page)
        .defer_streamfields()
        .prefetch_related("places")
        .order_by("pk")
    )


def programmes(site):
    return (
        ProgrammePage.objects.live()
        .public()
        .descendant_of(site.root_page)
        .defer_streamfields()
        .order_by("pk")
    )


def structures(request) -> list[dict]:
    site = site_for(request)
    if site is None:
        return []
    pages = list(establishments(site))
    latest = programmes(site).aggregate(latest=Max("last_published_at"))["latest"]
    association = association_structure(
        request,
        SiteSettings.for_site(site),
        timezone.localdate(latest) if latest else None,
        site.root_page.get_full_url(request),
    )
    return [association, *[establishment_structure(page, request) for page in pages]]


def services(request) -> list[dict]:
    site = site_for(request)
    if site is None:
        return []
    site_settings = SiteSettings.for_site(site)
    return [
        *[establishment_service(page, request, site_settings) for page in establishments(site)],
        *[programme_service(page, request, site_settings) for page in programmes(site)],
    ]


def paginate(items: list[dict], params: PageParams) -> dict:
    start = (params.page - 1) * params.size
    return {
        "items": items[start : start + params.size],
        "total": len(items),
        "page": params.page,
        "size": params.size,
        "pages": max(1, math.ceil(len(items) / params.size)),
    }


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------

api = NinjaAPI(
    title="L'Îlot — offre d'insertion au format data·inclusion",
    version="1",
    description=(
        "Les établissements (structures) et ce qu'ils proposent, ainsi que les programmes "
        "(services) de L'Îlot, au format du schéma data·inclusion v1 "
        "(https://data.inclusion.gouv.fr). Lecture seule, sans authentification, paginé par "
        "`page` et `size`."
    ),
    urls_namespace="data_inclusion_api",
    docs_url="/docs/",
    openapi_url="/openapi.json",
)
register_exception_handlers(api)


@api.get(
    "/structures/",
    response=StructurePage,
    summary="Structures",
    description="L'association et ses établissements publiés.",
    operation_id="data_inclusion_structures",
    tags=["data·inclusion"],
)
@only_parameters("page", "size")
def list_structures(request, params: PageParams = Query(...)):  # noqa: B008
    return paginate(structures(request), params)


@api.get(
    "/services/",
    response=ServicePage,
    summary="Services",
    description="Ce que proposent les établissements (hébergement, accueil, ateliers) et les "
    "programmes de L'Îlot.",
    operation_id="data_inclusion_services",
    tags=["data·inclusion"],
)
@only_parameters("page", "size")
def list_services(request, params: PageParams = Query(...)):  # noqa: B008
    return paginate(services(request), params)
