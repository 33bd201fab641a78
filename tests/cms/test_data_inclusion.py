"""The data·inclusion export, validated against the schema's own pydantic models."""

from decimal import Decimal

import pytest
from data_inclusion.schema.v1 import Service, Structure, score_qualite
from django.db import connection
from wagtail.models import PageViewRestriction

from cms.choices import EstablishmentKind, Fees, PlaceType, Public, ReferralType
from cms.models import SiteSettings
from tests.factories import EstablishmentPageFactory, ProgrammePageFactory

pytestmark = pytest.mark.django_db

STRUCTURES = "/api/data-inclusion/v1/structures/"
SERVICES = "/api/data-inclusion/v1/services/"
STRICT = {"ignore_warnings": False}  # the schema's warnings are errors here


@pytest.fixture
def offer(home):
    settings = SiteSettings.for_site(home.get_site())
    settings.contact_address = "10 rue de l'Exemple\n80000 Amiens"
    settings.contact_phone = "03 22 00 00 00"
    settings.contact_email = "contact@ilot.asso.fr"
    settings.save()
    chemin_vert = EstablishmentPageFactory(
        title="CHRS Chemin Vert",
        street="4 rue du Chemin Vert",
        postcode="75011",
        city="Paris",
        departement="75",
        latitude=Decimal("48.859000"),
        longitude=Decimal("2.379000"),
        email="chemin-vert@ilot.asso.fr",
        publics=[Public.MEN_ALONE],
        referral_types=[ReferralType.PSE, ReferralType.SORTIE_SECHE],
        admission_criteria="<p>Homme seul, majeur, sous main de justice.</p>",
        place_rows=[(PlaceType.INSERTION, 60, "54 chambres et 6 studios")],
        fees=Fees.PAID,
        fees_details="Participation financière selon les ressources.",
    )
    passerelle = EstablishmentPageFactory(
        title="CHU La Passerelle",
        kind=EstablishmentKind.CHU,
        publics=[Public.WOMEN_ALONE, Public.FAMILIES],
        referral_types=[ReferralType.SIAO_URGENCE],
        accepts_online_referrals=False,
        phone="",
        fees=Fees.FREE,
    )
    aqi = ProgrammePageFactory(
        title="Ateliers Qualification-Insertion",
        duration="8 à 9 mois",
        locations="Paris, Aubervilliers, Amiens",
        fees=Fees.FREE,
    )
    return {"chemin_vert": chemin_vert, "passerelle": passerelle, "aqi": aqi}


def count_queries(client, url) -> int:
    """Queries of a request, caches warmed (counted directly: the debug log may be full)."""
    client.get(url)
    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        assert client.get(url).status_code == 200
    return len(executed)


def items(client, url, **params) -> list[dict]:
    response = client.get(url, {"size": 500, **params})
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_structures_validate_against_the_schema(client, offer):
    structures = items(client, STRUCTURES)
    for item in structures:
        Structure.model_validate(item, context=STRICT)
    by_id = {item["id"]: item for item in structures}
    chemin_vert = by_id[f"ilot--etablissement-{offer['chemin_vert'].pk}"]
    assert chemin_vert["source"] == "ilot"
    assert chemin_vert["nom"] == "CHRS Chemin Vert"
    assert chemin_vert["commune"] == "Paris"
    assert chemin_vert["code_postal"] == "75011"
    assert chemin_vert["code_insee"] == "75111"
    assert chemin_vert["adresse"] == "4 rue du Chemin Vert"
    assert chemin_vert["latitude"] == 48.859
    assert chemin_vert["telephone"] == "+33143143100"
    assert chemin_vert["courriel"] == "chemin-vert@ilot.asso.fr"
    assert chemin_vert["reseaux_porteurs"] == ["chrs"]
    assert chemin_vert["lien_source"].endswith("/chrs-chemin-vert/")
    passerelle = by_id[f"ilot--etablissement-{offer['passerelle'].pk}"]
    assert passerelle["code_insee"] == "80021"  # Amiens
    assert passerelle["reseaux_porteurs"] == ["chu"]
    association = by_id["ilot--association"]
    assert association["nom"] == "L'Îlot"
    assert association["code_postal"] == "80000"
    assert association["commune"] == "Amiens"
    assert association["adresse"] == "10 rue de l'Exemple"


def test_services_validate_against_the_schema(client, offer):
    services = items(client, SERVICES)
    structure_ids = {item["id"] for item in items(client, STRUCTURES)}
    for item in services:
        Service.model_validate(item, context=STRICT)
        assert item["structure_id"] in structure_ids
    by_id = {item["id"]: item for item in services}

    hosting = by_id[f"ilot--etablissement-{offer['chemin_vert'].pk}--chrs"]
    assert (
        "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"
        in (hosting["thematiques"])
    )
    assert hosting["publics"] == ["personnes-en-situation-juridique-specifique"]
    assert hosting["publics_precisions"] == "Hommes seuls"
    assert hosting["conditions_acces"] == "Homme seul, majeur, sous main de justice."
    assert hosting["zone_eligibilite"] == ["75"]
    assert hosting["modes_mobilisation"] == [
        "utiliser-lien-mobilisation",
        "envoyer-un-courriel",
        "telephoner",
    ]
    assert hosting["lien_mobilisation"].endswith("/orientations/nouvelle/")
    assert hosting["mobilisable_par"] == ["professionnels"]
    assert "60 insertion" in hosting["description"]
    assert "PSE" in hosting["mobilisation_precisions"]

    emergency = by_id[f"ilot--etablissement-{offer['passerelle'].pk}--chu"]
    assert emergency["publics"] == ["familles", "femmes", "personnes-en-situation-durgence"]
    # No online referral, no e-mail, no phone of its own: the association's head office.
    assert emergency["modes_mobilisation"] == ["envoyer-un-courriel", "telephoner"]
    assert emergency["telephone"] == "+33322000000"
    assert emergency["courriel"] == "contact@ilot.asso.fr"
    assert emergency["lien_mobilisation"] is None
    assert emergency["frais"] == "gratuit"
    assert hosting["frais"] == "payant"
    assert hosting["frais_precisions"] == "Participation financière selon les ressources."
    assert emergency["mobilisable_par"] == ["professionnels", "usagers"]

    programme = by_id[f"ilot--programme-{offer['aqi'].pk}"]
    assert programme["structure_id"] == "ilot--association"
    assert programme["type"] == "formation"
    assert "se-former--trouver-sa-formation" in programme["thematiques"]
    assert programme["publics"] == ["demandeurs-emploi"]
    assert "Durée : 8 à 9 mois." in programme["description"]


def test_hidden_pages_are_not_exported(client, offer):
    draft = EstablishmentPageFactory(title="CHRS en projet", live=False)
    private = EstablishmentPageFactory(title="CHRS confidentiel")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    offer["aqi"].unpublish()
    ids = {item["id"] for item in items(client, STRUCTURES)}
    ids |= {item["id"] for item in items(client, SERVICES)}
    for page in (draft, private):
        assert f"ilot--etablissement-{page.pk}" not in ids
    assert f"ilot--programme-{offer['aqi'].pk}" not in ids


def test_pagination(client, offer):
    response = client.get(SERVICES, {"size": 2, "page": 2})
    assert response.json()["total"] == 3
    assert response.json()["pages"] == 2
    assert len(response.json()["items"]) == 1
    assert client.get(SERVICES, {"size": 2, "page": 9}).json()["items"] == []
    assert client.get(SERVICES, {"size": 0}).status_code == 422
    assert client.get(SERVICES, {"size": 501}).status_code == 422


def test_ids_are_stable(client, offer):
    before = {item["id"] for item in items(client, SERVICES)}
    page = offer["chemin_vert"]
    page.slug = "chemin-vert"
    page.title = "CHRS du Chemin Vert"
    page.save()
    assert {item["id"] for item in items(client, SERVICES)} == before


def test_documented(client):
    schema = client.get("/api/data-inclusion/v1/openapi.json").json()
    assert {"/api/data-inclusion/v1/structures/", "/api/data-inclusion/v1/services/"} <= set(
        schema["paths"]
    )
    assert client.get("/api/data-inclusion/v1/docs/").status_code == 200


@pytest.mark.parametrize("url", [STRUCTURES, SERVICES])
def test_query_counts_do_not_grow(client, offer, django_assert_max_num_queries, url):
    EstablishmentPageFactory.create_batch(2, place_rows=[(PlaceType.URGENCE, 5, "")])
    with_three = count_queries(client, url)
    EstablishmentPageFactory.create_batch(27, place_rows=[(PlaceType.URGENCE, 5, "")])
    ProgrammePageFactory.create_batch(10)
    client.get(url)
    with django_assert_max_num_queries(with_three):
        response = client.get(url, {"size": 500})
    assert response.json()["total"] >= 30


def test_the_demo_offer_validates(client):
    from cms import demo as cms_demo

    cms_demo.load()
    structures = items(client, STRUCTURES)
    services = items(client, SERVICES)
    assert len(structures) > 5 and len(services) > 5
    for item in structures:
        Structure.model_validate(item, context=STRICT)
    for item in services:
        Service.model_validate(item, context=STRICT)
    association = next(item for item in structures if item["id"] == "ilot--association")
    assert (association["code_postal"], association["commune"]) == ("93500", "Pantin")


def assert_quality(services: list[dict]):
    """Every service scores at least 0.8 on the schema's own quality score (score_qualite)."""
    low = {}
    for item in services:
        value, details = score_qualite.score(Service.model_validate(item, context=STRICT))
        if value < 0.8:
            low[item["id"]] = (value, {k: v for k, v in details.items() if v is not None and v < 1})
    assert not low, low


def test_every_service_scores_well_on_the_quality_score(client, offer):
    assert_quality(items(client, SERVICES))


def test_every_demo_service_scores_well_on_the_quality_score(client):
    from cms import demo as cms_demo

    cms_demo.load()
    assert_quality(items(client, SERVICES))
