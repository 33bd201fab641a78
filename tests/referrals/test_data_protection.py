"""Data protection: retention delays, anonymisation that keeps the figures, an append-only access
journal that sees every read and every refusal, and names that never travel in URLs."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import InternalRole
from referrals import retention, workflow
from referrals.choices import Action, Status
from referrals.models import (
    AccessLog,
    Attachment,
    InternalNote,
    Message,
    Referral,
    ReferralEvent,
    Stay,
)
from referrals.permissions import Actor
from tests.factories import MembershipFactory
from tests.referrals.factories import (
    CommissionSessionFactory,
    EstablishmentFactory,
    ReferralFactory,
    commission_member,
)
from tests.utils import login, text

pytestmark = pytest.mark.django_db

URGENT = {"urgent_justification": "Sortie avancée par le JAP de Créteil."}
NAME = ("Ophélie", "Zwarkowski")


def actor(membership) -> Actor:
    return Actor.for_membership(membership.user, membership)


def age(referral, days):
    """Make everything about `referral` `days` old (timestamps are set by the database)."""
    past = timezone.now() - timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(updated_at=past, status_changed_at=past)
    ReferralEvent.objects.filter(referral=referral).update(created_at=past)
    Message.objects.filter(referral=referral).update(created_at=past)


@pytest.fixture
def partner():
    return MembershipFactory(organisation__name="SPIP du Val-de-Marne")


@pytest.fixture
def establishment():
    return EstablishmentFactory(title="CHRS Chemin Vert")


@pytest.fixture
def head(establishment):
    return actor(commission_member(establishment, InternalRole.Role.HEAD))


def submitted(partner, establishment, **fields):
    fields.setdefault("first_name", NAME[0])
    fields.setdefault("last_name", NAME[1])
    referral = ReferralFactory(membership=partner, target=establishment, **fields)
    return workflow.perform(referral, Action.SUBMIT, actor(partner))


def with_document(referral, partner, content=b"%PDF-1.4 jugement"):
    attachment = Attachment(
        referral=referral,
        kind="decision",
        original_name=f"jugement-{NAME[1]}.pdf",
        content_type="application/pdf",
        size=len(content),
        uploaded_by=partner.user,
    )
    attachment.file.save("jugement.pdf", ContentFile(content), save=False)
    attachment.save()
    return attachment


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", 0, -5, "", 1.5])
def test_retention_delays_that_are_not_positive_integers_refuse_to_start(value):
    with override_settings(RETENTION_REFERRALS_DAYS=value):
        errors = [e for e in run_checks() if e.id == "portal.E002"]
    assert len(errors) == 1
    assert "RETENTION_REFERRALS_DAYS" in errors[0].msg


def test_default_retention_delays_pass_the_check():
    assert not [e for e in run_checks() if e.id == "portal.E002"]


# --- the journal -------------------------------------------------------------------------------


def test_the_journal_refuses_update_and_delete_in_raw_sql(partner, establishment):
    referral = submitted(partner, establishment)
    entry = AccessLog.objects.create(referral=referral, user=partner.user, action="view")
    for statement in [
        "UPDATE referrals_accesslog SET action = 'list' WHERE id = %s",
        "DELETE FROM referrals_accesslog WHERE id = %s",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    entry.refresh_from_db()
    assert entry.action == "view"
    with transaction.atomic():
        retention.allow_journal_purge()
        AccessLog.objects.filter(pk=entry.pk).delete()
    assert not AccessLog.objects.filter(pk=entry.pk).exists()


def test_a_refused_attempt_is_a_404_and_is_journaled(client, partner, establishment):
    referral = submitted(partner, establishment)
    stranger = MembershipFactory()
    login(client, stranger.user)
    response = client.get(
        reverse("referrals:detail", args=[referral.pk]), HTTP_X_REQUEST_ID="req-42"
    )
    assert response.status_code == 404
    entry = AccessLog.objects.get(action=AccessLog.Action.REFUSED)
    assert entry.user == stranger.user
    assert entry.organisation == stranger.organisation
    assert entry.details == {"requested": str(referral.pk)}
    assert entry.request_id == "req-42"
    assert entry.ip == "127.0.0.1"
    assert response["X-Request-ID"] == "req-42"


def test_reads_are_journaled_with_the_rows_shown(client, partner, establishment, head):
    referral = submitted(partner, establishment)
    login(client, partner.user)
    client.get(reverse("referrals:list"))
    listed = AccessLog.objects.get(action=AccessLog.Action.LIST)
    assert listed.details["references"] == [referral.reference]
    assert NAME[1] not in str(listed.details)
    client.get(reverse("referrals:detail", args=[referral.pk]))
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, referral=referral).count() == 1
    session = CommissionSessionFactory(establishment=establishment)
    workflow.perform(referral, Action.SCHEDULE, head, session=session)
    login(client, head.user)
    client.get(reverse("commission:session_print", args=[session.pk, "ordre-du-jour"]))
    printed = AccessLog.objects.get(action=AccessLog.Action.PRINT)
    assert printed.details == {"references": [referral.reference], "document": "ordre-du-jour"}
    client.get(reverse("commission:queue"))
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, user=head.user).exists()
    client.get(reverse("commission:figures"), {"format": "csv"})
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=head.user).exists()


# --- names never in URLs -----------------------------------------------------------------------


def test_the_name_search_is_posted_and_kept_out_of_the_url(client, partner, establishment):
    wanted = submitted(partner, establishment)
    other = submitted(partner, establishment, last_name="Berthelot")
    login(client, partner.user)
    url = reverse("referrals:list")
    response = client.post(url, {"q": NAME[1], "status": "submitted"})
    assert response.status_code == 302
    assert NAME[1] not in response["Location"]
    assert "status=submitted" in response["Location"]
    page = text(client.get(response["Location"]))
    table = page.split("<table")[1]
    assert wanted.reference in table and other.reference not in table
    # A name in the query string (an old link) is ignored, and never echoed in the page.
    page = text(client.get(url, {"q": "Berthelot"}))
    assert wanted.reference in page.split("<table")[1]
    # The list's own address clears the search.
    assert wanted.reference in text(client.get(url)) and other.reference in text(client.get(url))


def test_the_commission_queue_search_is_posted_too(client, partner, establishment, head):
    submitted(partner, establishment)
    login(client, head.user)
    response = client.post(reverse("commission:queue"), {"q": NAME[0]})
    assert response.status_code == 302
    assert NAME[0] not in response["Location"]
    assert NAME[1].upper() in text(client.get(response["Location"]))


# --- retention ---------------------------------------------------------------------------------


def test_unanswered_requests_are_closed_and_the_partner_told(partner, establishment, head):
    old = submitted(partner, establishment)
    recent = submitted(partner, establishment)
    on_agenda = submitted(partner, establishment)
    workflow.perform(
        on_agenda,
        Action.SCHEDULE,
        head,
        session=CommissionSessionFactory(
            establishment=establishment, date=timezone.localdate() + timedelta(days=3)
        ),
    )
    age(old, 61)
    age(on_agenda, 61)
    mail.outbox.clear()
    report = retention.purge()
    assert report.closed_unanswered == 1
    old.refresh_from_db()
    assert old.status == Status.EXPIRED
    event = old.events.get(action=Action.CLOSE_UNANSWERED)
    assert event.data == {"reason": "sans_decision"}
    assert [m.to for m in mail.outbox] == [[partner.user.email]]
    assert NAME[1] not in mail.outbox[0].body
    assert Referral.objects.get(pk=recent.pk).status == Status.SUBMITTED
    assert Referral.objects.get(pk=on_agenda.pk).status == Status.UNDER_REVIEW


def test_documents_are_deleted_six_months_after_the_decision(partner, establishment, head):
    referral = submitted(partner, establishment)
    attachment = with_document(referral, partner)
    storage, name = attachment.file.storage, attachment.file.name
    workflow.perform(referral, Action.DECLINE, head, reason="besoins", message="Non.", **URGENT)
    age(referral, 100)
    assert retention.purge().attachments_deleted == 0
    assert storage.exists(name)
    age(referral, 200)
    assert retention.purge(dry_run=True).attachments_deleted == 1
    assert storage.exists(name)
    assert retention.purge().attachments_deleted == 1
    assert not storage.exists(name)
    assert not Attachment.objects.filter(referral=referral).exists()
    assert referral.events.filter(action=Action.ATTACHMENTS_DELETED, data={"count": 1}).exists()
    assert retention.purge().attachments_deleted == 0  # idempotent


def test_a_document_shared_with_an_active_reorientation_stays(partner, establishment, head):
    referral = submitted(partner, establishment)
    attachment = with_document(referral, partner)
    other = EstablishmentFactory(title="CHRS Les Augustins")
    workflow.perform(referral, Action.REORIENT, head, new_target=other.pk, **URGENT)
    linked = Referral.objects.get(reoriented_from=referral)
    assert linked.attachments.get().file.name == attachment.file.name
    age(referral, 200)
    assert retention.purge().attachments_deleted == 1
    copy = linked.attachments.get()
    assert copy.file.storage.exists(copy.file.name)


def test_stale_drafts_are_deleted(partner, establishment):
    stale = ReferralFactory(membership=partner, target=establishment)
    workflow.record_creation(stale, actor(partner))
    fresh = ReferralFactory(membership=partner, target=establishment)
    age(stale, 91)
    assert retention.purge().drafts_deleted == 1
    assert not Referral.objects.filter(pk=stale.pk).exists()
    assert Referral.objects.filter(pk=fresh.pk).exists()


def test_journal_entries_older_than_a_year_are_deleted(partner, establishment):
    referral = submitted(partner, establishment)
    old = AccessLog.objects.create(
        referral=referral, action="view", at=timezone.now() - timedelta(days=366)
    )
    kept = AccessLog.objects.create(referral=referral, action="view")
    assert retention.purge().journal_deleted == 1
    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert AccessLog.objects.filter(pk=kept.pk).exists()


def test_each_run_journals_its_counts(partner, establishment):
    retention.purge(dry_run=True)
    assert not AccessLog.objects.filter(action=AccessLog.Action.PURGE).exists()
    retention.purge()
    run = AccessLog.objects.get(action=AccessLog.Action.PURGE)
    assert set(run.details) == {
        "closed_unanswered",
        "attachments_deleted",
        "drafts_deleted",
        "referrals_anonymised",
        "journal_deleted",
    }


# --- anonymisation -----------------------------------------------------------------------------


def test_anonymisation_erases_every_copy_of_the_person(partner, establishment, head):
    referral = submitted(
        partner,
        establishment,
        contact="06 12 34 56 78",
        location_detail="Maison d'arrêt de Fresnes, cellule 112",
        wishes="Revoir ma fille Léonie",
        health_note="Traitement de substitution",
    )
    with_document(referral, partner)
    workflow.post_message(referral, actor(partner), f"{NAME[0]} sort le 3 mars.")
    workflow.add_internal_note(referral, head, f"{NAME[1]} connu du CHRS.")
    other = EstablishmentFactory(title="CHRS Les Augustins")
    workflow.perform(
        referral, Action.REORIENT, head, new_target=other.pk, message=f"Pour {NAME[0]}", **URGENT
    )
    linked = Referral.objects.get(reoriented_from=referral)
    other_head = actor(commission_member(other, InternalRole.Role.HEAD))
    workflow.perform(linked, Action.DECLINE, other_head, reason="besoins", message="Non.", **URGENT)
    age(referral, 800)
    # The copy is still active: the whole chain waits.
    assert retention.purge().referrals_anonymised == 0
    age(linked, 800)
    assert retention.purge(dry_run=True).referrals_anonymised == 2
    assert Referral.objects.get(pk=referral.pk).anonymised_at is None
    assert retention.purge().referrals_anonymised == 2
    assert retention.purge().referrals_anonymised == 0  # idempotent

    for kept in Referral.objects.filter(pk__in=[referral.pk, linked.pk]):
        assert kept.anonymised_at is not None
        assert (kept.first_name, kept.last_name) == ("Personne", "anonymisée")
        assert kept.birth_date.month == kept.birth_date.day == 1
        assert kept.birth_date.year == 1988  # the year stays (age bands)
        assert kept.contact == kept.location_detail == kept.wishes == kept.health_note == ""
        assert kept.target_id in (establishment.pk, other.pk)  # what the figures need stays
        assert not kept.attachments.exists()
    # Nothing left in the database names the person.
    texts = [
        *Message.objects.values_list("body", flat=True),
        *InternalNote.objects.values_list("body", flat=True),
        *ReferralEvent.objects.values_list("comment", flat=True),
        *(str(data) for data in ReferralEvent.objects.values_list("data", flat=True)),
        *Referral.objects.values_list("first_name", "last_name", "wishes"),
    ]
    for value in texts:
        assert NAME[0] not in str(value) and NAME[1] not in str(value)
        assert "Créteil" not in str(value)
    assert referral.events.filter(action=Action.ANONYMISED).count() == 1


def test_a_purge_interrupted_half_way_resumes(partner, establishment, head, monkeypatch):
    first, second = submitted(partner, establishment), submitted(partner, establishment)
    for referral in (first, second):
        workflow.perform(referral, Action.DECLINE, head, reason="besoins", message="Non.", **URGENT)
    age(first, 800)
    age(second, 800)
    real = retention.anonymise
    calls = []

    def failing(referral, actor=None):
        calls.append(referral.pk)
        if len(calls) == 2:
            raise RuntimeError("the machine stopped")
        return real(referral, actor)

    monkeypatch.setattr(retention, "anonymise", failing)
    with pytest.raises(RuntimeError):
        retention.purge()
    assert Referral.objects.filter(anonymised_at__isnull=False).count() == 1
    monkeypatch.setattr(retention, "anonymise", real)
    assert retention.purge().referrals_anonymised == 1
    assert not Referral.objects.filter(anonymised_at__isnull=True).exists()


def test_a_person_still_hosted_is_not_anonymised_until_they_leave(partner):
    resident = ReferralFactory(membership=partner, arrived=True)
    age(resident, 800)
    assert retention.purge().referrals_anonymised == 0
    assert Referral.objects.get(pk=resident.pk).anonymised_at is None
    # Once they have left, and the departure is old too, the file is anonymised.
    long_ago = timezone.localdate() - timedelta(days=790)
    Stay.objects.filter(referral=resident).update(
        arrival_date=long_ago - timedelta(days=60), departure_date=long_ago
    )
    age(resident, 800)
    assert retention.purge().referrals_anonymised == 1
    assert Referral.objects.get(pk=resident.pk).anonymised_at is not None


def test_the_2019_figures_survive_anonymisation(client):
    from accounts import demo as accounts_demo
    from cms import demo as cms_demo
    from referrals.demo import base, passerelle_2019
    from referrals.figures.definitions import yearly_figures

    accounts_demo.load()
    cms_demo.load()
    pages = base.establishments()
    base.load_teams(pages)
    passerelle_2019.load()
    passerelle = pages["chu-la-passerelle"].pk

    def figures():
        total = yearly_figures(2019, [passerelle]).get(passerelle).total
        return (
            total.processed,
            total.favourable,
            total.unfavourable,
            total.arrived,
            total.reoriented,
            total.no_show,
            total.day_centre,
            dict(total.decline_reasons),
            dict(total.reoriented_to),
        )

    before = figures()
    assert before[:7] == (53, 44, 9, 21, 3, 20, 9)
    for referral in Referral.objects.all():
        retention.anonymise(referral)
    assert not Referral.objects.filter(anonymised_at__isnull=True).exists()
    assert figures() == before


# --- the person's rights -----------------------------------------------------------------------


@pytest.fixture
def dpo():
    from tests.referrals.factories import management_member

    membership = management_member()
    membership.internal_roles.update(role=InternalRole.Role.DPO)
    return membership


def find(client, last_name=NAME[1], first_name=NAME[0], birth_date="1988-04-12"):
    return client.post(
        reverse("privacy:rights"),
        {"last_name": last_name, "first_name": first_name, "birth_date": birth_date},
    )


def test_the_access_export_holds_everything_and_is_journaled(client, partner, establishment, dpo):
    import io
    import json
    import zipfile

    referral = submitted(partner, establishment, wishes="Revoir ma fille Léonie")
    with_document(referral, partner, content=b"%PDF-1.4 le jugement")
    workflow.post_message(referral, actor(partner), "La sortie est le 3 mars.")
    head = actor(commission_member(establishment, InternalRole.Role.HEAD))
    workflow.add_internal_note(referral, head, "Connu du CHRS en 2021.")
    login(client, dpo.user)
    # Accents, case and hyphens do not matter.
    page = text(find(client, last_name="ZWARKOWSKI", first_name="ophelie"))
    assert referral.reference in page
    response = client.post(reverse("privacy:access_export"), {"referral": [str(referral.pk)]})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert {"resume.html", "donnees.json"} <= set(names)
    data = json.loads(archive.read("donnees.json"))
    assert data[0]["reference"] == referral.reference
    assert data[0]["besoins"]["souhaits"] == "Revoir ma fille Léonie"
    assert data[0]["messages"][0]["texte"] == "La sortie est le 3 mars."
    assert data[0]["notes_internes"][0]["texte"] == "Connu du CHRS en 2021."
    document = next(n for n in names if n.startswith(f"documents/{referral.reference}/"))
    assert archive.read(document) == b"%PDF-1.4 le jugement"
    assert NAME[1] in archive.read("resume.html").decode()
    exported = AccessLog.objects.get(action=AccessLog.Action.ACCESS_EXPORT)
    assert exported.user == dpo.user
    assert exported.details == {"references": [referral.reference]}


def test_a_person_with_no_file_gets_a_clear_page(client, dpo):
    login(client, dpo.user)
    response = find(client, last_name="Inconnu")
    assert response.status_code == 200
    assert "Aucun dossier ne correspond à cette personne" in text(response)
    response = client.post(reverse("privacy:access_export"), {"referral": ["pas-un-uuid"]})
    assert response.status_code == 302


def test_heads_answer_for_their_establishments_only(client, partner, establishment):
    referral = submitted(partner, establishment)
    elsewhere = commission_member(EstablishmentFactory(), InternalRole.Role.HEAD)
    login(client, elsewhere.user)
    assert referral.reference not in text(find(client))
    response = client.post(reverse("privacy:access_export"), {"referral": [str(referral.pk)]})
    assert response.status_code == 302  # nothing exported
    assert not AccessLog.objects.filter(action=AccessLog.Action.ACCESS_EXPORT).exists()
    for member in (commission_member(establishment), partner, MembershipFactory()):
        login(client, member.user)
        assert client.get(reverse("privacy:rights")).status_code == 404
        assert client.get(reverse("privacy:journal")).status_code == 404


def test_erasure_on_request(client, partner, establishment, head):
    referral = submitted(partner, establishment)
    login(client, head.user)
    response = client.post(reverse("privacy:erasure"), {"referral": [str(referral.pk)]})
    assert Referral.objects.get(pk=referral.pk).anonymised_at is None  # not confirmed
    response = client.post(
        reverse("privacy:erasure"), {"referral": [str(referral.pk)], "confirm": "on"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.anonymised_at is not None and referral.last_name == "anonymisée"
    event = referral.events.get(action=Action.ANONYMISED)
    assert event.actor == head.user and event.data == {"on_request": True}


# --- rectification -----------------------------------------------------------------------------


def test_the_partner_rectifies_and_the_history_keeps_old_and_new(
    client, partner, establishment, head
):
    referral = submitted(partner, establishment)
    login(client, partner.user)
    url = reverse("referrals:rectify", args=[referral.pk])
    data = {
        "first_name": NAME[0],
        "last_name": "Zwarkowska",
        "birth_date": "1988-04-12",
        "gender": "femme",
        "contact": "",
        "location": "prison",
        "location_detail": referral.location_detail,
        "origin_departement": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.last_name, referral.gender) == ("Zwarkowska", "femme")
    event = referral.events.get(action=Action.RECTIFIED)
    assert event.actor == partner.user
    assert event.data["changes"]["last_name"] == [NAME[1], "Zwarkowska"]
    # The commission sees who changed what.
    login(client, head.user)
    page = text(client.get(reverse("referrals:detail", args=[referral.pk])))
    assert f"« {NAME[1]} » → « Zwarkowska »" in page
    # Nothing changed: a clear message; another organisation: 404.
    login(client, partner.user)
    assert "Aucune donnée n'a changé" in text(client.post(url, {**data, "last_name": "Zwarkowska"}))
    login(client, MembershipFactory().user)
    assert client.get(url).status_code == 404
    # Anonymisation erases the old and new values, keeping the fields' names.
    retention.anonymise(referral)
    assert referral.events.get(action=Action.RECTIFIED).data == {"fields": ["gender", "last_name"]}


def test_rectifying_a_resident_corrects_their_stay_for_the_figures(partner):
    referral = ReferralFactory(membership=partner, arrived=True, birth_date=date(1990, 3, 3))
    assert (referral.stay.birth_year, referral.stay.gender) == (1990, "homme")
    workflow.rectify(referral, actor(partner), {"birth_date": date(1985, 6, 1), "gender": "femme"})
    referral.stay.refresh_from_db()
    assert (referral.stay.birth_year, referral.stay.gender) == (1985, "femme")


# --- the journal's page ------------------------------------------------------------------------


def test_the_journal_page_filters_and_flags_unusual_reads(client, partner, establishment, dpo):
    referral = submitted(partner, establishment)
    reader = MembershipFactory()
    for _ in range(3):
        other = submitted(partner, establishment)
        AccessLog.objects.create(referral=other, user=reader.user, action="view")
    AccessLog.objects.create(referral=referral, user=partner.user, action="view")
    login(client, dpo.user)
    with override_settings(JOURNAL_ALERT_READS=2):
        page = text(client.get(reverse("privacy:journal")))
    assert "Lectures inhabituelles" in page and reader.user.email in page
    page = text(client.get(reverse("privacy:journal"), {"reference": referral.reference}))
    assert page.count("<tr>") == 2  # the header and one entry
    response = client.get(reverse("privacy:journal"), {"start": "2026-05-02", "end": "2026-05-01"})
    assert "La date de début est après la date de fin" in text(response)


# --- logs --------------------------------------------------------------------------------------


def test_names_appear_in_no_log_record(client, partner, establishment, head, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    login(client, partner.user)
    referral = submitted(partner, establishment)
    client.get(reverse("referrals:list"))
    client.post(reverse("referrals:list"), {"q": NAME[1]}, follow=True)
    client.get(reverse("referrals:detail", args=[referral.pk]))
    client.post(reverse("referrals:message", args=[referral.pk]), {"body": f"{NAME[0]} arrive."})
    login(client, head.user)
    client.get(reverse("commission:queue"))
    client.get(reverse("commission:act", args=[referral.pk, Action.DECLINE]))
    client.post(
        reverse("commission:act", args=[referral.pk, Action.DECLINE]),
        {"reason": "besoins", "message": f"Désolés pour {NAME[0]}.", **URGENT},
    )
    client.get(reverse("referrals:detail", args=[referral.pk]))
    assert caplog.records  # the log was listening
    for record in caplog.records:
        message = record.getMessage()
        assert NAME[0] not in message and NAME[1] not in message


def test_the_queue_warns_before_anonymising_an_open_file(client, partner, establishment, head):
    dormant = submitted(partner, establishment)
    lively = submitted(partner, establishment, last_name="Autre")  # not a possible duplicate
    age(dormant, 710)  # anonymised in 20 days
    login(client, head.user)
    page = text(client.get(reverse("commission:queue")))
    flagged = page.split(f">{dormant.reference}</a>")[1].split("</li>")[0]
    assert "anonymisée dans moins d'un mois" in flagged
    assert (
        "anonymisée dans moins d'un mois" not in page.split(lively.reference)[1].split("</li>")[0]
    )


def test_api_reads_and_refusals_are_journaled(client, partner, establishment):
    from wagtail.models import APIToken

    referral = submitted(partner, establishment)
    _token, plaintext = APIToken.create_token(user=partner.user, name="Logiciel du SPIP")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    client.get("/api/orientations/v1/referrals", **headers)
    listed = AccessLog.objects.get(action=AccessLog.Action.API_READ, details__what="list")
    assert listed.details["references"] == [referral.reference]
    client.get(f"/api/orientations/v1/referrals/{referral.pk}/messages", **headers)
    assert AccessLog.objects.filter(referral=referral, details__what="messages").exists()
    foreign = submitted(MembershipFactory(), establishment)
    assert client.get(f"/api/orientations/v1/referrals/{foreign.pk}", **headers).status_code == 404
    refused = AccessLog.objects.get(action=AccessLog.Action.REFUSED)
    assert refused.user == partner.user and refused.details == {"requested": str(foreign.pk)}
