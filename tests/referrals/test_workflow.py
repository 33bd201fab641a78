"""The referral state machine: the full allowed/forbidden transition table, the sides that may
play each transition, the payload each one requires, events, concurrency and notifications.

Referrals are built by the factories through the workflow itself, so each one arrives with the
history of its status; a test looks at what its own action added to that history."""

import uuid
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import InternalRole
from referrals import workflow
from referrals.choices import Action, Status
from referrals.models import Referral, ReferralEvent
from referrals.permissions import Actor
from tests.factories import MembershipFactory
from tests.referrals.concurrency import RivalFirst
from tests.referrals.factories import (
    CommissionSessionFactory,
    EstablishmentFactory,
    ReferralFactory,
    commission_member,
    management_member,
)
from tests.utils import login

pytestmark = pytest.mark.django_db

A, S = Action, Status
# The contract, written out: (action, from) → to. Every other pair is forbidden.
ALLOWED = {
    (A.SUBMIT, S.DRAFT): S.SUBMITTED,
    (A.REQUEST_INFO, S.SUBMITTED): S.INFO_REQUESTED,
    (A.ANSWER_INFO, S.INFO_REQUESTED): S.SUBMITTED,
    (A.SCHEDULE, S.SUBMITTED): S.UNDER_REVIEW,
    (A.ACCEPT, S.SUBMITTED): S.ACCEPTED,
    (A.ACCEPT, S.UNDER_REVIEW): S.ACCEPTED,
    (A.DECLINE, S.SUBMITTED): S.DECLINED,
    (A.DECLINE, S.UNDER_REVIEW): S.DECLINED,
    (A.REORIENT, S.SUBMITTED): S.REORIENTED,
    (A.REORIENT, S.UNDER_REVIEW): S.REORIENTED,
    (A.REORIENT, S.ACCEPTED): S.REORIENTED,
    (A.RECORD_ARRIVAL, S.ACCEPTED): S.ARRIVED,
    (A.RECORD_NO_SHOW, S.ACCEPTED): S.NO_SHOW,
    (A.CANCEL, S.ACCEPTED): S.CANCELLED,
    (A.CONTEST, S.DECLINED): S.UNDER_REVIEW,
    (A.WITHDRAW, S.SUBMITTED): S.WITHDRAWN,
    (A.WITHDRAW, S.INFO_REQUESTED): S.WITHDRAWN,
    (A.WITHDRAW, S.UNDER_REVIEW): S.WITHDRAWN,
    (A.EXPIRE, S.INFO_REQUESTED): S.EXPIRED,
    (A.CLOSE_UNANSWERED, S.SUBMITTED): S.EXPIRED,
    (A.CLOSE_UNANSWERED, S.UNDER_REVIEW): S.EXPIRED,
}
ACTIONS = sorted(workflow.TRANSITIONS)
SIDE = {
    A.SUBMIT: "partner",
    A.ANSWER_INFO: "partner",
    A.CONTEST: "partner",
    A.WITHDRAW: "partner",
    A.REQUEST_INFO: "member",
    A.SCHEDULE: "member",
    A.ACCEPT: "head",
    A.DECLINE: "head",
    A.REORIENT: "head",
    A.RECORD_ARRIVAL: "head",
    A.RECORD_NO_SHOW: "head",
    A.CANCEL: "head",
    A.EXPIRE: "system",
    A.CLOSE_UNANSWERED: "system",
}


URGENT = {"urgent_justification": "Sortie avancée à demain par le JAP."}


def payload(action, other_target=None, session=None):
    today = timezone.localdate()
    return {
        A.REQUEST_INFO: {"message": "Merci de joindre le jugement."},
        A.ANSWER_INFO: {"message": "Le jugement est joint."},
        A.SCHEDULE: {"session": session},
        A.ACCEPT: {
            "planned_admission_date": today + timedelta(days=10),
            "place_type": "insertion",
            **URGENT,
        },
        A.DECLINE: {"reason": "pas_de_place", "message": "Plus de place avant mars.", **URGENT},
        A.REORIENT: {
            "new_target": other_target,
            "message": "Les Augustins ont une place.",
            **URGENT,
        },
        A.RECORD_ARRIVAL: {"arrival_date": today},
        A.CANCEL: {"reason": "maintien_detention"},
        A.CONTEST: {"message": "La situation a changé : une place de travail est trouvée."},
        A.WITHDRAW: {"reason": "autre_solution"},
    }.get(action, {})


def actor_for_side(side, referral) -> Actor:
    if side == "system":
        return Actor.system()
    if side == "partner":
        membership = MembershipFactory(organisation=referral.organisation)
    elif side == "member":
        membership = commission_member(referral.target)
    else:
        membership = commission_member(referral.target, InternalRole.Role.HEAD)
    return Actor.for_membership(membership.user, membership)


def history(referral) -> list[tuple]:
    return list(referral.events.values_list("pk", "action", "to_status"))


def test_the_table_covers_every_transition():
    assert {action for action, _ in ALLOWED} == set(ACTIONS)
    assert {
        (action, source): transition.target
        for action, transition in workflow.TRANSITIONS.items()
        for source in transition.sources
    } == ALLOWED


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_table(action, status):
    referral = ReferralFactory(status=status)
    before = history(referral)
    other = EstablishmentFactory(title="CHRS Les Augustins")
    session = CommissionSessionFactory(establishment=referral.target)
    actor = actor_for_side(SIDE[action], referral)
    expected = ALLOWED.get((action, status))
    if expected is None:
        with pytest.raises(workflow.TransitionNotAllowed):
            workflow.perform(referral, action, actor, **payload(action, other, session))
        assert Referral.objects.get(pk=referral.pk).status == status
        assert history(referral) == before
        return
    workflow.perform(referral, action, actor, **payload(action, other, session))
    referral.refresh_from_db()
    assert referral.status == expected
    event = referral.events.exclude(pk__in=[pk for pk, *_ in before]).get()
    assert (event.from_status, event.to_status, event.action) == (status, expected, action)
    assert event.actor == actor.user
    assert event.organisation == actor.organisation
    assert referral.events.last() == event


@pytest.mark.parametrize("action", ACTIONS)
def test_wrong_sides_are_refused(action):
    status = next(s for (a, s) in ALLOWED if a == action)
    referral = ReferralFactory(status=status)
    before = history(referral)
    other_establishment = EstablishmentFactory()
    session = CommissionSessionFactory(establishment=referral.target)
    outsiders = {
        "partner of another organisation": MembershipFactory(),
        "commission of another establishment": commission_member(other_establishment),
        "head of another establishment": commission_member(
            other_establishment, InternalRole.Role.HEAD
        ),
        "management": management_member(),
    }
    if SIDE[action] == "head":
        outsiders["commission member (not head)"] = commission_member(referral.target)
    if SIDE[action] in ("member", "head"):
        outsiders["referring partner"] = MembershipFactory(organisation=referral.organisation)
    mail.outbox.clear()
    for name, membership in outsiders.items():
        actor = Actor.for_membership(membership.user, membership)
        with pytest.raises(PermissionDenied):
            workflow.perform(
                referral, action, actor, **payload(action, other_establishment, session)
            )
        assert Referral.objects.get(pk=referral.pk).status == status, name
    if SIDE[action] != "system":
        with pytest.raises(PermissionDenied):
            workflow.perform(referral, action, Actor.system(), **payload(action))
    assert history(referral) == before
    assert not mail.outbox


@pytest.mark.parametrize(
    ("action", "status", "data", "field"),
    [
        (A.DECLINE, S.SUBMITTED, {"reason": "pas_de_place", "message": "  "}, "message"),
        (A.DECLINE, S.SUBMITTED, {"reason": "", "message": "Pas de place."}, "reason"),
        (A.ACCEPT, S.UNDER_REVIEW, {"place_type": "insertion"}, "planned_admission_date"),
        (A.ACCEPT, S.UNDER_REVIEW, {"planned_admission_date": "x"}, "planned_admission_date"),
        (A.REQUEST_INFO, S.SUBMITTED, {"message": ""}, "message"),
        (A.ANSWER_INFO, S.INFO_REQUESTED, {"message": "   "}, "message"),
        (A.CONTEST, S.DECLINED, {}, "message"),
        (A.WITHDRAW, S.SUBMITTED, {"reason": "parce que"}, "reason"),
        (A.CANCEL, S.ACCEPTED, {}, "reason"),
        (A.RECORD_ARRIVAL, S.ACCEPTED, {}, "arrival_date"),
        (A.REORIENT, S.SUBMITTED, {}, "new_target"),
        (A.SCHEDULE, S.SUBMITTED, {}, "session"),
        (A.SCHEDULE, S.SUBMITTED, {"session": "foreign"}, "session"),
        (
            A.ACCEPT,
            S.SUBMITTED,
            {"planned_admission_date": date(2030, 1, 1), "urgent_justification": " "},
            "urgent_justification",
        ),
        (
            A.DECLINE,
            S.SUBMITTED,
            {"reason": "doublon", "message": "Doublon."},
            "urgent_justification",
        ),
    ],
)
def test_payload_is_required_and_nothing_changes_without_it(action, status, data, field):
    referral = ReferralFactory(status=status)
    before = history(referral)
    messages = list(referral.messages.values_list("pk", flat=True))
    actor = actor_for_side(SIDE[action], referral)
    if data.get("session") == "foreign":
        data = {"session": CommissionSessionFactory()}
    with pytest.raises(ValidationError) as error:
        workflow.perform(referral, action, actor, **data)
    assert field in error.value.message_dict
    assert Referral.objects.get(pk=referral.pk).status == status
    assert history(referral) == before
    assert list(referral.messages.values_list("pk", flat=True)) == messages


def test_reorient_to_the_same_or_an_unsuitable_establishment_is_refused():
    referral = ReferralFactory(status=S.SUBMITTED)
    head = actor_for_side("head", referral)
    with pytest.raises(ValidationError, match="autre établissement"):
        workflow.perform(referral, A.REORIENT, head, new_target=referral.target)
    no_pse = EstablishmentFactory(referral_types=["siao_urgence"])
    with pytest.raises(ValidationError, match="n'accepte pas"):
        workflow.perform(referral, A.REORIENT, head, new_target=no_pse)
    closed = EstablishmentFactory(accepts_online_referrals=False)
    with pytest.raises(ValidationError):
        workflow.perform(referral, A.REORIENT, head, new_target=closed)
    assert Referral.objects.count() == 1


def test_reorientation_creates_a_linked_referral_there_keeping_the_history():
    referral = ReferralFactory(status=S.ACCEPTED)
    augustins = EstablishmentFactory(title="CHRS Les Augustins")
    augustins_member = commission_member(augustins)
    mail.outbox.clear()
    workflow.perform(
        referral, A.REORIENT, actor_for_side("head", referral), new_target=augustins, **URGENT
    )
    linked = Referral.objects.get(reoriented_from=referral)
    assert linked.target_id == augustins.pk
    assert linked.status == S.SUBMITTED
    assert linked.reference != referral.reference
    for name in workflow.COPIED_FIELDS:
        assert getattr(linked, name) == getattr(referral, name), name
    arrival = linked.events.get()
    assert (arrival.action, arrival.to_status) == (A.REORIENTED_IN, S.SUBMITTED)
    assert arrival.data == {"from": referral.reference}
    recipients = {m.to[0] for m in mail.outbox}
    assert augustins_member.user.email in recipients
    assert referral.officer.email in recipients


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name, content, detected_type):
    file = SimpleUploadedFile(name, content, content_type=detected_type)
    file.detected_type = detected_type  # what AttachmentForm found in the content
    return file


def test_reorientation_copies_the_documents_to_the_new_referral():
    referral = ReferralFactory(status=S.UNDER_REVIEW)
    officer = Actor.for_membership(referral.officer, referral.officer.memberships.get())
    judgement = workflow.add_attachment(
        referral, officer, upload("jugement.pdf", PDF, "application/pdf"), "decision"
    )
    workflow.add_attachment(
        referral, officer, upload("rapport.pdf", PDF + b"%rapport", "application/pdf"), "autre"
    )
    augustins = EstablishmentFactory(title="CHRS Les Augustins")
    workflow.perform(
        referral, A.REORIENT, actor_for_side("head", referral), new_target=augustins, **URGENT
    )
    linked = Referral.objects.get(reoriented_from=referral)
    fields = ("kind", "original_name", "content_type", "size", "uploaded_by_id")
    assert list(linked.attachments.order_by("original_name").values_list(*fields)) == list(
        referral.attachments.order_by("original_name").values_list(*fields)
    )
    assert linked.attachments.count() == 2
    # The new establishment's commission reads the document itself.
    copy = linked.attachments.get(original_name="jugement.pdf")
    assert copy.pk != judgement.pk
    reader = login(Client(), commission_member(augustins).user)
    response = reader.get(reverse("referrals:attachment", args=[linked.pk, copy.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    # The original stays with the original referral.
    assert referral.attachments.filter(pk=judgement.pk).exists()


def test_a_decline_can_be_contested_only_once():
    referral = ReferralFactory(status=S.DECLINED)
    partner = actor_for_side("partner", referral)
    head = actor_for_side("head", referral)
    workflow.perform(referral, A.CONTEST, partner, message="Elle a désormais un emploi.")
    workflow.perform(
        referral, A.DECLINE, head, reason="pas_de_place", message="Toujours pas de place.", **URGENT
    )
    with pytest.raises(ValidationError, match="qu'une fois"):
        workflow.perform(referral, A.CONTEST, partner, message="Encore ?")
    referral.refresh_from_db()
    assert referral.status == S.DECLINED
    assert referral.events.filter(action=A.CONTEST).count() == 1
    assert workflow.allowed_actions(partner, referral) == []


def test_second_decision_sees_who_decided_first():
    """Two heads deciding the same referral: the row lock serialises them; the second is told
    who decided and what, and nothing more is recorded."""
    referral = ReferralFactory(status=S.UNDER_REVIEW)
    first = actor_for_side("head", referral)
    second = actor_for_side("head", referral)
    stale = Referral.objects.get(pk=referral.pk)
    workflow.perform(
        referral,
        A.ACCEPT,
        first,
        planned_admission_date=timezone.localdate() + timedelta(days=3),
        **URGENT,
    )
    before = history(referral)
    with pytest.raises(workflow.TransitionNotAllowed) as error:
        workflow.perform(stale, A.DECLINE, second, reason="pas_de_place", message="Non.")
    assert "Avis favorable" in str(error.value)
    assert str(first.user) in str(error.value)
    assert history(referral) == before
    assert referral.events.filter(action__in=[A.ACCEPT, A.DECLINE]).count() == 1
    assert Referral.objects.get(pk=referral.pk).status == S.ACCEPTED


def test_events_are_immutable():
    referral = ReferralFactory(status=S.SUBMITTED)
    session = CommissionSessionFactory(establishment=referral.target)
    workflow.perform(referral, A.SCHEDULE, actor_for_side("member", referral), session=session)
    event = referral.events.get(action=A.SCHEDULE)
    event.comment = "réécrit"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert ReferralEvent.objects.get(pk=event.pk).comment == ""


def test_submit_checks_consent_and_target():
    referral = ReferralFactory(consent=False, consent_date=None)
    partner = actor_for_side("partner", referral)
    with pytest.raises(ValidationError) as error:
        workflow.perform(referral, A.SUBMIT, partner)
    assert {"consent", "consent_date"} <= set(error.value.message_dict)
    referral.consent, referral.consent_date = True, timezone.localdate()
    referral.target = EstablishmentFactory(referral_types=["siao_urgence"])
    referral.save()
    with pytest.raises(ValidationError) as error:
        workflow.perform(referral, A.SUBMIT, partner)
    assert "target" in error.value.message_dict
    assert Referral.objects.get(pk=referral.pk).status == S.DRAFT
    assert [action for _pk, action, _to in history(referral)] == [A.CREATED]


def test_notifications_reach_the_right_people_without_personal_data():
    referral = ReferralFactory(last_name="Rakotomalala", first_name="Jonas")
    member = commission_member(referral.target)
    head = commission_member(referral.target, InternalRole.Role.HEAD)
    elsewhere = commission_member(EstablishmentFactory())
    mail.outbox.clear()
    workflow.perform(referral, A.SUBMIT, actor_for_side("partner", referral))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.user.email, head.user.email])
    assert elsewhere.user.email not in [m.to[0] for m in mail.outbox]
    mail.outbox.clear()
    workflow.perform(
        referral,
        A.DECLINE,
        Actor.for_membership(head.user, head),
        reason="hors_public",
        message="Nous n'accueillons pas ce public ; essayez le CHU.",
        **URGENT,
    )
    assert [m.to for m in mail.outbox] == [[referral.officer.email]]
    message = mail.outbox[0]
    assert referral.reference in message.subject
    assert referral.reference in message.body
    for text in (message.subject, message.body):
        assert "Rakotomalala" not in text
        assert "Jonas" not in text
        assert "PSE" not in text
        # Neither the commission's message nor the reason: they are on the portal only.
        assert "essayez le CHU" not in text
        assert "Hors du public" not in text
        assert "public" not in text.lower()
    assert f"/orientations/{referral.pk}/" in message.body


def test_expire_runs_as_the_system():
    referral = ReferralFactory(status=S.INFO_REQUESTED)
    workflow.perform(referral, A.EXPIRE, Actor.system())
    event = referral.events.last()
    assert (event.action, event.actor, event.organisation) == (A.EXPIRE, None, None)
    assert Referral.objects.get(pk=referral.pk).status == S.EXPIRED


def test_decisions_record_their_session():
    referral = ReferralFactory(status=S.SUBMITTED)
    session = CommissionSessionFactory(establishment=referral.target)
    member, head = actor_for_side("member", referral), actor_for_side("head", referral)
    workflow.perform(referral, A.SCHEDULE, member, session=session)
    workflow.perform(
        referral,
        A.ACCEPT,
        head,
        planned_admission_date=timezone.localdate() + timedelta(days=5),
        session=session,
    )
    referral.refresh_from_db()
    assert referral.session == session
    decision = referral.events.get(action=A.ACCEPT)
    assert decision.data["session"] == session.pk
    assert decision.actor == head.user


def test_no_show_with_a_later_day_centre_contact():
    referral = ReferralFactory(status=S.ACCEPTED)
    head = actor_for_side("head", referral)
    workflow.perform(referral, A.RECORD_NO_SHOW, head)
    with pytest.raises(ValidationError):
        workflow.record_day_centre_contact(referral, head, timezone.localdate() + timedelta(days=1))
    workflow.record_day_centre_contact(referral, head, timezone.localdate())
    assert Referral.objects.get(pk=referral.pk).day_centre_contact_date == timezone.localdate()
    contact = referral.events.last()
    assert (contact.action, contact.actor) == (A.DAY_CENTRE_CONTACT, head.user)
    with pytest.raises(PermissionDenied):
        workflow.record_day_centre_contact(
            referral, actor_for_side("member", referral), timezone.localdate()
        )


# --- who is told of a new message ---------------------------------------------------------------


def test_a_partner_s_message_goes_to_the_target_s_commission_only():
    referral = ReferralFactory(status=S.SUBMITTED, last_name="Rakotomalala", first_name="Jonas")
    member = commission_member(referral.target)
    head = commission_member(referral.target, InternalRole.Role.HEAD)
    left = commission_member(referral.target)
    left.is_active = False
    left.save()
    disabled = commission_member(referral.target)
    disabled.user.is_active = False
    disabled.user.save()
    commission_member(EstablishmentFactory())  # another establishment's commission
    commission_member(EstablishmentFactory(), InternalRole.Role.HEAD)
    management_member()
    colleague = MembershipFactory(organisation=referral.organisation)
    mail.outbox.clear()
    message = workflow.post_message(
        referral,
        Actor.for_membership(colleague.user, colleague),
        "Jonas Rakotomalala sort finalement lundi.",
    )
    assert (message.author, message.organisation) == (colleague.user, referral.organisation)
    assert sorted(m.to for m in mail.outbox) == sorted([[member.user.email], [head.user.email]])
    for sent in mail.outbox:
        assert referral.reference in sent.subject
        assert "nouveau message" in sent.subject
        for text in (sent.subject, sent.body):
            assert "Rakotomalala" not in text
            assert "Jonas" not in text
            assert "lundi" not in text


def test_a_commission_message_goes_to_the_officer_and_the_second_contact():
    officer = MembershipFactory()
    second = MembershipFactory(organisation=officer.organisation).user
    referral = ReferralFactory(
        membership=officer, second_contact=second, status=S.SUBMITTED, last_name="Rakotomalala"
    )
    MembershipFactory(organisation=referral.organisation)  # a colleague not on this referral
    commission_member(referral.target)
    mail.outbox.clear()
    workflow.post_message(referral, actor_for_side("member", referral), "Venez en entretien.")
    assert sorted(m.to for m in mail.outbox) == sorted([[referral.officer.email], [second.email]])
    for sent in mail.outbox:
        assert "Rakotomalala" not in sent.subject + sent.body
        assert "entretien" not in sent.subject + sent.body


def test_no_message_on_a_draft_nor_by_outsiders():
    draft = ReferralFactory()
    with pytest.raises(PermissionDenied):
        workflow.post_message(draft, actor_for_side("partner", draft), "Bonjour")
    referral = ReferralFactory(status=S.SUBMITTED)
    for outsider in (MembershipFactory(), management_member()):
        with pytest.raises(PermissionDenied):
            workflow.post_message(referral, Actor.for_membership(outsider.user, outsider), "Hé")
    assert not draft.messages.exists()
    assert not referral.messages.exists()


# --- creation ----------------------------------------------------------------------------------


def new_draft(target) -> Referral:
    """An unsaved draft, as the creation form hands it to the workflow."""
    return Referral(
        target=target,
        first_name="Jonas",
        last_name="Rakoto",
        birth_date=date(1990, 5, 17),
        gender="homme",
        location="prison",
        judicial_situation="ddse",
        referral_type="ddse",
        housing_need="adresse_mesure",
        employment_need="emploi",
        ties_need="maintien",
    )


def test_the_same_creation_key_twice_at_once_gives_the_first_draft(monkeypatch):
    """Two requests with the same key both find nothing, then both insert: the second insert
    hits the unique key (the IntegrityError branch of create_draft) and answers with the first
    one's draft. Here the first one's draft is committed between the second one's lookup and
    its insert."""
    partner = MembershipFactory()
    target = EstablishmentFactory()
    key = uuid.uuid4()
    race = RivalFirst(lambda: ReferralFactory(membership=partner, target=target, creation_key=key))
    monkeypatch.setattr(workflow, "transaction", race)
    referral, created = workflow.create_draft(
        new_draft(target), Actor.for_membership(partner.user, partner), key
    )
    monkeypatch.undo()
    assert race.endings == [None, IntegrityError]  # the rival's insert, then this one's
    assert created is False
    assert referral == race.rival
    assert list(Referral.objects.values_list("pk", flat=True)) == [race.rival.pk]
    assert [action for _pk, action, _to in history(referral)] == [A.CREATED]


def test_a_creation_key_of_another_organisation_is_refused():
    """The lookup is per organisation: another organisation's key is only met at the insert,
    which must not answer with that organisation's draft."""
    key = uuid.uuid4()
    theirs = ReferralFactory(creation_key=key)
    partner = MembershipFactory()
    with pytest.raises(ValidationError) as error:
        workflow.create_draft(
            new_draft(theirs.target), Actor.for_membership(partner.user, partner), key
        )
    assert "creation_key" in error.value.message_dict
    assert list(Referral.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert not ReferralEvent.objects.filter(organisation=partner.organisation).exists()
