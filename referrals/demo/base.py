"""Demo commission teams and referrals in every state, driven through the real workflow.

Idempotent: each demo referral has a fixed creation key; one that exists is left alone."""

import uuid
from datetime import timedelta

from django.utils import timezone

from accounts.demo import ensure_member, ensure_user, internal_organisation
from accounts.models import InternalRole, User
from cms.models import EstablishmentPage

from .. import workflow
from ..choices import Action
from ..models import CommissionSession, Referral
from ..permissions import Actor

NAMESPACE = uuid.UUID("6f1c9a1e-8a52-4e43-9f3e-5b7d1c2a0e11")

# establishment slug → (short name for the logins, head's and member's names)
TEAMS = {
    "chrs-chemin-vert": ("chemin-vert", ("Hélène", "Marchand"), ("Samir", "Haddad")),
    "chrs-ilot-val-de-marne": ("val-de-marne", ("Catherine", "Roux"), ("Aïcha", "Traoré")),
    "chrs-thuillier": ("thuillier", ("Marc", "Lefebvre"), ("Julie", "Caron")),
    "chrs-les-augustins": ("augustins", ("Olivier", "Dupuis"), ("Fatou", "Diop")),
    "chu-la-passerelle": ("passerelle", ("Nathalie", "Vasseur"), ("Yann", "Leclerc")),
}


def establishments() -> dict:
    return {page.slug: page for page in EstablishmentPage.objects.filter(slug__in=TEAMS)}


def load_teams(pages) -> list[tuple[str, str]]:
    organisation = internal_organisation()
    logins = []
    for slug, (short, head, member) in TEAMS.items():
        page = pages.get(slug)
        if page is None:
            continue
        for role, (first, last), prefix, label in [
            (InternalRole.Role.HEAD, head, "chef", "Chef d'établissement"),
            (InternalRole.Role.COMMISSION_MEMBER, member, "commission", "Commission"),
        ]:
            email = f"{prefix}.{short}@demo.ilot.test"
            user = ensure_user(email, first, last)
            membership = ensure_member(user, organisation)
            InternalRole.objects.get_or_create(membership=membership, role=role, establishment=page)
            logins.append((f"{label} — {page.title}", email))
    return logins


def _actor(email) -> Actor:
    user = User.objects.get(email=email)
    membership = user.memberships.select_related("organisation").get(is_active=True)
    return Actor.for_membership(user, membership)


# (key, officer email, establishment slug, type, situation, person, steps)
# person: first, last, birth (y, m, d), gender; steps: workflow actions after creation
PEOPLE = [
    ("d01", "cpip.spip75@demo.ilot.test", "chrs-chemin-vert", "ddse", "ddse", ("Mamadou", "Keita", (1987, 3, 14), "homme"), []),
    ("d02", "cpip.spip75@demo.ilot.test", "chrs-chemin-vert", "ddse", "ddse", ("Laurent", "Girardin", (1979, 11, 2), "homme"), [Action.SUBMIT]),
    ("d03", "cpip.spip75@demo.ilot.test", "chrs-chemin-vert", "semi_liberte", "sl", ("Kevin", "Morel", (1995, 6, 30), "homme"), [Action.SUBMIT, Action.REQUEST_INFO]),
    ("d04", "admin.spip75@demo.ilot.test", "chrs-chemin-vert", "ddse", "ddse", ("Rachid", "Benyahia", (1983, 1, 21), "homme"), [Action.SUBMIT, Action.SCHEDULE]),
    ("d05", "cpip.spip80@demo.ilot.test", "chu-la-passerelle", "sortie_seche", "fin_de_peine", ("Dylan", "Lemaire", (1998, 9, 9), "homme"), [Action.SUBMIT, Action.ACCEPT]),
    ("d06", "cpip.spip80@demo.ilot.test", "chu-la-passerelle", "sortie_seche", "sortie_6_mois", ("Jean-Pierre", "Carpentier", (1969, 4, 3), "homme"), [Action.SUBMIT, Action.DECLINE]),
    ("d07", "cpip.spip80@demo.ilot.test", "chu-la-passerelle", "sortie_seche", "fin_de_peine", ("Sébastien", "Dufour", (1990, 12, 12), "homme"), [Action.SUBMIT, Action.ACCEPT, Action.REORIENT]),
    ("d08", "cpip.spip80@demo.ilot.test", "chu-la-passerelle", "sortie_seche", "fin_de_peine", ("Anthony", "Poulain", (1993, 7, 18), "homme"), [Action.SUBMIT, Action.ACCEPT, Action.RECORD_ARRIVAL]),
    ("d09", "cpip.spip80@demo.ilot.test", "chu-la-passerelle", "sortie_seche", "fin_de_peine", ("Grégory", "Lenoir", (1985, 2, 27), "homme"), [Action.SUBMIT, Action.ACCEPT, Action.RECORD_NO_SHOW]),
    ("d10", "cpip.spip80@demo.ilot.test", "chrs-les-augustins", "liberation_conditionnelle", "lc", ("Bruno", "Devaux", (1976, 10, 5), "homme"), [Action.SUBMIT, Action.SCHEDULE, Action.ACCEPT, Action.CANCEL]),
    ("d11", "coord.siao80@demo.ilot.test", "chrs-thuillier", "siao_insertion", "aucune", ("Sandrine", "Noël", (1981, 8, 16), "femme"), [Action.SUBMIT, Action.WITHDRAW]),
    ("d12", "coord.siao80@demo.ilot.test", "chrs-thuillier", "siao_insertion", "sursis_probatoire", ("Émilie", "Boucher", (1992, 5, 1), "femme"), [Action.SUBMIT, Action.REQUEST_INFO, Action.EXPIRE]),
    ("d13", "admin.spip75@demo.ilot.test", "chrs-ilot-val-de-marne", "placement_exterieur", "pe", ("Nadia", "Saïdi", (1989, 3, 8), "femme"), [Action.SUBMIT, Action.DECLINE, Action.CONTEST]),
    ("d14", "cpip.spip80@demo.ilot.test", "chrs-les-augustins", "ddse", "ddse", ("Ludovic", "Masson", (1980, 1, 30), "homme"), [Action.SUBMIT, Action.REQUEST_INFO, Action.ANSWER_INFO]),
]  # fmt: skip

WISHES = [
    "Avoir une adresse pour pouvoir sortir sous bracelet et reprendre un travail.",
    "Ne pas me retrouver à la rue à la sortie ; j'aimerais apprendre un métier.",
    "Retrouver un logement et revoir mes enfants.",
    "Sortir avec un projet : cuisine ou bâtiment.",
]


def _session(referral, upcoming: bool):
    """The establishment's demo commission: last Tuesday's (where decisions were taken) or
    next Tuesday's (where requests are scheduled)."""
    today = timezone.localdate()
    if upcoming:
        tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    else:
        tuesday = today - timedelta(days=(today.weekday() - 1) % 7)
    session, _ = CommissionSession.objects.get_or_create(
        establishment_id=referral.target_id, date=tuesday
    )
    return session


def _payload(action, referral, pages):
    today = timezone.localdate()
    in_session = {"session": _session(referral, upcoming=False)}
    return {
        Action.SCHEDULE: {"session": _session(referral, upcoming=True)},
        Action.REQUEST_INFO: {
            "message": "Pouvez-vous joindre la décision du JAP et le rapport social ?"
        },
        Action.ANSWER_INFO: {
            "message": "La décision du JAP est jointe ; le rapport suit cette semaine."
        },
        Action.ACCEPT: {
            "planned_admission_date": today + timedelta(days=12),
            "place_type": "insertion",
            **in_session,
        },
        Action.DECLINE: {
            "reason": "pas_de_place",
            "message": "Nous n'avons pas de place à la date de sortie. Nous vous proposons de "
            "renouveler la demande le mois prochain ou de solliciter le SIAO.",
            **in_session,
        },
        Action.REORIENT: {
            "new_target": pages["chrs-les-augustins"].pk,
            "message": "Projet d'insertion plus adapté au CHRS Les Augustins.",
            "urgent_justification": "Sortie avancée : une place se libère aux Augustins.",
        },
        Action.RECORD_ARRIVAL: {"arrival_date": today},
        Action.CANCEL: {"reason": "sortie_reportee"},
        Action.CONTEST: {
            "message": "Sa situation a changé : une promesse d'embauche est jointe, la sortie est "
            "confirmée ; merci de réexaminer la demande."
        },
        Action.WITHDRAW: {"reason": "autre_solution", "comment": "Place trouvée par le SIAO."},
    }.get(action, {})


def _side_actor(action, referral, officer, heads, members):
    side = workflow.TRANSITIONS[action].side
    if side == "partner":
        return officer
    if side == "system":
        return Actor.system()
    slug = referral.target.slug
    return heads[slug] if side == "head" else members[slug]


def load_referrals(pages) -> int:
    if set(TEAMS) - set(pages):
        return 0
    heads = {slug: _actor(f"chef.{short}@demo.ilot.test") for slug, (short, *_) in TEAMS.items()}
    members = {
        slug: _actor(f"commission.{short}@demo.ilot.test") for slug, (short, *_) in TEAMS.items()
    }
    created = 0
    today = timezone.localdate()
    for index, (key, email, slug, kind, situation, person, steps) in enumerate(PEOPLE):
        creation_key = uuid.uuid5(NAMESPACE, key)
        if Referral.objects.filter(creation_key=creation_key).exists():
            continue
        officer = _actor(email)
        first, last, (year, month, day), gender = person
        referral = Referral(
            creation_key=creation_key,
            organisation=officer.organisation,
            officer=officer.user,
            target=pages[slug],
            first_name=first,
            last_name=last,
            birth_date=today.replace(year=year, month=month, day=day),
            gender=gender,
            location="prison" if situation not in ("aucune", "sursis_probatoire") else "rue",
            location_detail="Centre pénitentiaire d'Amiens" if "80" in email else "",
            origin_departement="80" if "80" in email else "75",
            judicial_situation=situation,
            release_date=today + timedelta(days=5 + 4 * index),
            referral_type=kind,
            housing_need="adresse_mesure" if kind == "ddse" else "insertion",
            employment_need="emploi",
            needs_care_support=index % 4 == 0,
            ties_need="maintien",
            wishes=WISHES[index % len(WISHES)],
            consent=True,
            consent_date=today - timedelta(days=3),
            consent_method="entretien",
        )
        referral.save()
        workflow.record_creation(referral, officer)
        for action in steps:
            actor = _side_actor(action, referral, officer, heads, members)
            referral = workflow.perform(
                referral, action, actor, **_payload(action, referral, pages)
            )
        created += 1
    return created
