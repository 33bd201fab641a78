"""Referral factories.

A referral is built as in production: its officer creates the draft (`workflow.create_draft`),
then `workflow.perform` drives it, with real actors, along the path to the status asked for: the
officer plays the partner's side, the head of the target's commission plays the commission's
(an existing active head of the target, or one made with `commission_member`), the system lets
an information request expire. So `referral.events` always tells how the referral got to its
status. Emails are muted while the history is written: history is not news.

Traits, in the style of les-emplois' `tests/job_applications/factories.py`: `submitted`,
`info_requested`, `scheduled`, `accepted`, `declined`, `reoriented`, `arrived`, `no_show`,
`cancelled`, `withdrawn`, `expired`, `contested`, `departed` (arrived, then left).
`status=Status.ACCEPTED` means `accepted=True`.

Fields that a transition writes are the data of that transition: `session` (the scheduling),
`planned_admission_date`, `place_type`, `decline_reason`, `decision_message`, `arrival_date`,
`day_centre_contact_date`, `cancel_reason`, `withdraw_reason`; and of the departure (not fields of
the referral but of its stay): `departure_date`, `exit_kind`. `status_changed_at` moves the whole
history back in time so that its last change happened then."""

import uuid
from datetime import date, timedelta

import factory
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import InternalRole, Membership, Organisation
from cms.choices import EstablishmentKind, Public, ReferralType
from core.notifications import muted
from referrals import facts, workflow
from referrals.choices import Action, Status
from referrals.models import Message, Referral, ReferralEvent
from referrals.permissions import Actor
from tests.factories import MembershipFactory, OrganisationFactory


def home_page():
    from cms.models import HomePage

    return HomePage.objects.first()


class EstablishmentFactory(factory.django.DjangoModelFactory):
    """An establishment page that accepts online referrals, added under the home page."""

    class Meta:
        model = "cms.EstablishmentPage"

    title = factory.Sequence(lambda n: f"CHRS n°{n}")
    slug = factory.LazyAttribute(lambda o: f"{slugify(o.title)}-{uuid.uuid4().hex[:6]}")
    kind = EstablishmentKind.CHRS
    city = "Paris"
    departement = "75"
    accepts_online_referrals = True
    referral_types = factory.LazyFunction(
        lambda: [ReferralType.SORTIE_SECHE, ReferralType.DDSE, ReferralType.SEMI_LIBERTE]
    )
    publics = factory.LazyFunction(lambda: [Public.MEN_ALONE])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        page = model_class(*args, **kwargs)
        home_page().add_child(instance=page)
        return page


def commission_member(establishment, role=InternalRole.Role.COMMISSION_MEMBER) -> Membership:
    """An active member of L'Îlot's internal team with `role` on `establishment`."""
    organisation = Organisation.objects.filter(kind=Organisation.Kind.ILOT).first()
    if organisation is None:
        organisation = OrganisationFactory(internal=True)
    membership = MembershipFactory(organisation=organisation)
    InternalRole.objects.create(membership=membership, role=role, establishment=establishment)
    return membership


def management_member() -> Membership:
    organisation = Organisation.objects.filter(kind=Organisation.Kind.ILOT).first()
    if organisation is None:
        organisation = OrganisationFactory(internal=True)
    membership = MembershipFactory(organisation=organisation)
    InternalRole.objects.create(membership=membership, role=InternalRole.Role.MANAGEMENT)
    return membership


def head_of(establishment) -> Membership:
    """The establishment's head: the first active one, or a new one."""
    existing = (
        Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            internal_roles__role=InternalRole.Role.HEAD,
            internal_roles__establishment=establishment,
        )
        .order_by("pk")
        .first()
    )
    return existing or commission_member(establishment, InternalRole.Role.HEAD)


def actor(membership: Membership) -> Actor:
    return Actor.for_membership(membership.user, membership)


# --- histories ---------------------------------------------------------------------------------

A = Action
_DECIDED = [A.SUBMIT, A.SCHEDULE, A.ACCEPT]
# The path a referral takes to each status, from its draft.
PATHS = {
    Status.DRAFT: [],
    Status.SUBMITTED: [A.SUBMIT],
    Status.INFO_REQUESTED: [A.SUBMIT, A.REQUEST_INFO],
    Status.EXPIRED: [A.SUBMIT, A.REQUEST_INFO, A.EXPIRE],
    Status.WITHDRAWN: [A.SUBMIT, A.WITHDRAW],
    Status.UNDER_REVIEW: [A.SUBMIT, A.SCHEDULE],
    Status.ACCEPTED: _DECIDED,
    Status.DECLINED: [A.SUBMIT, A.SCHEDULE, A.DECLINE],
    Status.REORIENTED: [A.SUBMIT, A.SCHEDULE, A.REORIENT],
    Status.ARRIVED: [*_DECIDED, A.RECORD_ARRIVAL],
    Status.DEPARTED: [*_DECIDED, A.RECORD_ARRIVAL, A.RECORD_DEPARTURE],
    Status.NO_SHOW: [*_DECIDED, A.RECORD_NO_SHOW],
    Status.CANCELLED: [*_DECIDED, A.CANCEL],
}


def path_to(status, contested=False) -> list[Action]:
    """The actions from a draft to `status`; `contested`: declined, contested, back in review
    first."""
    path = list(PATHS[Status(status)])
    if contested:
        if path[:2] != [A.SUBMIT, A.SCHEDULE]:
            raise ValueError(f"A referral cannot be contested on its way to {status}.")
        path[2:2] = [A.DECLINE, A.CONTEST]
    return path


# Fields written by a transition: given to the factory, they are that transition's data.
WRITTEN_BY = {
    "session": A.SCHEDULE,
    "planned_admission_date": A.ACCEPT,
    "place_type": A.ACCEPT,
    "decline_reason": A.DECLINE,
    "decision_message": A.DECLINE,
    "arrival_date": A.RECORD_ARRIVAL,
    "day_centre_contact_date": A.RECORD_NO_SHOW,
    "cancel_reason": A.CANCEL,
    "withdraw_reason": A.WITHDRAW,
    "departure_date": A.RECORD_DEPARTURE,
    "exit_kind": A.RECORD_DEPARTURE,
}


class _History:
    """Plays a path on a new draft: who acts, with what data."""

    def __init__(self, partner: Actor, commission: Membership | None, reorient_to, given: dict):
        self.partner = partner
        self.commission = commission
        self.reorient_to = reorient_to
        self.given = given

    def actor(self, action, referral) -> Actor:
        side = workflow.TRANSITIONS[action].side
        if side == "partner":
            return self.partner
        if side == "system":
            return Actor.system()
        if self.commission is None:
            self.commission = head_of(referral.target)
        return actor(self.commission)

    def data(self, action, referral) -> dict:
        given = self.given
        today = timezone.localdate()
        if referral.session_id and referral.session.date <= today:
            decision = {"session": referral.session_id}
        else:
            decision = {"urgent_justification": "Sortie avancée par le juge."}
        if action == A.REQUEST_INFO:
            return {"message": "Merci de joindre la décision du juge."}
        if action == A.SCHEDULE:
            session = given.get("session") or CommissionSessionFactory(
                establishment=referral.target, date=today
            )
            return {"session": session}
        if action == A.ACCEPT:
            return {
                "planned_admission_date": given.get(
                    "planned_admission_date", today + timedelta(days=10)
                ),
                "place_type": given.get("place_type", ""),
                **decision,
            }
        if action == A.DECLINE:
            return {
                "reason": given.get("decline_reason", "pas_de_place"),
                "message": given.get("decision_message", "Pas de place à la date de sortie."),
                **decision,
            }
        if action == A.REORIENT:
            new_target = self.reorient_to or EstablishmentFactory(
                referral_types=[referral.referral_type]
            )
            return {"new_target": new_target, "message": "Projet plus adapté là-bas.", **decision}
        if action == A.RECORD_ARRIVAL:
            return {"arrival_date": given.get("arrival_date", today)}
        if action == A.RECORD_DEPARTURE:
            return {
                "departure_date": given.get("departure_date", today),
                "exit_kind": given.get("exit_kind", "logement_autonome"),
                "measure_completed": True,
            }
        if action == A.RECORD_NO_SHOW:
            return {"day_centre_contact_date": given.get("day_centre_contact_date")}
        if action == A.CANCEL:
            return {"reason": given.get("cancel_reason", "sortie_reportee")}
        if action == A.CONTEST:
            return {"message": "Sa situation a changé : merci de réexaminer la demande."}
        if action == A.WITHDRAW:
            return {"reason": given.get("withdraw_reason", "autre_solution")}
        return {}


def _backdate(referral: Referral, when) -> None:
    """Move the referral's whole history back so that its status changed at `when` (events are
    immutable through save(), hence update())."""
    shift = referral.status_changed_at - when
    Referral.objects.filter(pk=referral.pk).update(
        status_changed_at=when,
        created_at=F("created_at") - shift,
        submitted_at=F("submitted_at") - shift,
        news_at=F("news_at") - shift,
    )
    ReferralEvent.objects.filter(referral=referral).update(created_at=F("created_at") - shift)
    facts.refresh([referral.pk])  # derived from the events: they follow them
    Message.objects.filter(referral=referral).update(created_at=F("created_at") - shift)


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    organisation = factory.LazyAttribute(lambda o: o.membership.organisation)
    officer = factory.LazyAttribute(lambda o: o.membership.user)
    target = factory.SubFactory(EstablishmentFactory)
    first_name = factory.Faker("first_name_male", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_date = date(1988, 4, 12)
    gender = "homme"
    location = "prison"
    location_detail = "Centre pénitentiaire"
    judicial_situation = "ddse"
    release_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=20))
    referral_type = ReferralType.DDSE
    housing_need = "adresse_mesure"
    employment_need = "emploi"
    ties_need = "maintien"
    wishes = "Trouver un travail et revoir ma fille."
    consent = True
    consent_date = factory.LazyFunction(timezone.localdate)
    consent_method = "entretien"
    status = Status.DRAFT
    # How the history is played (not fields of the referral):
    commission = None  # the head (Membership) playing the commission's side; default: head_of
    reorient_to = None  # the establishment a re-orientation sends to; default: a new one
    contest = False  # declined, contested and back in review on the way

    class Params:
        membership = factory.SubFactory(MembershipFactory)
        submitted = factory.Trait(status=Status.SUBMITTED)
        info_requested = factory.Trait(status=Status.INFO_REQUESTED)
        scheduled = factory.Trait(status=Status.UNDER_REVIEW)
        accepted = factory.Trait(status=Status.ACCEPTED)
        declined = factory.Trait(status=Status.DECLINED)
        reoriented = factory.Trait(status=Status.REORIENTED)
        arrived = factory.Trait(status=Status.ARRIVED)
        no_show = factory.Trait(status=Status.NO_SHOW)
        cancelled = factory.Trait(status=Status.CANCELLED)
        withdrawn = factory.Trait(status=Status.WITHDRAWN)
        expired = factory.Trait(status=Status.EXPIRED)
        departed = factory.Trait(status=Status.DEPARTED)
        contested = factory.Trait(status=Status.UNDER_REVIEW, contest=True)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("A referral is built through the workflow: use create().")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        path = path_to(kwargs.pop("status"), contested=kwargs.pop("contest"))
        commission = kwargs.pop("commission")
        reorient_to = kwargs.pop("reorient_to")
        status_changed_at = kwargs.pop("status_changed_at", None)
        creation_key = kwargs.pop("creation_key", None)
        given = {name: kwargs.pop(name) for name in WRITTEN_BY if name in kwargs}
        unused = {name for name in given if WRITTEN_BY[name] not in path}
        if unused:
            raise ValueError(f"No transition on the way writes {sorted(unused)}.")
        membership = Membership.objects.get(
            user=kwargs["officer"], organisation=kwargs["organisation"]
        )
        history = _History(actor(membership), commission, reorient_to, given)
        with muted():
            referral, created = workflow.create_draft(
                model_class(*args, **kwargs), history.partner, creation_key
            )
            if not created:
                raise ValueError(f"Creation key {creation_key} already used.")
            for action in path:
                referral = workflow.perform(
                    referral,
                    action,
                    history.actor(action, referral),
                    **history.data(action, referral),
                )
        if status_changed_at is not None:
            _backdate(referral, status_changed_at)
            referral.refresh_from_db()
        return referral


class CommissionSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "referrals.CommissionSession"

    establishment = factory.SubFactory(EstablishmentFactory)
    date = factory.LazyFunction(timezone.localdate)  # held today: decisions may be filed under it


class StayFactory(factory.django.DjangoModelFactory):
    """A stay entered directly (the departure workflow is not what the figures test): by
    default an "arrival without referral", still there."""

    class Meta:
        model = "referrals.Stay"

    establishment = factory.SubFactory(EstablishmentFactory)
    place_type = "insertion"
    arrival_date = date(2019, 3, 1)
    birth_year = 1985
    gender = "homme"
    justice_public = True

    class Params:
        left = factory.Trait(
            departure_date=factory.LazyAttribute(lambda o: o.arrival_date + timedelta(days=90)),
            exit_kind="logement_autonome",
        )
