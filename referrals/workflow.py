"""The referral state machine: the only place where a referral changes status.

Every transition is guarded by state and by the side the actor plays (partner, commission,
head of the establishment, system), runs in a transaction on a locked row, writes an immutable
event and sends its notifications through tasks. Views and API call `perform`. Error reports
never show the data these functions handle (`sensitive_variables`)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cms.choices import PlaceType

from . import facts, notifications
from .choices import (
    MEASURE_SITUATIONS,
    Action,
    CancelReason,
    DeclineReason,
    ExitKind,
    Gender,
    Status,
    WithdrawReason,
    is_justice_public,
)
from .models import (
    CONSENT_FIELDS,
    JUDICIAL_FIELDS,
    NEEDS_FIELDS,
    PERSON_FIELDS,
    Attachment,
    CommissionSession,
    InternalNote,
    Message,
    Referral,
    ReferralEvent,
    Stay,
)
from .permissions import (
    Actor,
    Side,
    can_add_document,
    can_change_release_date,
    can_post_message,
    can_reassign,
    can_record_stays,
    can_rectify,
    plays,
    reassignable_members,
)
from .targets import check_target, place_types_of


@dataclass(frozen=True)
class Effect:
    """What a transition's effect returns: the event's comment and data, and what to do once
    the referral is saved (in the same transaction)."""

    comment: str = ""
    data: dict = field(default_factory=dict)
    after: Callable[[], None] | None = None


@dataclass(frozen=True)
class Transition:
    """One edge of the state machine: from which statuses, to which, who plays it, an optional
    guard (a rule beyond state and side: returns why it is refused, or None) and its effect
    (checks the data, sets the fields, returns an Effect)."""

    action: Action
    sources: frozenset
    target: str
    side: str
    effect: Callable[..., Effect]
    guard: Callable[[Referral], str | None] | None = None

    def refusal(self, referral: Referral) -> str | None:
        return self.guard(referral) if self.guard else None


class TransitionNotAllowed(Exception):
    """The referral is not (or no longer) in a state that allows this action. The message says
    who changed it last (see `_not_allowed`)."""

    def __init__(self, message: str, referral: Referral):
        super().__init__(message)
        self.referral = referral


def _not_allowed(referral: Referral) -> TransitionNotAllowed:
    last = (
        referral.events.filter(kind=ReferralEvent.Kind.TRANSITION)
        .select_related("actor", "organisation")
        .last()
    )
    if last is not None and last.actor is not None:
        message = _(
            "Action impossible : cette orientation est maintenant « %(status)s » "
            "(%(who)s, %(organisation)s, le %(when)s)."
        ) % {
            "status": referral.get_status_display(),
            "who": last.actor,
            "organisation": last.organisation or "",
            "when": timezone.localtime(last.created_at).strftime("%d/%m/%Y à %H:%M"),
        }
    else:
        message = _("Action impossible : cette orientation est « %(status)s ».") % {
            "status": referral.get_status_display()
        }
    return TransitionNotAllowed(message, referral)


def allowed_actions(actor: Actor, referral: Referral) -> list[Action]:
    """Transitions the actor could perform now (for showing buttons)."""
    return [
        t.action
        for t in TRANSITIONS.values()
        if referral.status in t.sources
        and plays(actor, t.side, referral)
        and t.refusal(referral) is None
    ]


def _comment(data) -> str:
    return (data.get("comment") or "").strip()


def _required(value, field, message):
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        raise ValidationError({field: message})
    return value.strip() if isinstance(value, str) else value


def _choice(value, choices, field, message):
    if value not in choices.values:
        raise ValidationError({field: message})
    return value


@sensitive_variables()
def perform(referral: Referral, action: Action, actor: Actor, **data) -> Referral:
    """Run `action` on `referral` as `actor`. Raises PermissionDenied, TransitionNotAllowed or
    ValidationError (with French messages) and then changes nothing."""
    transition = TRANSITIONS[action]
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if not plays(actor, transition.side, locked):
            raise PermissionDenied
        if locked.status not in transition.sources:
            raise _not_allowed(locked)
        refusal = transition.refusal(locked)
        if refusal:
            raise ValidationError(refusal)
        effect = transition.effect(locked, actor, data)
        previous = locked.status
        now = timezone.now()
        locked.status = transition.target
        locked.status_changed_at = now
        locked.version += 1
        locked.save()
        _log(
            locked,
            actor,
            ReferralEvent.Kind.TRANSITION,
            transition.action,
            from_status=previous,
            to_status=transition.target,
            comment=effect.comment,
            data=effect.data,
            created_at=now,
        )
        if effect.after:
            effect.after()
        notifications.for_transition(transition.action, locked)
    return locked


# The events the figures' facts (`facts.py`) are derived from.
FACT_ACTIONS = frozenset(
    {
        *facts.DECISIONS,
        *facts.LEAVING_ACCEPTED,
        *facts.CLOSINGS,
        Action.DAY_CENTRE_CONTACT,
        Action.REORIENTED_IN,
    }
)


def _log(referral, actor, kind, action, **fields) -> ReferralEvent:
    """One line of the referral's history, written by this actor for their organisation; the
    referral's facts follow it in the same transaction (and the facts of the referral it was
    re-oriented from when it arrives)."""
    event = ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        action=action,
        actor=actor.user,
        organisation=actor.organisation,
        **fields,
    )
    if action in FACT_ACTIONS:
        origin = referral.reoriented_from_id if action == Action.RECORD_ARRIVAL else None
        facts.refresh([referral.pk, origin])
        referral.refresh_from_db(fields=facts.FACT_FIELDS)
    if kind != ReferralEvent.Kind.RETENTION:
        _news(referral, event.created_at)
    return event


def _news(referral, at):
    """News on the referral at `at` (an event or a message): `Referral.news_at` follows, in the
    same transaction, never backwards."""
    Referral.objects.filter(Q(news_at__isnull=True) | Q(news_at__lt=at), pk=referral.pk).update(
        news_at=at
    )
    if referral.news_at is None or referral.news_at < at:
        referral.news_at = at


def _message(referral, actor, body):
    message = Message.objects.create(
        referral=referral, author=actor.user, organisation=actor.organisation, body=body
    )
    _news(referral, message.created_at)


def _submit(referral, actor, data):
    check_submittable(referral)
    referral.submitted_at = timezone.now()
    return Effect()


def check_submittable(referral: Referral):
    errors = {}
    try:
        referral.full_clean(exclude=["target"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if not referral.consent:
        errors["consent"] = [_("L'accord de la personne est obligatoire pour transmettre.")]
    if not referral.consent_date:
        errors["consent_date"] = [_("Indiquez la date de l'accord.")]
    if not referral.consent_method:
        errors["consent_method"] = [_("Indiquez comment l'accord a été recueilli.")]
    target_error = check_target(referral.target_id, referral.referral_type)
    if target_error:
        errors["target"] = [target_error]
    if errors:
        raise ValidationError(errors)


def _request_info(referral, actor, data):
    body = _required(
        data.get("message"), "message", _("Écrivez les informations dont la commission a besoin.")
    )
    _message(referral, actor, body)
    return Effect(body)


def _answer_info(referral, actor, data):
    body = _required(data.get("message"), "message", _("Écrivez votre réponse."))
    _message(referral, actor, body)
    return Effect(body)


def _session_of(referral, data, required: bool):
    """The commission session given in `data`, which must be one of the target's."""
    session = data.get("session")
    session_id = getattr(session, "pk", session)
    if not session_id:
        if required:
            raise ValidationError({"session": _("Choisissez la séance de commission.")})
        return None
    session = CommissionSession.objects.filter(
        pk=session_id, establishment_id=referral.target_id
    ).first()
    if session is None:
        raise ValidationError(
            {"session": _("Cette séance n'est pas une séance de la commission concernée.")}
        )
    return session


def _decision_record(referral, data) -> dict:
    """A decision is taken in a commission session, or urgently by the head outside a
    session with a justification; the event records which."""
    session = _session_of(referral, data, required=False)
    justification = (data.get("urgent_justification") or "").strip()
    if session is None and not justification:
        raise ValidationError(
            {
                "urgent_justification": _(
                    "Une décision se prend en séance de commission. Hors séance, justifiez "
                    "l'urgence."
                )
            }
        )
    if session is not None:
        if session.date > timezone.localdate():
            raise ValidationError(
                {
                    "session": _(
                        "La séance du %(date)s n'a pas encore eu lieu : une décision en séance "
                        "s'enregistre le jour de la séance ou après. D'ici là, choisissez « Hors "
                        "séance (urgence) » et justifiez l'urgence."
                    )
                    % {"date": session.date.strftime("%d/%m/%Y")}
                }
            )
        referral.session = session
        return {"session": session.pk, "session_date": session.date.isoformat()}
    return {"urgent_justification": justification}


def _schedule(referral, actor, data):
    session = _session_of(referral, data, required=True)
    referral.session = session
    return Effect(_comment(data), {"session": session.pk, "session_date": session.date.isoformat()})


def _accept(referral, actor, data):
    admission = _required(
        data.get("planned_admission_date"),
        "planned_admission_date",
        _("Indiquez la date d'admission prévue."),
    )
    if not isinstance(admission, date):
        raise ValidationError({"planned_admission_date": _("Date d'admission invalide.")})
    record = _decision_record(referral, data)
    place_type = data.get("place_type") or ""
    if place_type:
        _choice(place_type, PlaceType, "place_type", _("Type de place inconnu."))
        offered = place_types_of(referral.target_id)
        if offered and place_type not in offered:
            raise ValidationError(
                {"place_type": _("L'établissement ne publie pas de places de ce type.")}
            )
    referral.planned_admission_date = admission
    referral.place_type = place_type
    referral.decline_reason = ""
    conditions = (data.get("conditions") or "").strip()
    referral.decision_message = conditions
    return Effect(
        conditions,
        {"planned_admission_date": admission.isoformat(), "place_type": place_type, **record},
    )


def _decline(referral, actor, data):
    reason = _choice(
        data.get("reason"), DeclineReason, "reason", _("Choisissez le motif de l'avis défavorable.")
    )
    body = _required(
        data.get("message"),
        "message",
        _("Un message au partenaire est obligatoire : chaque décision s'explique."),
    )
    record = _decision_record(referral, data)
    referral.decline_reason = reason
    referral.decision_message = body
    _message(referral, actor, body)
    return Effect(body, {"reason": reason, **record})


def _reorient(referral, actor, data):
    new_target = data.get("new_target")
    new_target_id = getattr(new_target, "pk", new_target)
    if not new_target_id:
        raise ValidationError({"new_target": _("Choisissez l'établissement ou le programme.")})
    if int(new_target_id) == referral.target_id:
        raise ValidationError(
            {"new_target": _("Choisissez un autre établissement que celui d'origine.")}
        )
    target_error = check_target(new_target_id, referral.referral_type)
    if target_error:
        raise ValidationError({"new_target": target_error})
    comment = (data.get("message") or "").strip()
    record = _decision_record(referral, data)

    def create_linked():
        linked = _copy_for(referral, int(new_target_id))
        _log(
            linked,
            actor,
            ReferralEvent.Kind.CREATED,
            Action.REORIENTED_IN,
            to_status=Status.SUBMITTED,
            comment=comment,
            data={"from": referral.reference},
        )
        notifications.ReferralSubmitted(linked).send()

    return Effect(comment, {"to_target": int(new_target_id), **record}, create_linked)


# What a re-orientation copies to the new referral: the person, their situation, needs and
# consent, and who follows them; not the decisions, dates of the process or the target.
COPIED_FIELDS = [
    "organisation_id",
    "officer_id",
    "second_contact_id",
    *PERSON_FIELDS,
    *JUDICIAL_FIELDS,
    "referral_type",
    "siao_request_number",
    *NEEDS_FIELDS,
    *CONSENT_FIELDS,
]


def _copy_for(referral: Referral, target_id: int) -> Referral:
    linked = Referral(
        target_id=target_id,
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
        reoriented_from=referral,
        **{name: getattr(referral, name) for name in COPIED_FIELDS},
    )
    linked.save()
    Attachment.objects.bulk_create(
        Attachment(
            referral=linked,
            kind=a.kind,
            file=a.file.name,
            original_name=a.original_name,
            content_type=a.content_type,
            size=a.size,
            uploaded_by_id=a.uploaded_by_id,
            created_at=a.created_at,
        )
        for a in referral.attachments.all()
    )
    return linked


def _record_arrival(referral, actor, data):
    arrival = _required(data.get("arrival_date"), "arrival_date", _("Indiquez la date d'arrivée."))
    if arrival > timezone.localdate():
        raise ValidationError({"arrival_date": _("La date d'arrivée ne peut pas être future.")})
    referral.arrival_date = arrival

    def open_stay():
        Stay.objects.create(
            referral=referral,
            establishment_id=referral.target_id,
            place_type=referral.place_type,
            arrival_date=arrival,
            measure=measure_of(referral.judicial_situation),
            recorded_by=actor.user,
            **person_facts(referral),
        )

    return Effect(_comment(data), {"arrival_date": arrival.isoformat()}, open_stay)


def person_facts(referral) -> dict:
    """What the figures need of the person, kept on their stay (`Stay`) so that the figures read
    no referral: at the arrival, and again when the person's details are rectified."""
    return {
        "birth_year": referral.birth_date.year if referral.birth_date else None,
        "gender": referral.gender,
        "justice_public": is_justice_public(referral.judicial_situation),
    }


def measure_of(judicial_situation) -> str:
    """The measure a stay serves, when the judicial situation is one (PSE, SL, PE, LC)."""
    return judicial_situation if judicial_situation in MEASURE_SITUATIONS else ""


@sensitive_variables()
def _close_stay(stay: Stay | None, data) -> dict:
    """Check and record a departure on `stay`; returns what the event keeps (no detail about
    the person beyond the coded exit)."""
    if stay is None:
        raise ValidationError(
            _("Aucune arrivée n'est enregistrée : une sortie suppose une arrivée.")
        )
    if stay.departure_date is not None:
        raise ValidationError(
            _("La sortie est déjà enregistrée (le %(date)s).")
            % {"date": stay.departure_date.strftime("%d/%m/%Y")}
        )
    departure = _required(
        data.get("departure_date"), "departure_date", _("Indiquez la date de sortie.")
    )
    if not isinstance(departure, date):
        raise ValidationError({"departure_date": _("Date de sortie invalide.")})
    if departure > timezone.localdate():
        raise ValidationError({"departure_date": _("La date de sortie ne peut pas être future.")})
    if departure < stay.arrival_date:
        raise ValidationError(
            {
                "departure_date": _(
                    "La date de sortie ne peut pas précéder l'arrivée (le %(date)s)."
                )
                % {"date": stay.arrival_date.strftime("%d/%m/%Y")}
            }
        )
    exit_kind = _choice(
        data.get("exit_kind"), ExitKind, "exit_kind", _("Choisissez le type de sortie.")
    )
    completed = data.get("measure_completed")
    if stay.measure and completed is None:
        raise ValidationError(
            {"measure_completed": _("Indiquez si la mesure a été menée à son terme.")}
        )
    stay.departure_date = departure
    stay.exit_kind = exit_kind
    stay.exit_employment = bool(data.get("exit_employment"))
    stay.exit_training = bool(data.get("exit_training"))
    stay.measure_completed = completed if stay.measure else None
    stay.save()
    return {
        "departure_date": departure.isoformat(),
        "exit_kind": exit_kind,
        "positive_exit": stay.positive_exit,
    }


def _record_departure(referral, actor, data):
    stay = Stay.objects.select_for_update().filter(referral=referral).first()
    return Effect("", _close_stay(stay, data))


def _check_day_centre_date(contact_date):
    if contact_date > timezone.localdate():
        raise ValidationError(
            {"day_centre_contact_date": _("La date de venue ne peut pas être future.")}
        )


def _record_no_show(referral, actor, data):
    contact = data.get("day_centre_contact_date")
    if contact:
        _check_day_centre_date(contact)
    referral.day_centre_contact_date = contact or None
    event_data = {"day_centre_contact_date": contact.isoformat()} if contact else {}
    return Effect(_comment(data), event_data)


def _cancel(referral, actor, data):
    reason = _choice(
        data.get("reason"), CancelReason, "reason", _("Choisissez le motif de l'annulation.")
    )
    referral.cancel_reason = reason
    return Effect(_comment(data), {"reason": reason})


def _contest(referral, actor, data):
    body = _required(
        data.get("message"), "message", _("Expliquez pourquoi vous contestez cet avis.")
    )
    referral.contested = True
    _message(referral, actor, body)
    return Effect(body)


def _withdraw(referral, actor, data):
    reason = _choice(
        data.get("reason"), WithdrawReason, "reason", _("Choisissez le motif du retrait.")
    )
    referral.withdraw_reason = reason
    return Effect(_comment(data), {"reason": reason})


def _expire(referral, actor, data):
    return Effect(_("Demande d'informations restée sans réponse."))


def _close_unanswered(referral, actor, data):
    return Effect(
        _("Demande restée sans décision de la commission : close automatiquement."),
        {"reason": "sans_decision"},
    )


def _contested_already(referral) -> str | None:
    if referral.contested:
        return _("Un avis défavorable ne peut être contesté qu'une fois.")
    return None


A, S = Action, Status
TRANSITIONS = {
    t.action: t
    for t in [
        Transition(A.SUBMIT, frozenset({S.DRAFT}), S.SUBMITTED, Side.PARTNER, _submit),
        Transition(
            A.REQUEST_INFO,
            frozenset({S.SUBMITTED}),
            S.INFO_REQUESTED,
            Side.COMMISSION,
            _request_info,
        ),
        Transition(
            A.ANSWER_INFO,
            frozenset({S.INFO_REQUESTED}),
            S.SUBMITTED,
            Side.PARTNER,
            _answer_info,
        ),
        Transition(
            A.SCHEDULE, frozenset({S.SUBMITTED}), S.UNDER_REVIEW, Side.COMMISSION, _schedule
        ),
        Transition(
            A.ACCEPT, frozenset({S.SUBMITTED, S.UNDER_REVIEW}), S.ACCEPTED, Side.HEAD, _accept
        ),
        Transition(
            A.DECLINE, frozenset({S.SUBMITTED, S.UNDER_REVIEW}), S.DECLINED, Side.HEAD, _decline
        ),
        Transition(
            A.REORIENT,
            frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.ACCEPTED}),
            S.REORIENTED,
            Side.HEAD,
            _reorient,
        ),
        Transition(
            A.RECORD_ARRIVAL, frozenset({S.ACCEPTED}), S.ARRIVED, Side.HEAD, _record_arrival
        ),
        Transition(
            A.RECORD_DEPARTURE,
            frozenset({S.ARRIVED}),
            S.DEPARTED,
            Side.HEAD,
            _record_departure,
        ),
        Transition(
            A.RECORD_NO_SHOW, frozenset({S.ACCEPTED}), S.NO_SHOW, Side.HEAD, _record_no_show
        ),
        Transition(A.CANCEL, frozenset({S.ACCEPTED}), S.CANCELLED, Side.HEAD, _cancel),
        Transition(
            A.CONTEST,
            frozenset({S.DECLINED}),
            S.UNDER_REVIEW,
            Side.PARTNER,
            _contest,
            guard=_contested_already,
        ),
        Transition(
            A.WITHDRAW,
            frozenset({S.SUBMITTED, S.INFO_REQUESTED, S.UNDER_REVIEW}),
            S.WITHDRAWN,
            Side.PARTNER,
            _withdraw,
        ),
        Transition(A.EXPIRE, frozenset({S.INFO_REQUESTED}), S.EXPIRED, Side.SYSTEM, _expire),
        Transition(
            A.CLOSE_UNANSWERED,
            frozenset({S.SUBMITTED, S.UNDER_REVIEW}),
            S.EXPIRED,
            Side.SYSTEM,
            _close_unanswered,
        ),
    ]
}


# --- operations that are not status changes ---------------------------------------------------


@sensitive_variables()
def create_draft(referral: Referral, actor: Actor, creation_key=None) -> tuple[Referral, bool]:
    """Save `referral` as a new draft of the actor's organisation and log its creation.

    The same creation key (the form shown once, or an API Idempotency-Key) returns the draft
    already created with it, even when both requests arrive at the same moment."""

    def already_created():
        if not creation_key:
            return None
        return Referral.objects.filter(
            creation_key=creation_key, organisation_id=actor.membership.organisation_id
        ).first()

    existing = already_created()
    if existing is not None:
        return existing, False
    referral.organisation = actor.organisation
    referral.officer = actor.user
    referral.creation_key = creation_key
    try:
        with transaction.atomic():
            referral.save()
            record_creation(referral, actor)
    except IntegrityError:
        existing = already_created()
        if existing is None:
            raise ValidationError(
                {"creation_key": _("Cette clé a déjà servi : générez-en une autre.")}
            ) from None
        return existing, False
    return referral, True


def record_creation(referral: Referral, actor: Actor):
    _log(
        referral,
        actor,
        ReferralEvent.Kind.CREATED,
        Action.CREATED,
        to_status=referral.status,
    )


@sensitive_variables()
def change_release_date(referral: Referral, actor: Actor, new_date, comment: str = ""):
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if not can_change_release_date(actor, locked):
            raise PermissionDenied
        if new_date is None:
            raise ValidationError({"release_date": _("Indiquez la nouvelle date.")})
        if new_date == locked.release_date:
            raise ValidationError({"release_date": _("C'est déjà la date enregistrée.")})
        previous = locked.release_date
        locked.release_date = new_date
        locked.full_clean(exclude=["target"])
        locked.version += 1
        locked.save()
        _log(
            locked,
            actor,
            ReferralEvent.Kind.RELEASE_DATE,
            Action.RELEASE_DATE_CHANGED,
            comment=comment.strip(),
            data={
                "from": previous.isoformat() if previous else None,
                "to": new_date.isoformat(),
            },
        )
        if locked.status != Status.DRAFT:
            notifications.ReleaseDateChanged(locked).send()
    return locked


def add_attachment(referral: Referral, actor: Actor, upload, kind: str) -> Attachment:
    """Store a document checked by AttachmentForm (its type detected from its content)."""
    if not can_add_document(actor, referral):
        raise PermissionDenied
    with transaction.atomic():
        attachment = Attachment(
            referral=referral,
            kind=kind,
            original_name=upload.name[:200],
            content_type=upload.detected_type,
            size=upload.size,
            uploaded_by=actor.user,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
        _log(
            referral,
            actor,
            ReferralEvent.Kind.DOCUMENT,
            Action.DOCUMENT_ADDED,
            data={"kind": kind},
        )
    return attachment


def record_day_centre_contact(referral: Referral, actor: Actor, contact_date) -> Referral:
    """A person who did not show up came to the day centre later (counted in the yearly
    figures)."""
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if not plays(actor, Side.HEAD, locked) or locked.status != Status.NO_SHOW:
            raise PermissionDenied
        if contact_date is None:
            raise ValidationError({"day_centre_contact_date": _("Indiquez la date de venue.")})
        _check_day_centre_date(contact_date)
        locked.day_centre_contact_date = contact_date
        locked.save(update_fields=["day_centre_contact_date", "updated_at"])
        _log(
            locked,
            actor,
            ReferralEvent.Kind.OUTCOME,
            Action.DAY_CENTRE_CONTACT,
            data={"day_centre_contact_date": contact_date.isoformat()},
        )
    return locked


@sensitive_variables()
def rectify(referral: Referral, actor: Actor, values: dict) -> Referral:
    """Correct the person's details of a submitted referral (right of rectification). The event
    keeps who changed what, from which value to which; anonymisation erases those values."""
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if not can_rectify(actor, locked):
            raise PermissionDenied
        changes = {}
        for name in PERSON_FIELDS:
            if name in values and values[name] != getattr(locked, name):
                changes[name] = [_as_text(getattr(locked, name)), _as_text(values[name])]
                setattr(locked, name, values[name])
        if not changes:
            raise ValidationError(_("Aucune donnée n'a changé."))
        locked.full_clean(exclude=["target"])
        locked.version += 1
        locked.save()
        Stay.objects.filter(referral=locked).update(**person_facts(locked))
        _log(
            locked,
            actor,
            ReferralEvent.Kind.CORRECTION,
            Action.RECTIFIED,
            data={"changes": changes},
        )
    return locked


def _as_text(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value or "")


@sensitive_variables()
def add_internal_note(referral: Referral, actor: Actor, body: str):
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("La note est vide.")})
    if not plays(actor, Side.COMMISSION, referral):
        raise PermissionDenied
    return InternalNote.objects.create(referral=referral, author=actor.user, body=body)


@sensitive_variables()
def post_message(referral: Referral, actor: Actor, body: str) -> Message:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Le message est vide.")})
    if not can_post_message(actor, referral):
        raise PermissionDenied
    with transaction.atomic():
        message = Message.objects.create(
            referral=referral, author=actor.user, organisation=actor.organisation, body=body
        )
        _news(referral, message.created_at)
        notifications.NewMessage(referral, from_partner=actor.is_partner).send()
    return message


def reassign(referrals, actor: Actor, officer=None, second_contact=None) -> list[Referral]:
    """Give the follow-up of `referrals` to another member of the same organisation: a new
    officer and/or a new second contact. All or nothing: one referral that may not be
    reassigned, or a member of another organisation, and nothing changes. Each referral's
    history keeps who was replaced by whom; the new officer and second contact are told."""
    if officer is None and second_contact is None:
        raise ValidationError(_("Choisissez le nouveau référent ou le nouveau second contact."))
    changed = []
    with transaction.atomic():
        for referral in referrals:
            locked = Referral.objects.select_for_update().get(pk=referral.pk)
            if not can_reassign(actor, locked):
                raise PermissionDenied
            members = reassignable_members(locked.organisation_id)
            for user in (officer, second_contact):
                if user is not None and not members.filter(pk=user.pk).exists():
                    raise ValidationError(
                        _(
                            "%(name)s n'est pas membre actif de votre organisation : rien n'a "
                            "été réattribué."
                        )
                        % {"name": user}
                    )
            data = {}
            if officer is not None and officer.pk != locked.officer_id:
                data["officer"] = [str(locked.officer), str(officer)]
                locked.officer = officer
            if second_contact is not None and second_contact.pk != locked.second_contact_id:
                data["second_contact"] = [str(locked.second_contact or "—"), str(second_contact)]
                locked.second_contact = second_contact
            if not data:
                continue
            locked.version += 1
            locked.save()
            _log(locked, actor, ReferralEvent.Kind.REASSIGNMENT, Action.REASSIGNED, data=data)
            named = [(officer, "officer"), (second_contact, "second_contact")]
            changed.append((locked, [user for user, key in named if key in data]))
        # Told once every referral passed (all or nothing).
        for referral, followers in changed:
            notifications.ReferralReassigned(referral, followers).send()
    return [referral for referral, _followers in changed]


# --- stays without referral -------------------------------------------------------------------


@sensitive_variables()
def record_arrival_without_referral(actor: Actor, **data) -> Stay:
    """A resident who arrived before the portal existed (or outside it), entered by the head for
    occupancy and the figures: no referral, only what the figures need."""
    establishment = data.get("establishment")
    establishment_id = getattr(establishment, "pk", establishment)
    if not establishment_id:
        raise ValidationError({"establishment": _("Choisissez l'établissement.")})
    if not can_record_stays(actor, int(establishment_id)):
        raise PermissionDenied
    place_type = data.get("place_type") or ""
    offered = place_types_of(establishment_id)
    if offered and place_type not in offered:
        raise ValidationError(
            {"place_type": _("Choisissez un type de place que l'établissement publie.")}
        )
    arrival = _required(data.get("arrival_date"), "arrival_date", _("Indiquez la date d'arrivée."))
    if arrival > timezone.localdate():
        raise ValidationError({"arrival_date": _("La date d'arrivée ne peut pas être future.")})
    birth_year = data.get("birth_year")
    today = timezone.localdate()
    if birth_year is not None and not (today.year - 100 <= birth_year <= today.year - 16):
        raise ValidationError({"birth_year": _("Cette année de naissance n'est pas plausible.")})
    gender = data.get("gender") or ""
    if gender:
        _choice(gender, Gender, "gender", _("Genre inconnu."))
    measure = data.get("measure") or ""
    if measure and measure not in MEASURE_SITUATIONS:
        raise ValidationError({"measure": _("Choisissez une mesure (DDSE, SL, PE, LC ou LSC).")})
    return Stay.objects.create(
        establishment_id=establishment_id,
        place_type=place_type,
        arrival_date=arrival,
        birth_year=birth_year,
        gender=gender,
        measure=measure,
        justice_public=data.get("justice_public", True),
        recorded_by=actor.user,
    )


@sensitive_variables()
def record_departure_without_referral(stay: Stay, actor: Actor, **data) -> Stay:
    """The departure of a stay entered without referral (a referral's stay ends through the
    RECORD_DEPARTURE transition, which writes its history)."""
    with transaction.atomic():
        locked = Stay.objects.select_for_update().get(pk=stay.pk)
        if locked.referral_id is not None or not can_record_stays(actor, locked.establishment_id):
            raise PermissionDenied
        _close_stay(locked, data)
    return locked
