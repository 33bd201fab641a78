"""Demo history: the 2019 "sorties sèches" convention between the SPIP de la Somme and the CHU
La Passerelle, shaped exactly like the 2019 activity report.

53 requests decided in 2019: 44 favourable, 9 unfavourable (coded reasons, explained to the
partner). Of the 44: 21 people taken in at release, 3 re-oriented to the CHRS Les Augustins
(where they were then accepted and arrived), 20 who did not show up, 9 of whom came to the day
centre soon after. `referrals.figures.definitions.yearly_figures(2019)` must find these numbers by itself.

Every referral goes through the real workflow (`workflow.perform`), decided by the head of
La Passerelle in the establishment's 2019 commission sessions. Then, as a demo-only historical
import, the timestamps are moved back into 2019 with `QuerySet.update()`. The people are
invented.

Idempotent: each referral has a fixed creation key (uuid5); one that exists is skipped.
Call after `referrals.demo.base.load_teams`; `load()` returns the number of referrals created."""

import uuid
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.notifications import muted

from .. import facts, workflow
from ..choices import Action, ExitKind
from ..models import CommissionSession, Message, ReferenceCounter, Referral, ReferralEvent
from ..permissions import Actor
from .base import establishments

NAMESPACE = uuid.UUID("2b0f5f0e-3c1d-4f63-9d3a-7a2019c0ffee")
YEAR = 2019
PASSERELLE = "chu-la-passerelle"
AUGUSTINS = "chrs-les-augustins"
OFFICER = "cpip.spip80@demo.ilot.test"
FIRST_SESSION = date(2019, 1, 15)  # La Passerelle's commission meets on Tuesdays

# Outcome codes: A taken in at release · R re-oriented to Les Augustins · N did not show up ·
# D did not show up, came to the day centre before the no-show was recorded · L did not show
# up, came to the day centre later (recorded afterwards) · X:<reason> unfavourable.
# first name, last name, birth date, gender, judicial situation, departement, outcome
PEOPLE = [
    ("Kévin", "Delattre", (1994, 2, 11), "homme", "fin_de_peine", "80", "A"),
    ("Mohamed", "Belkacem", (1982, 7, 3), "homme", "sortie_6_mois", "80", "N"),
    ("Jérôme", "Caudron", (1975, 10, 21), "homme", "fin_de_peine", "80", "X:pas_de_place"),
    ("Steven", "Lefort", (1997, 4, 30), "homme", "fin_de_peine", "80", "A"),
    ("Abdelkader", "Mansouri", (1968, 12, 5), "homme", "sortie_6_mois", "80", "D"),
    ("Ludovic", "Froment", (1986, 1, 17), "homme", "fin_de_peine", "62", "A"),
    ("Sabrina", "Leroux", (1990, 9, 8), "femme", "fin_de_peine", "80", "A"),
    ("Cédric", "Tellier", (1979, 3, 26), "homme", "ssj", "80", "N"),
    ("Yassine", "Haddadi", (1996, 6, 14), "homme", "fin_de_peine", "80", "R"),
    ("Franck", "Delaporte", (1972, 11, 2), "homme", "sortie_6_mois", "80", "A"),
    ("Mickaël", "Boulanger", (1988, 5, 19), "homme", "fin_de_peine", "80", "X:besoins"),
    ("Thierry", "Hermant", (1965, 8, 9), "homme", "fin_de_peine", "80", "L"),
    ("Jordan", "Pruvost", (1999, 1, 28), "homme", "fin_de_peine", "80", "A"),
    ("Ibrahima", "Sow", (1985, 4, 4), "homme", "sortie_6_mois", "80", "N"),
    ("Christophe", "Lagache", (1977, 12, 12), "homme", "fin_de_peine", "80", "A"),
    ("Maxime", "Duflos", (1993, 7, 22), "homme", "sme", "80", "D"),
    ("Karima", "Boudjema", (1984, 3, 15), "femme", "sortie_6_mois", "80", "X:hors_public"),
    ("Patrice", "Wattebled", (1963, 10, 30), "homme", "fin_de_peine", "62", "N"),
    ("Alexandre", "Nowak", (1991, 2, 6), "homme", "fin_de_peine", "80", "A"),
    ("Rudy", "Lecointe", (1989, 6, 25), "homme", "fin_de_peine", "80", "L"),
    ("Samuel", "Obeng", (1987, 9, 13), "homme", "sortie_6_mois", "80", "A"),
    ("Fabrice", "Legrand", (1974, 5, 1), "homme", "fin_de_peine", "80", "X:pas_de_place"),
    ("Damien", "Flament", (1983, 11, 18), "homme", "fin_de_peine", "80", "N"),
    ("Nicolas", "Bertin", (1980, 1, 9), "homme", "ssj", "80", "A"),
    ("Virginie", "Delcourt", (1978, 4, 27), "femme", "fin_de_peine", "80", "D"),
    ("Hakim", "Zerrouki", (1992, 8, 16), "homme", "sortie_6_mois", "80", "R"),
    ("Loïc", "Maréchal", (1995, 12, 3), "homme", "fin_de_peine", "80", "A"),
    ("Dimitri", "Kowalski", (1986, 3, 20), "homme", "fin_de_peine", "60", "X:refus_personne"),
    ("Freddy", "Despréaux", (1970, 6, 8), "homme", "fin_de_peine", "80", "N"),
    ("Anthony", "Quennehen", (1990, 10, 14), "homme", "sortie_6_mois", "80", "A"),
    ("Bilal", "Amrani", (1998, 2, 23), "homme", "fin_de_peine", "80", "L"),
    ("Pascal", "Lheureux", (1966, 7, 31), "homme", "fin_de_peine", "80", "A"),
    ("Jonathan", "Decroix", (1988, 9, 5), "homme", "sortie_6_mois", "80", "X:incomplet"),
    ("Mamadou", "Diallo", (1991, 5, 12), "homme", "fin_de_peine", "80", "N"),
    ("Grégory", "Tassart", (1981, 1, 29), "homme", "fin_de_peine", "80", "A"),
    ("Sylvain", "Cagnard", (1976, 11, 7), "homme", "ssj", "80", "D"),
    ("Aurélie", "Hénocque", (1993, 3, 3), "femme", "fin_de_peine", "80", "A"),
    ("Romain", "Deneux", (1994, 8, 24), "homme", "fin_de_peine", "80", "N"),
    ("Farid", "Benchikh", (1973, 6, 19), "homme", "sortie_6_mois", "80", "X:besoins"),
    ("David", "Ledent", (1969, 12, 28), "homme", "fin_de_peine", "62", "A"),
    ("Florian", "Marchal", (1997, 10, 10), "homme", "fin_de_peine", "80", "L"),
    ("Éric", "Lenglet", (1964, 4, 15), "homme", "fin_de_peine", "80", "N"),
    ("Tony", "Debeauvais", (1985, 7, 7), "homme", "sortie_6_mois", "80", "A"),
    ("Adama", "Coulibaly", (1989, 2, 2), "homme", "fin_de_peine", "80", "R"),
    ("Jean-Marc", "Poiret", (1962, 9, 22), "homme", "fin_de_peine", "80", "X:pas_de_place"),
    ("Mathieu", "Bridoux", (1992, 5, 29), "homme", "sme", "80", "A"),
    ("Laetitia", "Sénécal", (1987, 11, 11), "femme", "fin_de_peine", "80", "N"),
    ("Sofiane", "Khelifi", (1995, 1, 4), "homme", "sortie_6_mois", "80", "D"),
    ("Benoît", "Caullier", (1979, 8, 1), "homme", "fin_de_peine", "80", "A"),
    ("Valentin", "Roussel", (1996, 3, 18), "homme", "fin_de_peine", "80", "N"),
    ("Ahmed", "Toumi", (1971, 10, 26), "homme", "sortie_6_mois", "80", "X:autre"),
    ("Gérald", "Boinet", (1967, 6, 13), "homme", "fin_de_peine", "80", "A"),
    ("Nadège", "Fontaine", (1983, 4, 9), "femme", "sortie_6_mois", "80", "A"),
]

DECLINE_MESSAGES = {
    "pas_de_place": [
        "Le CHU est complet à la date de sortie prévue (période hivernale). Nous vous "
        "conseillons de solliciter dès maintenant le SIAO urgence ; si la sortie est décalée, "
        "une nouvelle demande sera examinée en priorité.",
        "Aucune place ne se libère avant la fin du mois. L'accueil de jour reste ouvert à la "
        "personne dès sa sortie (repas, douche, domiciliation) ; nous réexaminerons une demande "
        "le mois prochain.",
        "Toutes nos places sont occupées à la date de sortie. La halte de nuit peut accueillir "
        "la personne les premiers soirs ; contactez-nous la veille de la sortie.",
    ],
    "besoins": [
        "La personne a besoin de soins quotidiens que le CHU ne peut pas assurer. Des lits "
        "halte soins santé (LHSS) paraissent plus adaptés : nous pouvons en parler avec vous.",
        "La perte d'autonomie décrite demande un accompagnement que l'hébergement collectif "
        "d'urgence ne permet pas. Nous vous proposons d'étudier ensemble une orientation vers "
        "une structure médico-sociale.",
    ],
    "hors_public": [
        "La personne sortira avec son fils de 4 ans : le CHU n'accueille pas de familles. Le "
        "CHRS Thuillier accueille les familles monoparentales ; nous vous invitons à lui "
        "adresser la demande.",
    ],
    "refus_personne": [
        "Lors de l'entretien préalable, la personne a indiqué ne pas souhaiter rester à Amiens "
        "et vouloir rejoindre sa famille dans l'Oise. Nous restons disponibles si son projet "
        "change.",
    ],
    "incomplet": [
        "Sans la date de levée d'écrou ni l'accord écrit de la personne, la commission ne peut "
        "pas se prononcer. Vous pouvez transmettre une nouvelle demande complète.",
    ],
    "autre": [
        "Le jugement joint comporte une interdiction de paraître à Amiens : l'hébergement à "
        "La Passerelle n'est pas possible. Nous vous suggérons de contacter le SIAO de l'Oise.",
    ],
}

WISHES = [
    "Avoir un toit le soir de ma sortie, et ne pas retourner à la rue.",
    "Reprendre contact avec ma fille et trouver du travail dans le bâtiment.",
    "Faire mes papiers et ouvrir mes droits dès la sortie.",
    "Être au calme quelques semaines pour chercher un logement.",
    "Trouver une formation en cuisine ; j'ai travaillé aux cuisines pendant ma détention.",
    "Retrouver un suivi médical et un hébergement stable.",
    "Ne plus dormir dans la voiture ; je veux travailler, en intérim ou en chantier d'insertion.",
]

CONDITIONS = [
    "Accueil le jour de la sortie à partir de 14 h : se présenter à l'accueil de jour avec la "
    "levée d'écrou.",
    "Place réservée trois jours à compter de la date de sortie ; prévenir l'équipe si la sortie "
    "est avancée.",
    "Un entretien d'accueil avec le référent justice est prévu le lendemain de l'arrivée.",
]

NO_SHOW_COMMENTS = [
    "Ne s'est pas présenté le jour de la sortie ; le SPIP est sans nouvelles.",
    "Place gardée trois jours, sans nouvelles de la personne.",
    "Le SPIP nous indique que la personne est hébergée par un proche.",
]


def _check_shape():
    """The data set is the report's: fail loudly if a line is edited out of shape."""
    codes = [row[-1][0] for row in PEOPLE]
    shape = {code: codes.count(code) for code in "ARNDLX"}
    assert len(PEOPLE) == 53, len(PEOPLE)
    assert shape == {"A": 21, "R": 3, "N": 11, "D": 5, "L": 4, "X": 9}, shape


_check_shape()


# How the 2019 shelter stays ended (cycled over the arrivals).
SHELTER_EXITS = [
    ExitKind.OTHER_ACCOMMODATION,
    ExitKind.OTHER_ACCOMMODATION,
    ExitKind.AUTONOMOUS_HOUSING,
    ExitKind.LEFT_WITHOUT_NOTICE,
    ExitKind.JOB_OR_TRAINING,
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _actor(email) -> Actor:
    user = User.objects.get(email=email)
    membership = user.memberships.select_related("organisation").get(is_active=True)
    return Actor.for_membership(user, membership)


def _session(page, day: date, people) -> CommissionSession:
    session, created = CommissionSession.objects.get_or_create(establishment=page, date=day)
    if created:
        session.members_present.set([actor.user for actor in people])
        CommissionSession.objects.filter(pk=session.pk).update(
            minutes="Commission interne : demandes du SPIP de la Somme (convention « sorties "
            "sèches »).",
            created_at=_at(day - timedelta(days=7), 9),
        )
    return session


def _stamp(referral_ids, when: datetime, since: datetime):
    """Move what the last workflow step wrote back to `when` (demo historical import only:
    ReferralEvent.save() refuses to change an event, so this goes through update())."""
    ReferralEvent.objects.filter(referral_id__in=referral_ids, created_at__gte=since).update(
        created_at=when
    )
    Message.objects.filter(referral_id__in=referral_ids, created_at__gte=since).update(
        created_at=when
    )
    facts.refresh(referral_ids)  # the facts follow the events they were derived from


def load() -> int:
    """Create the 2019 data set; return the number of referrals created (the 53 requests and
    the 3 linked referrals at Les Augustins on a first load, 0 afterwards)."""
    pages = establishments()
    if PASSERELLE not in pages or AUGUSTINS not in pages:
        return 0
    keys = [uuid.uuid5(NAMESPACE, f"passerelle-{YEAR}-{index:02d}") for index in range(53)]
    existing = set(
        Referral.objects.filter(creation_key__in=keys).values_list("creation_key", flat=True)
    )
    if len(existing) == len(keys):
        return 0
    try:
        actors = {
            "officer": _actor(OFFICER),
            "head": _actor("chef.passerelle@demo.ilot.test"),
            "member": _actor("commission.passerelle@demo.ilot.test"),
            "aug_head": _actor("chef.augustins@demo.ilot.test"),
            "aug_member": _actor("commission.augustins@demo.ilot.test"),
            "augustins": pages[AUGUSTINS],
        }
    except User.DoesNotExist:
        return 0
    created = 0
    with muted():
        for index, person in enumerate(PEOPLE):
            if keys[index] in existing:
                continue
            with transaction.atomic():
                created += _load_one(index, person, keys[index], pages, actors)
    return created


def _load_one(index, person, key, pages, actors) -> int:
    first, last, (year, month, day), gender, situation, departement, outcome = person
    passerelle = pages[PASSERELLE]
    officer, head, member = actors["officer"], actors["head"], actors["member"]
    since = timezone.now()
    today = timezone.localdate()

    week = index * 48 // 52
    session_day = FIRST_SESSION + timedelta(weeks=week)
    session = _session(passerelle, session_day, [head, member])
    release = session_day + timedelta(days=6 + (index * 7) % 20)
    if outcome == "R":
        release = session_day + timedelta(days=16 + index % 5)
    created_at = _at(session_day - timedelta(days=13), 10, 5 * (index % 12))
    consent_date = session_day - timedelta(days=15)

    referral = Referral(
        creation_key=key,
        reference=ReferenceCounter.next_reference(YEAR),
        organisation=officer.organisation,
        officer=officer.user,
        target=passerelle,
        first_name=first,
        last_name=last,
        birth_date=date(year, month, day),
        gender=gender,
        contact="Par l'intermédiaire du SPIP" if index % 3 else "",
        location="prison",
        location_detail="Centre pénitentiaire d'Amiens",
        origin_departement=departement,
        judicial_situation=situation,
        # The workflow refuses a past release date for a sortie sèche (it validates at
        # submission): submit with a future date, backdate it once the history is written.
        release_date=today + timedelta(days=30),
        referral_type="sortie_seche",
        housing_need="urgence",
        employment_need=["emploi", "insertion_activite", "pas_maintenant"][index % 3],
        needs_care_support=index % 7 == 3,
        ties_need=["maintien", "aucun", "renouer"][index % 3],
        wishes=WISHES[index % len(WISHES)],
        consent=True,
        consent_date=today,
        consent_method="entretien" if index % 4 else "ecrit",
    )
    referral.save()
    ids = [referral.pk]
    workflow.record_creation(referral, officer)
    _stamp(ids, created_at, since)

    def step(action, actor, when, **data):
        nonlocal referral
        referral = workflow.perform(referral, action, actor, **data)
        _stamp(ids, when, since)

    step(Action.SUBMIT, officer, created_at + timedelta(hours=2))
    code, _sep, reason = outcome.partition(":")
    if reason == "incomplet" or index % 13 == 5:
        step(
            Action.REQUEST_INFO,
            member,
            _at(session_day - timedelta(days=11), 9, 40),
            message="Pouvez-vous confirmer la date de levée d'écrou et joindre l'accord écrit "
            "de la personne ?",
        )
        step(
            Action.ANSWER_INFO,
            officer,
            _at(session_day - timedelta(days=9), 16, 10),
            message="La date de sortie n'est pas encore confirmée par le greffe ; je vous la "
            "transmets dès que possible."
            if reason == "incomplet"
            else "La levée d'écrou est confirmée ; l'accord signé est joint au dossier.",
        )
    step(Action.SCHEDULE, member, _at(session_day - timedelta(days=6), 9, 15), session=session)
    decided = _at(session_day, 14, 30 + index % 20)
    last_step = decided
    if code == "X":
        messages = DECLINE_MESSAGES[reason]
        step(
            Action.DECLINE,
            head,
            decided,
            session=session,
            reason=reason,
            message=messages[index % len(messages)],
        )
    else:
        step(
            Action.ACCEPT,
            head,
            decided,
            session=session,
            planned_admission_date=release,
            place_type="urgence",
            conditions=CONDITIONS[index % len(CONDITIONS)],
        )
        if code == "A":
            step(Action.RECORD_ARRIVAL, head, _at(release, 17, 30), arrival_date=release)
            # A shelter's stay lasts a few weeks: every 2019 stay has ended since.
            departure = release + timedelta(days=20 + index % 40)
            last_step = _at(departure, 11)
            step(
                Action.RECORD_DEPARTURE,
                head,
                last_step,
                departure_date=departure,
                exit_kind=SHELTER_EXITS[index % len(SHELTER_EXITS)],
                measure_completed=True,
            )
        elif code == "N":
            last_step = _at(release + timedelta(days=2), 9, 30)
            step(
                Action.RECORD_NO_SHOW,
                head,
                last_step,
                comment=NO_SHOW_COMMENTS[index % len(NO_SHOW_COMMENTS)],
            )
        elif code == "D":
            contact = release + timedelta(days=3 + index % 4)
            last_step = _at(contact + timedelta(days=1), 10)
            step(
                Action.RECORD_NO_SHOW,
                head,
                last_step,
                day_centre_contact_date=contact,
                comment="Pas venu à la sortie ; passé à l'accueil de jour quelques jours après.",
            )
        elif code == "L":
            last_step = _at(release + timedelta(days=2), 9, 30)
            step(Action.RECORD_NO_SHOW, head, last_step, comment=NO_SHOW_COMMENTS[0])
            contact = release + timedelta(days=6 + index % 10)
            workflow.record_day_centre_contact(referral, head, contact)
            _stamp(ids, _at(contact, 15), since)
        elif code == "R":
            last_step = _reorient(referral, session_day, release, consent_date, actors, since, step)
    Referral.objects.filter(pk=referral.pk).update(
        created_at=created_at,
        submitted_at=created_at + timedelta(hours=2),
        status_changed_at=last_step,
        updated_at=last_step,
        release_date=release,
        consent_date=consent_date,
    )
    return 1 + (code == "R")


def _reorient(referral, session_day, release, consent_date, actors, since, step) -> datetime:
    """Accepted at La Passerelle, then re-oriented at the next session to Les Augustins, whose
    commission accepts; the person arrives there at release. Returns the last step's time."""
    head, augustins = actors["head"], actors["augustins"]
    next_session = _session(
        referral.target, session_day + timedelta(weeks=1), [head, actors["member"]]
    )
    reoriented = _at(next_session.date, 15)
    step(
        Action.REORIENT,
        head,
        reoriented,
        session=next_session,
        new_target=augustins.pk,
        message="Une place d'insertion se libère aux Augustins, plus adaptée à son projet "
        "d'emploi : accord de la personne recueilli par téléphone avec le SPIP.",
    )
    linked = Referral.objects.get(reoriented_from=referral)
    _stamp([linked.pk], reoriented, since)
    aug_head = actors["aug_head"]
    aug_session = _session(
        augustins, session_day + timedelta(days=9), [aug_head, actors["aug_member"]]
    )
    accepted = _at(aug_session.date, 11)
    linked = workflow.perform(
        linked,
        Action.ACCEPT,
        aug_head,
        session=aug_session,
        planned_admission_date=release,
        place_type="insertion",
        conditions="Accueil en place d'insertion le jour de la sortie.",
    )
    _stamp([linked.pk], accepted, since)
    workflow.perform(linked, Action.RECORD_ARRIVAL, aug_head, arrival_date=release)
    _stamp([linked.pk], _at(release, 16), since)
    departure = release + timedelta(days=240)  # an insertion stay of about eight months
    arrived = _at(departure, 10)
    workflow.perform(
        linked,
        Action.RECORD_DEPARTURE,
        aug_head,
        departure_date=departure,
        exit_kind=ExitKind.AUTONOMOUS_HOUSING,
        measure_completed=True,
    )
    _stamp([linked.pk], arrived, since)
    Referral.objects.filter(pk=linked.pk).update(
        reference=ReferenceCounter.next_reference(YEAR),
        creation_key=uuid.uuid5(NAMESPACE, f"augustins-{referral.creation_key}"),
        created_at=reoriented,
        submitted_at=reoriented,
        status_changed_at=arrived,
        updated_at=arrived,
        release_date=release,
        consent_date=consent_date,
    )
    return reoriented
