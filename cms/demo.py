"""Demo content of the public site, from the association's public reports (facts and figures;
the prose is ours). ``load()`` is idempotent: pages are found by slug under their parent, and a
revision is saved and published only when something changed."""

import colorsys
import io
import json
import logging
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import GroupApprovalTask, Page, Site, Workflow, WorkflowPage, WorkflowTask
from wagtail.search import index

from .choices import EstablishmentKind as Kind
from .choices import PlaceType as Place
from .choices import Public
from .choices import ReferralType as Ref
from .models import (
    AccessibilityStatus,
    EstablishmentIndexPage,
    EstablishmentPage,
    EstablishmentPlace,
    GlossaryPage,
    GlossaryTerm,
    HomeKeyFigure,
    HomePage,
    KeyFigure,
    NewsIndexPage,
    NewsPage,
    ProgrammeIndexPage,
    ProgrammePage,
    SiteSettings,
    StandardPage,
)
from .signals import sync_editor_group

EDITOR_EMAIL = "editeur@demo.ilot.test"
PHONE = "01 43 14 31 00"
REPORT_2019 = "Rapport d'activité 2019"

# --------------------------------------------------------------------------------------------
# StreamField helpers (raw JSON form, so that comparisons are stable)
# --------------------------------------------------------------------------------------------


def h2(text):
    return {"type": "heading", "value": {"level": "h2", "text": text}}


def h3(text):
    return {"type": "heading", "value": {"level": "h3", "text": text}}


def para(*paragraphs):
    return {"type": "paragraph", "value": "".join(f"<p>{p}</p>" for p in paragraphs)}


def bullets(*items):
    return {
        "type": "paragraph",
        "value": "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>",
    }


def quote(text, attribution=""):
    return {"type": "quote", "value": {"text": text, "attribution": attribution}}


def figure(key_figure):
    return {
        "type": "key_figure",
        "value": {"figure": key_figure.pk, "value": None, "unit": "", "label": ""},
    }


def cta(text, page=None, url=""):
    return {
        "type": "call_to_action",
        "value": {"text": text, "page": page.pk if page else None, "url": url},
    }


def image_block(image, alt="", decorative=False, caption=""):
    return {
        "type": "image",
        "value": {"image": image.pk, "alt": alt, "decorative": decorative, "caption": caption},
    }


# --------------------------------------------------------------------------------------------
# Idempotent upserts
# --------------------------------------------------------------------------------------------


def _strip_ids(data):
    if isinstance(data, dict):
        return {key: _strip_ids(value) for key, value in data.items() if key != "id"}
    if isinstance(data, list):
        return [_strip_ids(item) for item in data]
    return data


def _comparable(page, names, with_places):
    data = {}
    for name in names:
        field = page._meta.get_field(name)
        value = field.value_from_object(page)
        if isinstance(field, StreamField):
            value = field.get_prep_value(value)
            if isinstance(value, str):
                value = json.loads(value)
            value = json.dumps(_strip_ids(value), sort_keys=True, default=str)
        data[name] = value
    if with_places:
        data["places"] = [(p.place_type, p.count, p.note) for p in page.places.all()]
    return data


class Loader:
    def __init__(self):
        self.created = 0
        self.updated = 0
        self.pages = []

    def page(self, parent, model, slug, **fields):
        """The page ``slug`` under ``parent``, created or brought up to date (and published)."""
        places = fields.pop("place_rows", None)
        page = model.objects.child_of(parent).filter(slug=slug).first()
        if page is None:
            page = model(slug=slug, **fields)
            if places is not None:
                page.places = [EstablishmentPlace(**place) for place in places]
            parent.add_child(instance=page)
            page.save_revision().publish()
            self.created += 1
        else:
            before = _comparable(page, fields, places is not None)
            for name, value in fields.items():
                setattr(page, name, value)
            if places is not None:
                page.places = [EstablishmentPlace(**place) for place in places]
            if _comparable(page, fields, places is not None) != before or not page.live:
                page.save_revision().publish()
                self.updated += 1
            page = model.objects.get(pk=page.pk)
        self.pages.append(page)
        return page

    @staticmethod
    def row(model, lookup, **values):
        """Create or update a plain model row; save only when a value changed."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            return model.objects.create(**lookup, **values)
        changed = False
        for name, value in values.items():
            field = model._meta.get_field(name)
            if field.is_relation:
                if getattr(obj, field.attname) != (value.pk if value is not None else None):
                    setattr(obj, name, value)
                    changed = True
            elif getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed:
            obj.save()
        return obj


# --------------------------------------------------------------------------------------------
# Images: simple generated illustrations (decorative), so that the demo needs no download
# --------------------------------------------------------------------------------------------


def _illustration(title, hue):
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing is not None:
        return existing
    from PIL import Image as PILImage
    from PIL import ImageDraw

    width, height = 1200, 675
    picture = PILImage.new("RGB", (width, height))
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        r, g, b = colorsys.hls_to_rgb(hue, 0.30 + 0.25 * y / height, 0.55)
        draw.line([(0, y), (width, y)], fill=(int(r * 255), int(g * 255), int(b * 255)))
    for i in range(6):
        x = 120 + i * 190
        draw.ellipse([x - 70, 380 - i * 35, x + 70, 520 - i * 35], fill=(255, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    slug = title.lower().replace(" ", "-").replace("'", "")
    image = Image(title=title, description="")
    image.file = ImageFile(buffer, name=f"demo-{slug}.png")
    image.save()
    return image


# --------------------------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------------------------

GLOSSARY = [
    (
        "Centre d'hébergement et de réinsertion sociale",
        "CHRS",
        "Établissement qui héberge des personnes ou des familles sans logement et les accompagne "
        "dans tous les aspects de leur réinsertion : accès aux droits, emploi, santé, logement.",
    ),
    (
        "Centre d'hébergement d'urgence",
        "CHU",
        "Établissement qui met à l'abri sans condition des personnes sans domicile, pour la nuit "
        "ou pour quelques semaines, et leur propose un premier accompagnement.",
    ),
    (
        "Lits halte soins santé",
        "LHSS",
        "Places d'hébergement médicalisées pour des personnes sans abri dont l'état de santé "
        "demande des soins qu'elles ne peuvent pas recevoir à la rue, sans relever de l'hôpital.",
    ),
    (
        "Conseiller pénitentiaire d'insertion et de probation",
        "CPIP",
        "Agent du SPIP qui suit les personnes condamnées, en détention ou en milieu ouvert, "
        "contrôle leurs obligations et prépare avec elles leur sortie. C'est souvent lui qui "
        "oriente une personne vers L'Îlot.",
    ),
    (
        "Juge de l'application des peines",
        "JAP",
        "Juge qui fixe les modalités d'exécution des peines de prison ou restrictives de liberté "
        "et veille à leur respect, en détention comme à l'extérieur. Il accorde les aménagements "
        "de peine.",
    ),
    (
        "Personne placée sous main de justice",
        "PPSMJ",
        "Personne qui exécute une peine en prison ou en milieu ouvert (aménagement de peine, peine "
        "alternative ou complémentaire), ou qui attend son jugement en détention provisoire ou "
        "sous contrôle judiciaire.",
    ),
    (
        "Placement sous surveillance électronique",
        "PSE",
        "Aménagement de peine « sous écrou » : la personne vit à son domicile ou dans un centre "
        "d'hébergement et n'en sort qu'à des heures fixées, contrôlées par un bracelet "
        "électronique. Il suppose une adresse d'hébergement stable.",
    ),
    (
        "Semi-liberté",
        "SL",
        "Aménagement de peine « sous écrou » : la personne détenue quitte l'établissement "
        "pénitentiaire à certaines heures pour travailler, se former, se soigner ou mener un "
        "projet "
        "d'insertion, et y revient le soir.",
    ),
    (
        "Placement à l'extérieur",
        "PE",
        "Aménagement de peine « sous écrou » : la personne est hébergée hors de la prison, par "
        "exemple dans une association conventionnée par le SPIP, pour mener à bien un projet "
        "d'insertion, en respectant des obligations.",
    ),
    (
        "Libération conditionnelle",
        "LC",
        "Remise en liberté avant la fin de la peine, sans écrou, assortie d'obligations destinées "
        "à prévenir la récidive.",
    ),
    (
        "Contrôle judiciaire",
        "CJ",
        "Mesure qui, en attendant le jugement, soumet la personne mise en examen à des "
        "obligations (soins, interdictions de lieux ou de contacts…) au lieu de la détention "
        "provisoire.",
    ),
    (
        "Suivi socio-judiciaire",
        "SSJ",
        "Peine principale ou complémentaire qui oblige la personne condamnée, après sa sortie, à "
        "respecter des mesures de surveillance et d'assistance, comme une obligation de soins.",
    ),
    (
        "Sursis avec mise à l'épreuve",
        "SME",
        "La personne condamnée est dispensée d'exécuter tout ou partie de sa peine de prison si "
        "elle respecte des obligations pendant un délai d'épreuve. Remplacé depuis 2020 par le "
        "sursis probatoire.",
    ),
    (
        "Travail d'intérêt général",
        "TIG",
        "Peine alternative à la prison : un travail non rémunéré de 20 à 400 heures, effectué "
        "dans une collectivité, un établissement public ou une association habilitée, comme les "
        "établissements et ateliers de L'Îlot.",
    ),
    (
        "Contrat à durée déterminée d'insertion",
        "CDDI",
        "Contrat de travail de quelques mois, renouvelable, proposé par une structure "
        "d'insertion à une personne éloignée de l'emploi, avec un accompagnement "
        "socioprofessionnel.",
    ),
    (
        "Atelier et chantier d'insertion",
        "ACI",
        "Structure d'insertion qui embauche en CDDI des personnes très éloignées de l'emploi et "
        "les forme en situation réelle de production : restauration, mécanique, menuiserie…",
    ),
    (
        "Structure d'insertion par l'activité économique",
        "SIAE",
        "Terme qui regroupe les ateliers et chantiers d'insertion, entreprises d'insertion, "
        "associations intermédiaires et entreprises de travail temporaire d'insertion.",
    ),
    (
        "Service intégré d'accueil et d'orientation",
        "SIAO",
        "Service départemental qui recense les places d'hébergement et oriente les personnes sans "
        "abri vers l'urgence ou l'insertion. Le 115 en dépend.",
    ),
    (
        "Service pénitentiaire d'insertion et de probation",
        "SPIP",
        "Service départemental de l'administration pénitentiaire, présent en prison et en milieu "
        "ouvert, qui contrôle le respect des obligations judiciaires et appuie la réinsertion pour "
        "prévenir la récidive.",
    ),
    (
        "Sortie positive",
        "",
        "Sortie d'un établissement ou d'un programme de L'Îlot avec une perspective d'emploi, de "
        "formation ou de logement.",
    ),
    (
        "Sortie sèche",
        "",
        "Sortie de détention sans hébergement ni accompagnement préparés. C'est la situation que "
        "les conventions entre L'Îlot et les SPIP cherchent à éviter.",
    ),
    (
        "Aménagement de peine",
        "",
        "Manière d'exécuter une peine de prison autrement qu'en détention complète : semi-liberté, "
        "placement à l'extérieur, surveillance électronique, libération conditionnelle.",
    ),
    (
        "Atelier Qualification-Insertion",
        "AQI",
        "Formation rémunérée de 8 à 9 mois, en CDDI, au titre d'agent de restauration collective, "
        "pour des personnes sous main de justice ou très éloignées de l'emploi.",
    ),
    (
        "Session d'orientation approfondie",
        "SOA",
        "Parcours de deux mois, mené avec le SPIP de Seine-Saint-Denis, pour construire un projet "
        "professionnel réaliste pendant un aménagement de peine ou un TIG.",
    ),
    (
        "Offre de repérage et de remobilisation",
        "O2R",
        "Programme du ministère du Travail, porté par L'Îlot dans la Somme et en Île-de-France "
        "sous le nom « En route vers l'emploi », pour aller vers des personnes vulnérables, "
        "surtout sous main de justice, et les remobiliser vers l'emploi.",
    ),
    (
        "Conseiller en insertion professionnelle",
        "CIP",
        "Professionnel qui aide chaque personne à construire son projet professionnel, à "
        "chercher un emploi ou une formation et à lever les freins qui l'en éloignent.",
    ),
    (
        "Pension de famille",
        "",
        "Logement durable, en petites unités avec des espaces partagés et la présence d'hôtes, "
        "pour des personnes isolées qui ont besoin de temps pour se stabiliser.",
    ),
    (
        "Halte de nuit",
        "",
        "Lieu ouvert la nuit, sans condition, pour mettre à l'abri des personnes en grande errance "
        "qui ne sollicitent pas le 115.",
    ),
    (
        "Domiciliation",
        "",
        "Adresse administrative fournie à une personne sans domicile stable pour recevoir son "
        "courrier et faire valoir ses droits. La Passerelle en assure, souvent à la demande du "
        "SPIP.",
    ),
]


def load_glossary():
    for term, abbreviation, definition in GLOSSARY:
        Loader.row(GlossaryTerm, {"term": term}, abbreviation=abbreviation, definition=definition)


def load_key_figures(pages):
    """Key figures by page slug (None: the whole association). Returns them by key."""
    figures = {}
    order = 0

    def add(key, slug, year, label, value, unit="", source=REPORT_2019, target=""):
        nonlocal order
        order += 10
        page = pages.get(slug) if slug else None
        figures[key] = Loader.row(
            KeyFigure,
            {"label": label, "year": year, "page": page},
            value=None if value is None else Decimal(str(value)),
            unit=unit,
            source=source,
            target=target,
            sort_order=order,
        )

    brochure = "Plaquette de l'association, 2025"
    add("per_year", None, 2025, "personnes accompagnées chaque année", 1500, "", brochure)
    add(
        "justice_share",
        None,
        2019,
        "des personnes accompagnées sortaient de prison ou étaient sous main de justice",
        "56.3",
        "%",
    )
    add("meals", None, 2019, "repas servis", 85506)
    add("people_2019", None, 2019, "personnes accompagnées en 2019", 1329)

    cv = "chrs-chemin-vert"
    add("cv_people", cv, 2019, "hommes hébergés et accompagnés", 113)
    add("cv_pse", cv, 2019, "personnes accueillies en PSE (bracelet électronique)", 31)
    add("cv_pse_done", cv, 2019, "des personnes en PSE sont allées au bout de la mesure", 84, "%")
    add("cv_pse_work", cv, 2019, "en emploi à la fin de leur PSE (52 %)", 16, "personnes")
    add("cv_stay", cv, 2019, "durée moyenne du séjour", 12, "mois")

    vdm = "chrs-ilot-val-de-marne"
    add("vdm_people", vdm, 2019, "personnes hébergées et accompagnées", 59)
    add("vdm_housing", vdm, 2019, "des sorties positives vers un logement autonome", 74, "%")
    add("vdm_work", vdm, 2019, "des sorties positives avec un emploi ou une formation", 79, "%")

    th = "chrs-thuillier"
    add("th_people", th, 2019, "personnes hébergées et accompagnées", 172)
    add("th_housing", th, 2019, "des sorties positives vers un logement autonome", 95, "%")

    aug = "chrs-les-augustins"
    add("aug_people", aug, 2019, "personnes hébergées et accompagnées", 117)
    add("aug_justice", aug, 2019, "de personnes sortant de prison ou sous main de justice", 49, "%")
    add("aug_tig", aug, 2019, "personnes ont effectué leur TIG dans l'établissement", 10)

    pas = "chu-la-passerelle"
    add(
        "pas_requests", pas, 2019, "demandes de « sortie sèche » examinées (convention SPIP 80)", 53
    )
    add("pas_favourable", pas, 2019, "avis favorables de la commission interne", 44)
    add("pas_taken_in", pas, 2019, "personnes prises en charge dès leur sortie de détention", 21)
    add("pas_people", pas, 2019, "personnes accueillies", 756)
    add("pas_nights", pas, 2019, "nuitées en halte de nuit", 1475)

    at = "ateliers-de-l-ilot"
    add("at_employees", at, 2019, "salariés en insertion dans les trois ateliers", 95)
    add("at_tig", at, 2019, "personnes ont effectué leur TIG dans les ateliers", 31)
    add(
        "at_exits",
        at,
        2019,
        "de sorties dynamiques (emploi, formation ou embauche en SIAE)",
        38,
        "%",
    )

    aqi = "ateliers-qualification-insertion"
    add("aqi_recruited", aqi, 2019, "personnes recrutées sur les 3 promotions diplômées", 39)
    add(
        "aqi_graduated", aqi, 2019, "des personnes présentées à l'examen ont été diplômées", 92, "%"
    )

    soa = "session-d-orientation-approfondie"
    add("soa_participants", soa, 2019, "participants à la session", 6)
    add("soa_completed", soa, 2019, "sont allés au bout du parcours", 67, "%")

    o2r = "o2r-en-route-vers-l-emploi"
    results = "Résultats au 31/12/2025"
    for key, label, target, value, unit in [
        ("o2r_people", "Nombre de bénéficiaires sur 3 ans", "179 (dont 58 en 2025)", 26, ""),
        ("o2r_justice", "Personnes sous main de justice ou anciens détenus", "60 %", 100, "%"),
        ("o2r_young", "Jeunes de moins de 26 ans sans ressource ou en rupture", "20 %", 4, "%"),
        ("o2r_deld", "Demandeurs d'emploi de longue durée (DELD)", "20 %", 24, "%"),
        ("o2r_job6", "Taux de présence en emploi à 6 mois", "50 %", 19, "%"),
        ("o2r_training", "Taux de sortie en formation certifiante ou qualifiante", "25 %", 4, "%"),
        (
            "o2r_ft",
            "Personnes inscrites (et actualisées) à France Travail après le début de "
            "l'accompagnement",
            "85 %",
            80,
            "%",
        ),
        ("o2r_duration", "Durée moyenne de l'accompagnement", "9 mois", 6, "mois"),
        ("o2r_individual", "Taux de présence aux rendez-vous individuels", "75 %", 68, "%"),
        ("o2r_collective", "Taux de présence aux ateliers collectifs", "55 %", None, "%"),
    ]:
        add(key, o2r, 2025, label, value, unit, results, target)
    add("o2r_exits", o2r, 2025, "sorties positives directement vers l'emploi en 2025", 5, "", "")
    add(
        "o2r_meetings", o2r, 2025, "rencontres avec les personnes accompagnées en 2025", 166, "", ""
    )
    return figures


def establishments(loader, index_page):
    common = {"phone": PHONE, "accepts_online_referrals": True}
    pages = {}
    pages["chrs-chemin-vert"] = loader.page(
        index_page,
        EstablishmentPage,
        "chrs-chemin-vert",
        title="CHRS Chemin Vert",
        kind=Kind.CHRS,
        intro=(
            "Au cœur du 11e arrondissement de Paris, le CHRS Chemin Vert héberge et accompagne des "
            "hommes seuls qui sortent de prison ou sont sous main de justice, en particulier "
            "pendant un aménagement de peine sous bracelet électronique."
        ),
        street="Rue du Chemin-Vert",
        postcode="75011",
        city="Paris",
        departement="75",
        latitude=Decimal("48.859300"),
        longitude=Decimal("2.380100"),
        publics=[Public.MEN_ALONE],
        place_rows=[
            {
                "place_type": Place.INSERTION,
                "count": 60,
                "note": "54 chambres individuelles et 6 studios",
            }
        ],
        admission_criteria=(
            "<ul><li>Homme seul, majeur, sortant de détention ou sous main de justice.</li>"
            "<li>Aménagement de peine (PSE, semi-liberté, placement à l'extérieur, libération "
            "conditionnelle) ou fin de peine à préparer.</li>"
            "<li>Adhésion de la personne au projet d'accompagnement.</li></ul>"
        ),
        referral_types=[
            Ref.PSE,
            Ref.SEMI_LIBERTE,
            Ref.PLACEMENT_EXTERIEUR,
            Ref.LIBERATION_CONDITIONNELLE,
            Ref.SORTIE_SECHE,
            Ref.SIAO_INSERTION,
        ],
        body=[
            h2("Une adresse pour obtenir un aménagement de peine"),
            para(
                "Un juge de l'application des peines n'accorde un placement sous surveillance "
                "électronique que si la personne dispose d'un hébergement stable. Chemin Vert en a "
                "fait sa spécialité : en 2019, près de la moitié des nouveaux résidents sont "
                "arrivés avec un bracelet électronique, et la grande majorité sont allés au bout "
                "de la mesure dans l'établissement.",
                "L'équipe éducative aide chacun à respecter ses horaires, à supporter les "
                "contraintes du bracelet et à tenir ses obligations de soins ou de travail, en "
                "lien "
                "étroit avec les SPIP.",
            ),
            h2("Commencer avant la sortie"),
            para(
                "Des permanences à la maison d'arrêt de Fleury-Mérogis permettent de rencontrer, "
                "avant leur sortie, les personnes détenues qui souhaitent effectuer leur "
                "aménagement de peine à Chemin Vert : c'est la continuité « dedans-dehors »."
            ),
            h2("L'emploi comme moteur"),
            para(
                "Un bénévole de Solidarités Nouvelles face au Chômage et les conseillers de "
                "l'association accompagnent les résidents dans leur recherche d'emploi : CV, "
                "espace France Travail, préparation des entretiens. Boulangerie, livraison, fibre "
                "optique, bâtiment, restauration : les secteurs d'embauche sont variés."
            ),
            quote(
                "Je m'efforce de leur redonner des repères et une confiance longtemps bafouée, en "
                "eux-mêmes comme envers la société.",
                "P. F., éducateur spécialisé",
            ),
        ],
        **common,
    )
    pages["chrs-ilot-val-de-marne"] = loader.page(
        index_page,
        EstablishmentPage,
        "chrs-ilot-val-de-marne",
        title="CHRS L'Îlot Val-de-Marne",
        kind=Kind.CHRS,
        intro=(
            "Deux maisons d'accueil, à Vincennes et à Villiers-sur-Marne, pour des femmes "
            "seules et "
            "des couples sans enfant. Priorité est donnée aux femmes sous main de justice."
        ),
        street="Maisons d'accueil de Vincennes et de Villiers-sur-Marne",
        postcode="94300",
        city="Vincennes",
        departement="94",
        latitude=Decimal("48.847400"),
        longitude=Decimal("2.439600"),
        publics=[Public.WOMEN_ALONE, Public.COUPLES],
        place_rows=[],  # capacity not given by the 2019 report (59 people housed that year)
        admission_criteria=(
            "<ul><li>Femme seule ou couple sans enfant, majeurs.</li>"
            "<li>Priorité aux femmes sortant de détention ou sous main de justice.</li>"
            "<li>Orientation par le SIAO ou par un SPIP.</li></ul>"
        ),
        referral_types=[
            Ref.SORTIE_SECHE,
            Ref.PSE,
            Ref.PLACEMENT_EXTERIEUR,
            Ref.LIBERATION_CONDITIONNELLE,
            Ref.SIAO_INSERTION,
        ],
        body=[
            h2("S'adapter à chaque parcours de vie"),
            para(
                "La première chose que fait l'équipe, quand une résidente ou un couple arrive, "
                "c'est écouter : laisser la personne raconter son parcours avec ses mots, avant "
                "de construire avec elle un cadre dans lequel elle peut avancer sereinement.",
                "Pour les femmes victimes de violences conjugales ou familiales, l'accompagnement "
                "aide aussi à apprendre à dire non et à prendre soin de soi.",
            ),
            h2("Un conseiller en insertion professionnelle sur place"),
            para(
                "Un conseiller en insertion professionnelle travaille à plein temps sur les deux "
                "sites : projet professionnel, CV, entretiens, contacts avec les missions locales, "
                "France Travail et les chantiers d'insertion."
            ),
        ],
        **common,
    )
    pages["chrs-thuillier"] = loader.page(
        index_page,
        EstablishmentPage,
        "chrs-thuillier",
        title="CHRS Thuillier",
        kind=Kind.CHRS,
        intro=(
            "À Amiens, le CHRS Thuillier accueille surtout des femmes seules, des familles et des "
            "parents isolés avec leurs enfants, ainsi que des pères qui renouent avec leurs "
            "enfants après la prison."
        ),
        street="Rue Thuillier",
        postcode="80000",
        city="Amiens",
        departement="80",
        latitude=Decimal("49.889600"),
        longitude=Decimal("2.303100"),
        publics=[Public.WOMEN_ALONE, Public.FAMILIES, Public.SINGLE_PARENTS, Public.MEN_ALONE],
        place_rows=[
            {
                "place_type": Place.INSERTION,
                "count": 64,
                "note": "Hébergement d'insertion, de stabilisation et d'urgence",
            },
            {
                "place_type": Place.LHSS,
                "count": 5,
                "note": "Lits halte soins santé pour femmes, suivis par le CHRS Les Augustins",
            },
        ],
        admission_criteria=(
            "<ul><li>Femmes seules, familles, parents isolés avec leurs enfants.</li>"
            "<li>Pères sortant de détention dans le cadre d'un projet de parentalité.</li>"
            "<li>Orientation par le SIAO de la Somme ou par le SPIP.</li></ul>"
        ),
        referral_types=[Ref.SORTIE_SECHE, Ref.SIAO_INSERTION, Ref.SIAO_URGENCE],
        body=[
            h2("Un soutien psychologique"),
            para(
                "Des psychologues et le centre médico-psychologique reçoivent les résidents qui le "
                "souhaitent, en complément de l'accompagnement socio-éducatif de l'équipe."
            ),
            h2("France Travail au sein de l'établissement"),
            para(
                "Depuis 2019, deux conseillers de France Travail (alors Pôle emploi) reçoivent les "
                "résidents dans le CHRS : CV, lettres de motivation, préparation aux entretiens. "
                "La part de résidents sans emploi ni recherche active a fortement baissé."
            ),
            h2("Préserver le lien de parentalité"),
            para(
                "L'équipe accompagne des pères dont le lien avec leurs enfants a été éprouvé par "
                "l'incarcération, pour qu'ils reprennent contact et puissent les accueillir."
            ),
        ],
        **common,
    )
    pages["chrs-les-augustins"] = loader.page(
        index_page,
        EstablishmentPage,
        "chrs-les-augustins",
        title="CHRS Les Augustins",
        kind=Kind.CHRS,
        intro=(
            "En centre-ville d'Amiens, Les Augustins accueillent 56 hommes seuls en rupture "
            "sociale, familiale ou professionnelle, en priorité ceux qui sortent de prison ou sont "
            "en aménagement de peine."
        ),
        street="Rue des Augustins",
        postcode="80000",
        city="Amiens",
        departement="80",
        latitude=Decimal("49.894100"),
        longitude=Decimal("2.295800"),
        publics=[Public.MEN_ALONE, Public.YOUNG_ADULTS],
        place_rows=[
            {"place_type": Place.INSERTION, "count": 20, "note": ""},
            {
                "place_type": Place.PENSION_DE_FAMILLE,
                "count": 20,
                "note": "Pour des résidents qui ont besoin de temps pour se stabiliser",
            },
            {
                "place_type": Place.LHSS,
                "count": 11,
                "note": "6 places pour hommes ; 5 places pour femmes situées au CHRS Thuillier",
            },
            {"place_type": Place.DIFFUSE, "count": 6, "note": "Hébergement temporaire en ville"},
            {"place_type": Place.URGENCE, "count": 2, "note": "Sur orientation du SIAO urgence"},
        ],
        admission_criteria=(
            "<ul><li>Homme seul, majeur.</li>"
            "<li>Priorité au public « justice », notamment en aménagement de peine.</li>"
            "<li>Places d'urgence : uniquement sur orientation du SIAO.</li></ul>"
        ),
        referral_types=[
            Ref.SORTIE_SECHE,
            Ref.PSE,
            Ref.SEMI_LIBERTE,
            Ref.PLACEMENT_EXTERIEUR,
            Ref.LIBERATION_CONDITIONNELLE,
            Ref.TIG,
            Ref.SIAO_INSERTION,
            Ref.SIAO_URGENCE,
        ],
        body=[
            h2("Une diversité de réponses"),
            para(
                "Insertion, pension de famille, lits halte soins santé, logements en diffus et "
                "places d'urgence : l'établissement couvre des besoins identifiés par le SIAO, "
                "les SPIP et les services de santé du territoire amiénois.",
                "Une convention avec le SPIP de la Somme permet aussi d'y effectuer des travaux "
                "d'intérêt général.",
            ),
            h2("Accompagner les jeunes adultes sortant de prison"),
            para(
                "L'équipe a adapté son accompagnement aux jeunes hommes fragilisés par la "
                "détention : un cadre sécurisant, de nouveaux repères, un soutien à l'insertion "
                "sociale, professionnelle, culturelle et sportive."
            ),
        ],
        **common,
    )
    pages["chu-la-passerelle"] = loader.page(
        index_page,
        EstablishmentPage,
        "chu-la-passerelle",
        title="CHU La Passerelle",
        kind=Kind.CHU,
        intro=(
            "Le plus grand centre d'hébergement d'urgence de la Somme : hébergement d'urgence, "
            "accueil de jour, halte de nuit et domiciliation, à Amiens. Un lieu préparé à recevoir "
            "des personnes qui sortent de prison sans solution."
        ),
        street="Quartier Saint-Leu",
        postcode="80000",
        city="Amiens",
        departement="80",
        latitude=Decimal("49.897800"),
        longitude=Decimal("2.300300"),
        publics=[Public.MEN_ALONE, Public.WOMEN_ALONE],
        place_rows=[
            {"place_type": Place.URGENCE, "count": 46, "note": "Hommes seuls, toute l'année"},
            {
                "place_type": Place.WINTER_EXTRA,
                "count": 9,
                "note": "Période hivernale : 55 places au total",
            },
            {
                "place_type": Place.NIGHT_HALT,
                "count": 10,
                "note": "Six mois par an, pour les personnes en grande errance",
            },
        ],
        admission_criteria=(
            "<ul><li>Hébergement d'urgence : orientation par le 115 / SIAO urgence.</li>"
            "<li>Sortie de détention sans solution : demande du SPIP examinée par la commission "
            "interne, avant la date de sortie.</li>"
            "<li>Accueil de jour ouvert à toutes et à tous, sans condition.</li></ul>"
        ),
        referral_types=[Ref.SORTIE_SECHE, Ref.SIAO_URGENCE],
        body=[
            h2("Éviter les sorties sèches"),
            para(
                "Une convention avec le SPIP de la Somme permet à la commission interne de "
                "La Passerelle d'examiner, avant leur libération, les demandes des personnes qui "
                "sortiraient de détention sans hébergement. En 2019, 53 demandes ont été "
                "examinées et 44 ont reçu un avis favorable : 21 personnes ont été accueillies "
                "dès leur sortie et 3 réorientées vers le CHRS Les Augustins.",
                "Un référent « justice » est désigné dans l'équipe, en lien avec les SPIP de la "
                "Somme et du Pas-de-Calais.",
            ),
            h2("Accueil de jour et halte de nuit"),
            para(
                "Chaque jour, une soixantaine de personnes sans domicile y trouvent un repas "
                "chaud, "
                "des douches, des casiers et une adresse. La halte de nuit met à l'abri des "
                "personnes en grande errance qui ne font pas appel au 115."
            ),
            quote(
                "Chaque petite démarche est une avancée, pour elle comme pour l'équipe.",
                "Un membre de l'équipe de La Passerelle",
            ),
        ],
        **common,
    )
    pages["ateliers-de-l-ilot"] = loader.page(
        index_page,
        EstablishmentPage,
        "ateliers-de-l-ilot",
        title="Les Ateliers de l'Îlot",
        kind=Kind.WORKSHOP,
        intro=(
            "À Montières, au nord d'Amiens, trois ateliers et chantiers d'insertion embauchent en "
            "CDDI des personnes éloignées de l'emploi, notamment sous main de justice : "
            "L'Îlot Gourmand, Auto Bleue et la Menuiserie."
        ),
        street="Zone de Montières",
        postcode="80080",
        city="Amiens",
        departement="80",
        latitude=Decimal("49.910200"),
        longitude=Decimal("2.262500"),
        publics=[Public.MEN_ALONE, Public.WOMEN_ALONE, Public.YOUNG_ADULTS],
        place_rows=[],
        admission_criteria=(
            "<ul><li>Personne éloignée de l'emploi, éligible à un parcours d'insertion par "
            "l'activité économique.</li>"
            "<li>Contrat à durée déterminée d'insertion de 6 à 12 mois.</li>"
            "<li>Accueil de personnes condamnées à un travail d'intérêt général, en lien avec le "
            "SPIP.</li></ul>"
        ),
        referral_types=[Ref.WORK_INTEGRATION, Ref.TIG],
        body=[
            h2("L'Îlot Gourmand"),
            para(
                "Restaurant en libre-service, livraison de repas pour les collectivités, les "
                "entreprises et les associations, prestations traiteur : les salariés en insertion "
                "apprennent les métiers de la restauration en conditions réelles."
            ),
            h2("Auto Bleue"),
            para(
                "Entretien mécanique, carrosserie, pose de boîtiers éthanol, décalaminage et "
                "nettoyage intérieur et extérieur des véhicules."
            ),
            h2("La Menuiserie"),
            para(
                "Fabrication et réparation de mobilier : un métier manuel pour reprendre le rythme "
                "du travail et acquérir des gestes professionnels."
            ),
            h2("Un accompagnement vers l'emploi durable"),
            para(
                "Deux conseillers en insertion professionnelle accompagnent chaque salarié vers un "
                "emploi ou une formation à la sortie, et vont à la rencontre des personnes "
                "détenues lors du forum emploi de la maison d'arrêt d'Amiens."
            ),
        ],
        **common,
    )
    return pages


def programmes(loader, index_page):
    pages = {}
    pages["ateliers-qualification-insertion"] = loader.page(
        index_page,
        ProgrammePage,
        "ateliers-qualification-insertion",
        title="Ateliers Qualification-Insertion (AQI)",
        intro=(
            "Une formation rémunérée au titre d'agent de restauration collective, pour des "
            "personnes sortant de prison, en aménagement de peine ou très éloignées de l'emploi."
        ),
        target_public=(
            "Personnes sous main de justice ou présentant un risque de délinquance, très "
            "éloignées de l'emploi."
        ),
        publics=[Public.MEN_ALONE, Public.WOMEN_ALONE, Public.YOUNG_ADULTS],
        duration="8 à 9 mois, 24 à 26 heures par semaine",
        places=15,
        place_type=Place.TRAINING,
        yearly_target=None,
        partners="SPIP, France Travail, missions locales, PLIE, associations de réinsertion",
        locations="Paris, Aubervilliers (93), Amiens (80)",
        admission_criteria=(
            "<ul><li>Être motivé par les métiers de la restauration collective.</li>"
            "<li>Pouvoir suivre une formation de 8 à 9 mois en CDDI.</li></ul>"
        ),
        referral_types=[Ref.WORK_INTEGRATION, Ref.PLACEMENT_EXTERIEUR, Ref.SEMI_LIBERTE],
        accepts_online_referrals=True,
        phone=PHONE,
        body=[
            h2("Une qualification reconnue"),
            para(
                "Chaque année, des groupes de 12 à 15 personnes se forment en alternant pratique, "
                "théorie et stages en entreprise, encadrés par un tuteur. Le diplôme d'agent de "
                "restauration collective est un vrai bagage pour un nouveau départ.",
                "Les conseillers en insertion professionnelle animent aussi des ateliers "
                "collectifs : informatique, expression, savoir-être, premiers secours, droit du "
                "travail.",
            ),
            quote(
                "Aujourd'hui j'ai un CDI. Ce titre m'a redonné confiance face à un employeur.",
                "J. B., diplômé de l'AQI d'Aubervilliers",
            ),
        ],
    )
    pages["session-d-orientation-approfondie"] = loader.page(
        index_page,
        ProgrammePage,
        "session-d-orientation-approfondie",
        title="Session d'orientation approfondie (SOA)",
        intro=(
            "Deux mois pour construire un projet professionnel réaliste, pendant un aménagement de "
            "peine ou l'exécution d'un travail d'intérêt général. Mise en place avec le SPIP de "
            "Seine-Saint-Denis."
        ),
        target_public="Personnes en aménagement de peine ou exécutant des heures de TIG.",
        publics=[Public.MEN_ALONE, Public.WOMEN_ALONE, Public.YOUNG_ADULTS],
        duration="2 mois, suivi possible pendant 6 mois",
        places=None,  # 6 participants in 2019; no fixed capacity
        place_type=Place.TRAINING,
        yearly_target=None,
        partners="SPIP de Seine-Saint-Denis",
        locations="Aubervilliers (93)",
        admission_criteria=(
            "<ul><li>Être suivi par le SPIP de Seine-Saint-Denis.</li>"
            "<li>Être en aménagement de peine ou avoir des heures de TIG à effectuer.</li></ul>"
        ),
        referral_types=[Ref.TIG, Ref.WORK_INTEGRATION],
        accepts_online_referrals=True,
        phone=PHONE,
        body=[
            h2("Trois étapes"),
            bullets(
                "L'accueil, l'information et l'identification de la demande ;",
                "un pré-diagnostic social et professionnel et une préconisation construite avec "
                "la personne ;",
                "un plan d'action, complété par deux stages d'une semaine en entreprise.",
            ),
        ],
    )
    pages["o2r-en-route-vers-l-emploi"] = loader.page(
        index_page,
        ProgrammePage,
        "o2r-en-route-vers-l-emploi",
        title="O2R « En route vers l'emploi »",
        intro=(
            "Aller vers des personnes vulnérables, surtout sous main de justice, pour les "
            "remobiliser "
            "vers l'emploi : un accompagnement global et de proximité dans la Somme et en "
            "Île-de-France."
        ),
        target_public=(
            "Personnes en situation de vulnérabilité, dont 60 % de personnes sous main de "
            "justice ; "
            "jeunes de moins de 26 ans en rupture ; demandeurs d'emploi de longue durée."
        ),
        publics=[Public.MEN_ALONE, Public.WOMEN_ALONE, Public.YOUNG_ADULTS],
        duration="9 mois en moyenne, prolongeable 6 mois après l'embauche",
        places=None,
        place_type=Place.TRAINING,
        yearly_target=58,
        partners=(
            "SPIP de la Somme, France Travail, France Services, Maison départementale des "
            "solidarités et de l'insertion, communes du territoire. Financement : DREETS "
            "Hauts-de-France."
        ),
        locations=(
            "Doullens (le mardi, à France Travail), Flixecourt (le jeudi, à France Services), "
            "Amiens Nord à partir de 2026 ; Île-de-France."
        ),
        admission_criteria=(
            "<ul><li>Habiter le territoire ciblé (105 communes de la Somme et le quartier "
            "d'Amiens Nord).</li><li>Être volontaire pour un accompagnement vers "
            "l'emploi.</li></ul>"
        ),
        referral_types=[Ref.WORK_INTEGRATION],
        accepts_online_referrals=True,
        phone=PHONE,
        body=[
            h2("Un accompagnement global"),
            para(
                "Le parcours commence par un diagnostic, au plus près du domicile de la personne, "
                "dans les locaux de nos partenaires. Santé, mobilité, droits, logement : tous les "
                "freins sont travaillés, en interne ou avec les partenaires, en même temps que le "
                "projet professionnel.",
                "Sur trois ans, de 2024 à 2027, L'Îlot doit accompagner 179 personnes dans la "
                "Somme et 450 en Île-de-France.",
            ),
        ],
    )
    return pages


def standard_pages(loader, home, figures, establishments_index):
    pages = {}
    pages["l-association"] = loader.page(
        home,
        StandardPage,
        "l-association",
        title="L'association",
        show_in_menus=True,
        intro=(
            "Créée en 1969 et reconnue d'utilité publique depuis 1988, L'Îlot accueille, "
            "héberge et "
            "accompagne vers la réinsertion des personnes en grande détresse, en priorité celles "
            "qui sortent de prison ou sont encore sous main de justice."
        ),
        body=[
            h2("Nos missions"),
            para(
                "Accueillir sans condition, offrir un toit, puis construire avec chaque personne, "
                "accompagnée par un travailleur social, un projet individualisé : L'Îlot n'est "
                "qu'un passage, un tremplin vers une vie autonome.",
                "Nous luttons aussi contre les idées reçues qui ferment la porte de l'emploi et du "
                "logement aux personnes qui ont connu la prison : on ne peut pas réduire une "
                "personne à la peine qu'elle a purgée.",
            ),
            h2("Quatre piliers"),
            bullets(
                "<b>Le logement</b> : cinq centres d'hébergement, des logements en diffus et de "
                "l'intermédiation locative ;",
                "<b>l'emploi</b> : ateliers et chantiers d'insertion, qualification, "
                "programmes d'accompagnement socioprofessionnel ;",
                "<b>la santé</b> physique et psychique, avec les lits halte soins santé et nos "
                "partenaires du soin ;",
                "<b>les liens sociaux et familiaux</b>, travaillés dans tous nos établissements.",
            ),
            figure(figures["per_year"]),
            figure(figures["justice_share"]),
            h2("Nos principes"),
            bullets(
                "La personne est sujet, et non objet, de l'accompagnement : elle y consent et "
                "exprime elle-même son projet.",
                "Bienveillance, non-jugement, respect du secret professionnel.",
                "Responsabilisation et autonomie : L'Îlot vient en appui, sans se substituer à "
                "la personne.",
                "Continuité « dedans-dehors » : commencer avant la sortie de prison pour éviter "
                "toute rupture.",
            ),
            cta("Découvrir nos établissements", page=establishments_index),
        ],
    )
    pages["faire-un-don"] = loader.page(
        home,
        StandardPage,
        "faire-un-don",
        title="Faire un don",
        show_in_menus=True,
        intro=(
            "Votre soutien permet d'agir sur tout ce qui rend une réinsertion possible : un toit, "
            "un emploi, des soins, des liens. Offrez une seconde chance."
        ),
        body=[
            h2("À quoi sert votre don"),
            para(
                "Près de 90 % de nos ressources sont consacrées à notre mission sociale. Les dons "
                "des particuliers financent ce que les subventions ne couvrent pas : les "
                "permanences en détention, les activités collectives, l'aide d'urgence."
            ),
            h2("Un avantage fiscal"),
            para(
                "L'Îlot étant reconnue d'utilité publique, votre don ouvre droit à une réduction "
                "d'impôt selon les règles en vigueur ; un reçu fiscal vous est adressé."
            ),
            cta("Faire un don en ligne", url="https://www.ilot.asso.fr/"),
        ],
    )
    pages["contact"] = loader.page(
        home,
        StandardPage,
        "contact",
        title="Contact",
        show_in_menus=True,
        intro="Une question, une proposition de partenariat, une envie de bénévolat ?",
        body=[
            h2("Siège de l'association"),
            para(
                "L'Îlot — 153, avenue Jean Lolive, 93500 Pantin",
                "Téléphone : 01 43 14 31 00 — "
                '<a href="mailto:maisons-accueil@ilot.asso.fr">maisons-accueil@ilot.asso.fr</a>',
            ),
            h2("Vous êtes un partenaire"),
            para(
                "SPIP, SIAO, France Travail ou structure sociale : pour orienter une personne vers "
                "l'un de nos établissements ou programmes, utilisez l'espace partenaires. Vous "
                "pourrez suivre la demande jusqu'à la décision de la commission.",
                '<a href="/compte/login/">Accéder à l\'espace partenaires</a>',
            ),
        ],
    )
    pages["mentions-legales"] = loader.page(
        home,
        StandardPage,
        "mentions-legales",
        title="Mentions légales",
        show_in_menus=False,
        intro="Informations sur l'éditeur du site et sur le traitement des données personnelles.",
        body=[
            h2("Éditeur"),
            para(
                "L'Îlot, association loi 1901 reconnue d'utilité publique, 153, avenue Jean "
                "Lolive, "
                "93500 Pantin. Téléphone : 01 43 14 31 00.",
                "Directeur ou directrice de la publication : la présidence de l'association.",
            ),
            h2("Hébergement"),
            para("Hébergeur : à compléter lors de la mise en production."),
            h2("Données personnelles"),
            para(
                "Le site public ne dépose aucun cookie de mesure d'audience. L'espace partenaires "
                "traite des données sensibles (situation judiciaire, santé) : seules les personnes "
                "habilitées y ont accès, chaque accès est tracé, et les données sont conservées "
                "pour la durée strictement nécessaire.",
                "Pour exercer vos droits (accès, rectification, effacement, opposition), écrivez à "
                '<a href="mailto:maisons-accueil@ilot.asso.fr">maisons-accueil@ilot.asso.fr</a>. '
                "Vous pouvez aussi saisir la CNIL.",
            ),
        ],
    )
    pages["accessibilite"] = loader.page(
        home,
        StandardPage,
        "accessibilite",
        title="Déclaration d'accessibilité",
        show_in_menus=False,
        intro=(
            "L'Îlot s'engage à rendre son site accessible conformément à l'article 47 de la loi "
            "n° 2005-102 du 11 février 2005."
        ),
        body=[
            h2("État de conformité"),
            para(
                "Le site de L'Îlot est non conforme avec le référentiel général d'amélioration de "
                "l'accessibilité (RGAA 4.1) : aucun audit n'a encore été réalisé. Il a toutefois "
                "été conçu pour respecter les critères du RGAA et des WCAG 2.1 niveau AA "
                "(navigation au clavier, contrastes, structure des titres, alternatives "
                "textuelles, formulaires étiquetés)."
            ),
            h2("Retour d'information et contact"),
            para(
                "Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez-nous à "
                '<a href="mailto:maisons-accueil@ilot.asso.fr">maisons-accueil@ilot.asso.fr</a> '
                "pour être orienté vers une alternative accessible ou obtenir le contenu sous une "
                "autre forme."
            ),
            h2("Voies de recours"),
            para(
                "Si vous nous avez signalé un défaut d'accessibilité sans obtenir de réponse "
                "satisfaisante, vous pouvez écrire au Défenseur des droits, contacter son délégué "
                "dans votre région ou lui écrire gratuitement : Défenseur des droits, Libre "
                "réponse 71120, 75342 Paris CEDEX 07."
            ),
        ],
    )
    return pages


NEWS = [
    (
        "plan-grand-froid-la-passerelle",
        date(2026, 1, 12),
        "Grand froid : La Passerelle ouvre ses places hivernales",
        "Comme chaque hiver, le CHU La Passerelle passe de 46 à 55 places d'hébergement "
        "d'urgence à Amiens, et rouvre sa halte de nuit.",
        [
            para(
                "Avec la période hivernale, neuf places supplémentaires sont ouvertes à "
                "La Passerelle, et la halte de nuit accueille de nouveau une dizaine de personnes "
                "en grande errance. Les orientations se font par le 115 et le SIAO de la Somme.",
                "L'accueil de jour reste ouvert à toutes et à tous : repas chaud, douches, "
                "casiers et domiciliation.",
            )
        ],
    ),
    (
        "o2r-premier-bilan-dans-la-somme",
        date(2026, 2, 3),
        "O2R dans la Somme : un premier bilan encourageant",
        "Vingt-six personnes accompagnées et cinq sorties directes vers l'emploi pour la "
        "première année du programme « En route vers l'emploi » à Doullens et Flixecourt.",
        [
            para(
                "Lancé en mars 2025, le programme a d'abord tissé des partenariats avec le SPIP "
                "de la Somme, France Travail et France Services. Les permanences hebdomadaires à "
                "Doullens et à Flixecourt ont permis 166 rencontres.",
                "En 2026, l'équipe s'installe aussi à Amiens Nord, avec des permanences dans les "
                "locaux du SPIP, et proposera des actions collectives : visites de centres de "
                "formation, rencontres avec des recruteurs, sorties culturelles.",
            )
        ],
    ),
    (
        "forum-emploi-maison-d-arret-amiens",
        date(2025, 11, 20),
        "Forum emploi à la maison d'arrêt d'Amiens",
        "Nos conseillers en insertion professionnelle ont rencontré une quarantaine de personnes "
        "détenues pour préparer leur sortie.",
        [
            para(
                "Préparer l'emploi avant la sortie, c'est le cœur de notre stratégie "
                "« dedans-dehors ». Les entretiens menés pendant le forum ouvrent la voie à un "
                "contrat d'insertion dans nos ateliers ou à un accompagnement par le programme "
                "O2R."
            )
        ],
    ),
    (
        "diplomes-aqi-2025",
        date(2025, 7, 8),
        "Remise des diplômes de l'Atelier Qualification-Insertion",
        "Une nouvelle promotion d'agents de restauration collective a reçu son titre "
        "professionnel.",
        [
            para(
                "Après huit mois de formation en CDDI, de stages en entreprise et d'ateliers "
                "collectifs, les salariés de l'AQI ont présenté leur examen. Un bagage précieux "
                "pour décrocher un emploi durable."
            ),
            quote(
                "Ce diplôme, c'est la preuve que je peux y arriver.", "Un diplômé de la promotion"
            ),
        ],
    ),
    (
        "lancement-o2r-somme",
        date(2025, 4, 15),
        "Le programme O2R démarre dans la Somme",
        "Lauréate de l'appel à manifestation d'intérêt du ministère du Travail, L'Îlot commence "
        "ses premiers accompagnements à Doullens et Flixecourt.",
        [
            para(
                "L'équipe O2R Hauts-de-France, une cheffe de projet et un chargé de mission "
                "emploi, "
                "accueille désormais les personnes orientées par le SPIP et France Travail, au "
                "plus "
                "près de leur domicile."
            )
        ],
    ),
    (
        "ilot-gourmand-traiteur",
        date(2025, 9, 30),
        "L'Îlot Gourmand livre vos repas d'entreprise",
        "Le restaurant d'insertion d'Amiens propose ses prestations traiteur et la livraison de "
        "repas aux entreprises, collectivités et associations.",
        [
            para(
                "Commander à L'Îlot Gourmand, c'est soutenir l'emploi de personnes qui se "
                "reconstruisent après la prison ou une longue période de chômage, et qui se "
                "forment en conditions réelles aux métiers de la restauration."
            )
        ],
    ),
]


def news(loader, index_page, images):
    for position, (slug, day, title, intro, body) in enumerate(NEWS):
        loader.page(
            index_page,
            NewsPage,
            slug,
            title=title,
            date=day,
            intro=intro,
            image=images[position % len(images)],
            image_alt="",
            body=body,
        )


def ensure_workflow(news_index):
    workflow = Workflow.objects.filter(name="Moderators approval").first()
    if workflow is None:
        workflow = Workflow.objects.create(name="Validation des actualités", active=True)
        moderators, _ = Group.objects.get_or_create(name="Moderators")
        task = GroupApprovalTask.objects.create(name="Validation par la modération")
        task.groups.set([moderators])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    current = WorkflowPage.objects.filter(page=news_index).first()
    if current is None:
        WorkflowPage.objects.create(page=news_index, workflow=workflow)
    elif current.workflow_id != workflow.pk:
        current.workflow = workflow
        current.save()
    return workflow


def ensure_site(home):
    site = Site.objects.filter(root_page=home).first() or Site.objects.get(is_default_site=True)
    url = urlsplit(getattr(settings, "SITE_URL", "") or "http://localhost")
    values = {
        "site_name": "L'Îlot",
        "hostname": url.hostname or "localhost",
        "port": url.port or (443 if url.scheme == "https" else 80),
    }
    if any(getattr(site, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(site, key, value)
        site.save()
    return site


def load() -> dict:
    """Load the demo site; return a summary."""
    wagtail_logger = logging.getLogger("wagtail")
    level = wagtail_logger.level
    wagtail_logger.setLevel(logging.WARNING)  # no "Page created/edited/published" per page
    try:
        return _load()
    finally:
        wagtail_logger.setLevel(level)


def _load() -> dict:
    loader = Loader()
    home = Page.objects.get(depth=2, slug="accueil").specific
    if not isinstance(home, HomePage):
        raise RuntimeError("The site root is not L'Îlot's home page (migration cms 0002).")
    site = ensure_site(home)

    load_glossary()
    images = [
        _illustration("Illustration actualités bleue", 0.58),
        _illustration("Illustration actualités verte", 0.36),
        _illustration("Illustration actualités orangée", 0.07),
    ]

    # "L'association" first, so that it leads the main menu; its content comes further down.
    if not StandardPage.objects.child_of(home).filter(slug="l-association").exists():
        loader.page(home, StandardPage, "l-association", title="L'association", show_in_menus=True)
    establishments_index = loader.page(
        home,
        EstablishmentIndexPage,
        "etablissements",
        title="Nos établissements",
        show_in_menus=True,
        intro=(
            "<p>Quatre centres d'hébergement et de réinsertion sociale, un centre d'hébergement "
            "d'urgence et des ateliers d'insertion, à Paris, dans le Val-de-Marne et à Amiens. "
            "Filtrez par département, public ou type d'établissement.</p>"
        ),
    )
    programmes_index = loader.page(
        home,
        ProgrammeIndexPage,
        "programmes",
        title="Nos programmes",
        show_in_menus=True,
        intro=(
            "<p>Qualification, orientation, remobilisation : des programmes pour préparer le "
            "retour à l'emploi, souvent dès l'aménagement de peine.</p>"
        ),
    )
    news_index = loader.page(
        home,
        NewsIndexPage,
        "actualites",
        title="Actualités",
        show_in_menus=True,
        intro="<p>La vie de l'association, de nos établissements et de nos programmes.</p>",
    )
    loader.page(
        home,
        GlossaryPage,
        "glossaire",
        title="Glossaire",
        show_in_menus=True,
        intro=(
            "<p>CHRS, PSE, SPIP, TIG… Les sigles de la réinsertion et de la justice, "
            "expliqués simplement.</p>"
        ),
    )
    pages = {}
    pages.update(establishments(loader, establishments_index))
    pages.update(programmes(loader, programmes_index))
    figures = load_key_figures(pages)

    legal = standard_pages(loader, home, figures, establishments_index)
    news(loader, news_index, images)

    loader.page(
        home.get_parent(),
        HomePage,
        "accueil",
        title="L'Îlot",
        hero_title="Accueillir, héberger, accompagner vers la réinsertion",
        intro=(
            "<p>Depuis 1969, L'Îlot accueille et accompagne des personnes en grande difficulté, "
            "en priorité celles qui sortent de prison ou sont sous main de justice : un toit, "
            "un emploi, des soins et des liens pour repartir.</p>"
        ),
        hero_cta_text="Découvrir nos établissements",
        hero_cta_page=establishments_index,
        news_count=3,
        body=[
            h2("Partenaires : orientez une personne en ligne"),
            para(
                "SPIP, SIAO, France Travail : l'espace partenaires vous permet d'adresser une "
                "demande d'hébergement ou d'accompagnement à nos établissements et programmes, et "
                "d'en suivre la réponse, motivée, sans avoir à téléphoner."
            ),
            quote(
                "Nos dispositifs doivent tourner autour des personnes, et pas l'inverse.",
                "Une coordinatrice de l'association",
            ),
        ],
    )
    home = HomePage.objects.get(pk=home.pk)
    wanted = [figures[key] for key in ("per_year", "justice_share", "at_employees", "cv_pse_done")]
    if [item.figure_id for item in home.featured_figures.all()] != [f.pk for f in wanted]:
        home.featured_figures = [
            HomeKeyFigure(figure=f, sort_order=i) for i, f in enumerate(wanted)
        ]
        home.save_revision().publish()
        loader.updated += 1

    site_settings = SiteSettings.for_site(site)
    Loader.row(
        SiteSettings,
        {"pk": site_settings.pk},
        contact_address="153, avenue Jean Lolive\n93500 Pantin",
        contact_phone=PHONE,
        contact_email="maisons-accueil@ilot.asso.fr",
        donation_url="https://www.ilot.asso.fr/",
        legal_notice_page=legal["mentions-legales"],
        accessibility_page=legal["accessibilite"],
        accessibility_status=AccessibilityStatus.NOT_COMPLIANT,
    )

    ensure_workflow(news_index)
    editor = get_user_model().objects.filter(email=EDITOR_EMAIL).first()
    if editor is not None:
        sync_editor_group(editor)

    # Index now, so that search works without a task worker (make run).
    for page in [HomePage.objects.get(pk=home.pk), *loader.pages]:
        index.insert_or_update_object(page.specific)
    for term in GlossaryTerm.objects.all():
        index.insert_or_update_object(term)
    return {
        "pages_created": loader.created,
        "pages_updated": loader.updated,
        "url": getattr(settings, "SITE_URL", ""),
    }
