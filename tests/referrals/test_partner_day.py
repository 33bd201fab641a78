"""The partner's day: what needs action (home, badge, unread markers, "what happens next"), no
duplicates without leaking, continuity when an officer is away or leaves."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Membership
from core.exports import XLSX_TYPE
from referrals import facts, work, workflow
from referrals.choices import Action, Status
from referrals.duplicates import possible_duplicates
from referrals.figures.definitions import usual_decision_delay
from referrals.models import AccessLog, Referral, ReferralEvent, ReferralSeen, identity_key
from referrals.retention import anonymise
from referrals.timeline import event_label
from tests.factories import MembershipFactory
from tests.referrals.factories import (
    CommissionSessionFactory,
    EstablishmentFactory,
    ReferralFactory,
    actor,
    commission_member,
    head_of,
)
from tests.referrals.test_api import api_for, valid_body
from tests.referrals.test_partner_views import form_data
from tests.utils import login, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    membership = MembershipFactory(organisation__name="SPIP de Paris")
    login(client, membership.user)
    return membership


@pytest.fixture
def chemin_vert():
    return EstablishmentFactory(
        title="CHRS Chemin Vert", phone="01 23 45 67 89", email="commission@chemin-vert.test"
    )


def plain(page) -> str:
    """The page's words, without tags, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def commission_writes(referral, body="Pouvez-vous préciser la date ?"):
    workflow.post_message(referral, actor(head_of(referral.target)), body)


# --- "Mon espace" and the badge -----------------------------------------------------------------


def test_home_lists_what_needs_the_partners_action(client, officer, chemin_vert):
    today = timezone.localdate()
    waiting = ReferralFactory(membership=officer, target=chemin_vert, info_requested=True)
    leaving = ReferralFactory(
        membership=officer, target=chemin_vert, submitted=True, release_date=today
    )
    coming = ReferralFactory(
        membership=officer,
        target=chemin_vert,
        accepted=True,
        planned_admission_date=today + timedelta(days=3),
    )
    declined = ReferralFactory(membership=officer, target=chemin_vert, declined=True)
    ReferralFactory(membership=officer, target=chemin_vert, withdrawn=True)  # nothing to do
    foreign = ReferralFactory(target=chemin_vert, info_requested=True)  # another organisation

    page = text(client.get(reverse("dashboard")))

    for referral in (waiting, leaving, coming, declined):
        assert reverse("referrals:detail", args=[referral.pk]) in page
    assert foreign.reference not in page
    words = plain(page)
    assert "1 demande(s) d'informations attendent votre réponse" in words
    assert "1 sortie(s) dans les 7 prochains jours" in words
    assert "1 admission(s) prévue(s)" in words
    assert "2 décision(s) à lire" in words
    assert "Avis défavorable — contestable une fois" in words
    # The badge in the header counts the items: info, release, admission, two decisions (the
    # acceptance and the decline, unread), and the unread messages (request, decline).
    assert "Mon espace 7 élément(s) à traiter" in words


def test_badge_on_every_portal_page_in_a_constant_number_of_queries(
    client, officer, chemin_vert, django_assert_max_num_queries
):
    ReferralFactory(membership=officer, target=chemin_vert, info_requested=True)
    with django_assert_max_num_queries(40) as few:
        first = client.get(reverse("accounts:notifications"))
    # The information request, and its message unread
    assert "Mon espace 2 élément(s) à traiter" in plain(text(first))
    for _ in range(15):
        referral = ReferralFactory(membership=officer, target=chemin_vert, info_requested=True)
        commission_writes(referral)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("accounts:notifications"))
    assert "Mon espace 32 élément(s) à traiter" in plain(text(response))


def test_no_badge_for_a_visitor_or_when_nothing_waits(client, officer):
    assert "work-badge" not in text(client.get(reverse("dashboard")))
    client.logout()
    assert "work-badge" not in text(client.get("/"))


# --- unread markers ---------------------------------------------------------------------------


def test_unread_marker_in_the_list_until_the_page_is_opened(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    client.get(reverse("referrals:detail", args=[referral.pk]))
    assert "Nouveau" not in text(client.get(reverse("referrals:list")))

    commission_writes(referral)
    listing = text(client.get(reverse("referrals:list")))
    assert "new-marker" in listing

    page = text(client.get(reverse("referrals:detail", args=[referral.pk])))
    assert "Du nouveau" in page and "Pouvez-vous préciser la date ?" in page
    assert "new-marker" in page
    assert "new-marker" not in text(client.get(reverse("referrals:list")))
    # Seen, per user: a colleague still has it unread.
    colleague = MembershipFactory(organisation=officer.organisation)
    login(client, colleague.user)
    assert "new-marker" in text(client.get(reverse("referrals:list")))


def test_news_older_than_the_horizon_is_no_longer_news(client, officer, chemin_vert, settings):
    settings.REFERRAL_NEWS_DAYS = 30
    declined = ReferralFactory(
        membership=officer,
        target=chemin_vert,
        declined=True,
        status_changed_at=timezone.now() - timedelta(days=31),
    )
    recent = ReferralFactory(
        membership=officer,
        target=chemin_vert,
        declined=True,
        status_changed_at=timezone.now() - timedelta(days=29),
    )
    # Never opened: the recent decision is news, the older one no longer.
    words = plain(text(client.get(reverse("dashboard"))))
    assert "1 décision(s) à lire" in words
    assert "Mon espace 2 élément(s) à traiter" in words  # the decision and its message
    listing = text(client.get(reverse("referrals:list")))
    assert listing.count("new-marker") == 1
    assert listing.index(recent.reference) < listing.index("new-marker")
    page = text(client.get(reverse("referrals:detail", args=[declined.pk])))
    assert "Du nouveau" not in page and "new-marker" not in page

    # A new message from the commission: news again, that message only.
    commission_writes(declined, "La place se libère finalement.")
    words = plain(text(client.get(reverse("dashboard"))))
    assert "2 décision(s) à lire" in words
    assert "2 demande(s) avec des messages non lus" in words
    page = text(client.get(reverse("referrals:detail", args=[declined.pk])))
    assert "1 événement ou message depuis votre dernière visite" in plain(page)
    assert page.count("new-marker") == 1


def test_work_items_read_the_open_referrals_and_the_recent_news_only(officer, chemin_vert):
    open_one = ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    long_ago = timezone.now() - timedelta(days=400)
    ReferralFactory(  # decided and closed long ago: nothing to do
        membership=officer, target=chemin_vert, declined=True, status_changed_at=long_ago
    )
    written_to = ReferralFactory(
        membership=officer, target=chemin_vert, withdrawn=True, status_changed_at=long_ago
    )
    commission_writes(written_to)

    partner = actor(officer)
    assert set(work.with_work(partner)) == {open_one, written_to}
    assert work.work_counts(partner)["messages"] == 1
    head = actor(head_of(chemin_vert))
    assert set(work.with_work(head)) == {open_one, written_to}


def test_news_at_follows_the_events_and_messages_never_a_stale_copy(officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    last_event = referral.events.order_by("created_at").last().created_at
    assert referral.news_at == last_event
    stale = Referral.objects.get(pk=referral.pk)

    commission_writes(referral)
    message = referral.messages.get()
    referral.refresh_from_db()
    assert referral.news_at == message.created_at
    stale.wishes = "Un logement près de Lyon."
    stale.save()  # loaded before the message: does not write its news_at back
    referral.refresh_from_db()
    assert referral.news_at == message.created_at

    # The retention's own events are not news.
    workflow._log(referral, actor(officer), ReferralEvent.Kind.RETENTION, Action.ANONYMISED)
    referral.refresh_from_db()
    assert referral.news_at == message.created_at


def test_ones_own_message_is_not_news(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    client.get(reverse("referrals:detail", args=[referral.pk]))
    client.post(reverse("referrals:message", args=[referral.pk]), {"body": "Bonjour"})
    assert "new-marker" not in text(client.get(reverse("referrals:list")))


# --- what happens next ------------------------------------------------------------------------


def test_next_step_scheduled_session_and_usual_delay(client, officer, chemin_vert):
    now = timezone.now()
    for days in (4, 10, 30):  # decided within the last 12 months: median 10 days
        decided = ReferralFactory(membership=officer, target=chemin_vert, accepted=True)
        Referral.objects.filter(pk=decided.pk).update(submitted_at=now - timedelta(days=days))
    old = ReferralFactory(membership=officer, target=chemin_vert, declined=True)
    ReferralEvent.objects.filter(referral=old).update(created_at=now - timedelta(days=400))
    facts.refresh([old.pk])  # the facts follow the rewritten history
    assert usual_decision_delay(chemin_vert.pk) == 10
    assert usual_decision_delay(EstablishmentFactory().pk) is None

    session = CommissionSessionFactory(
        establishment=chemin_vert, date=timezone.localdate() + timedelta(days=5)
    )
    referral = ReferralFactory(
        membership=officer, target=chemin_vert, scheduled=True, session=session
    )
    page = text(client.get(reverse("referrals:detail", args=[referral.pk])))
    assert "Et maintenant ?" in page
    assert "La commission de « CHRS Chemin Vert »" in page
    assert f"{session.date.day} " in page
    assert "10 jours entre la transmission et l'avis" in page


def test_next_step_after_reorientation_links_the_new_referral(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert, reoriented=True)
    new = Referral.objects.get(reoriented_from=referral)
    page = text(client.get(reverse("referrals:detail", args=[referral.pk])))
    assert f'href="{reverse("referrals:detail", args=[new.pk])}">{new.reference}</a>' in page

    # The old establishment's commission may not read the new referral: a plain reference.
    member = commission_member(chemin_vert)
    login(client, member.user)
    page = text(client.get(reverse("referrals:detail", args=[referral.pk])))
    assert new.reference in page
    assert reverse("referrals:detail", args=[new.pk]) not in page


def test_search_by_reference(client, officer, chemin_vert):
    wanted = ReferralFactory(membership=officer, target=chemin_vert, last_name="Martin")
    other = ReferralFactory(membership=officer, target=chemin_vert, last_name="Durand")
    response = client.post(reverse("referrals:list"), {"q": wanted.reference})
    assert wanted.reference not in response["Location"]
    page = text(client.get(response["Location"]))
    assert wanted.reference in page and other.reference not in page


# --- duplicates -------------------------------------------------------------------------------


def test_identity_key_ignores_accents_case_hyphens_and_spaces():
    assert identity_key("Lefèvre-Dupont", "Jean Éric") == identity_key(
        "LEFEVRE dupont", "jean-eric"
    )
    assert identity_key("N'Diaye", "Aïssa") == identity_key("ndiaye", "AISSA")
    assert identity_key("", "Jean") == ""


def test_create_warns_about_the_organisations_own_open_referral(client, officer, chemin_vert):
    existing = ReferralFactory(
        membership=officer,
        target=chemin_vert,
        submitted=True,
        last_name="Lefèvre-Dupont",
        first_name="Éric",
    )
    data = form_data(
        chemin_vert,
        last_name="LEFEVRE DUPONT",
        first_name="eric",
        birth_date=existing.birth_date.isoformat(),
    )
    response = client.post(reverse("referrals:create"), data)
    assert response.status_code == 200
    page = text(response)
    assert "Cette personne a peut-être déjà une demande en cours" in page
    assert f'href="{reverse("referrals:detail", args=[existing.pk])}"' in page
    assert Referral.objects.count() == 1  # nothing created yet

    response = client.post(reverse("referrals:create"), {**data, "confirm_duplicate": "1"})
    assert response.status_code == 302
    assert Referral.objects.count() == 2


def test_another_organisations_referral_is_never_revealed(client, officer, chemin_vert):
    other = ReferralFactory(
        target=chemin_vert,
        submitted=True,
        last_name="Rakoto",
        first_name="Jonas",
        membership__organisation__name="SIAO de la Somme",
        wishes="Revoir sa fille",
    )
    data = form_data(chemin_vert, birth_date=other.birth_date.isoformat())
    page = text(client.post(reverse("referrals:create"), data))
    assert "Une demande est déjà en cours pour cette personne à « CHRS Chemin Vert »" in page
    assert "01 23 45 67 89" in page
    for secret in (other.reference, "SIAO de la Somme", str(other.pk), "Revoir sa fille"):
        assert secret not in page
    assert Referral.objects.count() == 1

    # At another establishment, another organisation's referral is none of this partner's
    # business: no warning.
    elsewhere = EstablishmentFactory()
    response = client.post(
        reverse("referrals:create"),
        form_data(elsewhere, birth_date=other.birth_date.isoformat()),
    )
    assert response.status_code == 302


def test_partial_identity_warns_without_blocking(officer, chemin_vert):
    ReferralFactory(
        membership=officer, target=chemin_vert, submitted=True, last_name="Rakoto", first_name="J"
    )
    warning = possible_duplicates(officer.organisation_id, "rakoto", "j", None, chemin_vert)
    assert warning and warning.partial
    assert "nom seul" in warning.message()


def test_form_without_birth_date_shows_the_partial_warning(client, officer, chemin_vert):
    ReferralFactory(
        membership=officer,
        target=chemin_vert,
        submitted=True,
        last_name="Rakoto",
        first_name="Jonas",
    )
    page = text(client.post(reverse("referrals:create"), form_data(chemin_vert, birth_date="")))
    assert "il peut s'agir d'une autre personne" in page
    assert "confirm_duplicate" not in page


def test_anonymised_referrals_are_no_duplicates(officer, chemin_vert):
    referral = ReferralFactory(
        membership=officer, target=chemin_vert, arrived=True, last_name="Rakoto", first_name="Jo"
    )
    ReferralSeen.objects.create(user=officer.user, referral=referral)
    anonymise(referral)
    referral.refresh_from_db()
    assert referral.identity_key == ""
    assert not ReferralSeen.objects.filter(referral=referral).exists()


def test_api_create_carries_the_duplicate_warning(client, officer, chemin_vert):
    api = api_for(client, officer.user)
    body = valid_body(chemin_vert, referral_type="ddse", judicial_situation="ddse")
    first = api.post("/referrals", body)
    assert first.status_code == 201, first.content
    assert first.json()["duplicate_warning"] is None

    again = api.post("/referrals", {**body, "last_name": "BENALÍ", "first_name": "karim"})
    assert again.status_code == 201  # warned, not blocked
    warning = again.json()["duplicate_warning"]
    assert warning["own_references"] == [first.json()["reference"]]
    assert warning["own_ids"] == [first.json()["id"]]
    assert warning["partial"] is False

    # Another organisation's open request at the same establishment: the establishment only.
    Referral.objects.filter(pk=first.json()["id"]).update(status=Status.SUBMITTED)
    stranger = api_for(client, MembershipFactory(organisation__name="SIAO 80").user)
    answer = stranger.post("/referrals", body).json()["duplicate_warning"]
    assert answer["own_references"] == [] and answer["establishment"] == "CHRS Chemin Vert"
    assert first.json()["reference"] not in answer["message"]
    assert "SPIP de Paris" not in answer["message"]
    schema = client.get("/api/orientations/v1/openapi.json").json()
    assert "DuplicateWarningOut" in schema["components"]["schemas"]


def test_commission_queue_flags_possible_duplicates(client, chemin_vert):
    first = ReferralFactory(target=chemin_vert, submitted=True, last_name="Rakoto")
    second = ReferralFactory(
        target=chemin_vert, submitted=True, last_name="RAKOTO", first_name=first.first_name
    )
    alone = ReferralFactory(target=chemin_vert, submitted=True, last_name="Durand")
    login(client, head_of(chemin_vert).user)
    page = text(client.get(reverse("commission:queue")))
    assert page.count("Doublon possible") == 2
    assert f'href="{reverse("referrals:detail", args=[second.pk])}">{second.reference}' in page
    assert f'href="{reverse("referrals:detail", args=[first.pk])}">{first.reference}' in page
    assert alone.reference in page


# --- continuity: reassignment -------------------------------------------------------------------


@pytest.fixture
def admin(client):
    membership = MembershipFactory(
        organisation__name="SPIP de la Somme", role=Membership.Role.ADMIN
    )
    login(client, membership.user)
    return membership


def test_admin_reassigns_a_departing_officers_referrals(client, admin, chemin_vert):
    leaving = MembershipFactory(organisation=admin.organisation)
    staying = MembershipFactory(organisation=admin.organisation)
    open_one = ReferralFactory(membership=leaving, target=chemin_vert, info_requested=True)
    draft = ReferralFactory(membership=leaving, target=chemin_vert)
    closed = ReferralFactory(membership=leaving, target=chemin_vert, withdrawn=True)

    response = client.post(
        reverse("accounts:deactivate_member", args=[admin.organisation_id, leaving.pk])
    )
    assert response["Location"] == f"{reverse('referrals:reassign')}?de={leaving.user_id}"
    page = text(client.get(response["Location"]))
    assert open_one.reference in page and draft.reference in page
    assert closed.reference not in page

    # A deactivated member is told nothing more.
    mail.outbox.clear()
    commission_writes(open_one)
    assert mail.outbox == []

    response = client.post(
        response["Location"],
        {"referrals": [open_one.pk, draft.pk], "officer": staying.user_id},
    )
    assert response.status_code == 302
    open_one.refresh_from_db()
    draft.refresh_from_db()
    assert open_one.officer == draft.officer == staying.user
    event = open_one.events.get(action=Action.REASSIGNED)
    assert (event.actor, event.kind) == (admin.user, ReferralEvent.Kind.REASSIGNMENT)
    assert event_label(event) == (
        f"Suivi réattribué : référent « {leaving.user} » → « {staying.user} »"
    )
    assert {m.to[0] for m in mail.outbox} == {staying.user.email}  # told of the two
    assert len(mail.outbox) == 2

    # Notifications follow the new officer.
    mail.outbox.clear()
    commission_writes(open_one)
    assert [m.to for m in mail.outbox] == [[staying.user.email]]
    page = text(client.get(reverse("referrals:detail", args=[open_one.pk])))
    assert "Suivi réattribué" in page


def test_reassigning_to_another_organisations_member_is_refused(client, admin, chemin_vert):
    referral = ReferralFactory(membership=admin, target=chemin_vert, submitted=True)
    foreigner = MembershipFactory()
    inactive = MembershipFactory(organisation=admin.organisation, is_active=False)
    for user in (foreigner.user, inactive.user):
        response = client.post(
            reverse("referrals:reassign"),
            {"referrals": [referral.pk], "officer": user.pk, "second_contact": user.pk},
        )
        assert response.status_code == 200
        assert "n'est pas membre active de votre organisation" in text(response)
        referral.refresh_from_db()
        assert (referral.officer, referral.second_contact) == (admin.user, None)
    assert not referral.events.filter(action=Action.REASSIGNED).exists()
    # The workflow refuses it too, whatever the caller.
    with pytest.raises(workflow.ValidationError):
        workflow.reassign([referral], actor(admin), officer=foreigner.user)
    with pytest.raises(workflow.ValidationError):
        workflow.reassign([referral], actor(admin))


ROLES = ["admin", "member", "commission_head", "management"]


def _member_for(role, organisation, establishment):
    from tests.referrals.factories import management_member

    if role == "admin":
        return MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN)
    if role == "member":
        return MembershipFactory(organisation=organisation)
    if role == "commission_head":
        return head_of(establishment)
    return management_member()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "foreign"])
def test_reassign_permission_matrix(client, role, own, chemin_vert):
    referral = ReferralFactory(target=chemin_vert, submitted=True)
    organisation = referral.organisation if own else MembershipFactory().organisation
    membership = _member_for(role, organisation, chemin_vert)
    newcomer = MembershipFactory(organisation=referral.organisation)
    allowed = role == "admin" and own
    login(client, membership.user)

    page = client.get(reverse("referrals:reassign"))
    assert page.status_code == (200 if role == "admin" else 404)
    response = client.post(
        reverse("referrals:reassign"), {"referrals": [referral.pk], "officer": newcomer.user_id}
    )
    referral.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert referral.officer == newcomer.user
    else:
        assert response.status_code in (200, 404)
        assert referral.officer != newcomer.user
        assert not referral.events.filter(action=Action.REASSIGNED).exists()
    detail = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert ("Réattribuer le suivi" in text(detail)) is (allowed and detail.status_code == 200)


def test_reassign_second_contact_only(client, admin, chemin_vert):
    referral = ReferralFactory(membership=admin, target=chemin_vert, accepted=True)
    colleague = MembershipFactory(organisation=admin.organisation)
    response = client.post(
        f"{reverse('referrals:reassign')}?orientation={referral.pk}",
        {"referrals": [referral.pk], "second_contact": colleague.user_id},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.officer, referral.second_contact) == (admin.user, colleague.user)
    assert [m.to for m in mail.outbox] == [[colleague.user.email]]


def test_seen_markers_and_creation_key_are_independent(officer, chemin_vert):
    """Opening a page twice keeps one marker per user and referral."""
    referral = ReferralFactory(membership=officer, target=chemin_vert, creation_key=uuid.uuid4())
    from referrals.work import mark_seen

    assert mark_seen(officer.user, referral) is None
    assert mark_seen(officer.user, referral) is not None
    assert ReferralSeen.objects.filter(referral=referral).count() == 1


# --- the list: export and print ------------------------------------------------------------------


def test_export_of_the_organisations_referrals_keeps_the_filters(client, officer, chemin_vert):
    wanted = ReferralFactory(
        membership=officer, target=chemin_vert, submitted=True, last_name="=HYPERLINK(1)"
    )
    other_status = ReferralFactory(membership=officer, target=chemin_vert)
    foreign = ReferralFactory(target=chemin_vert, submitted=True)
    workflow.add_internal_note(wanted, actor(head_of(chemin_vert)), "Note secrète")

    response = client.get(reverse("referrals:list"), {"status": "submitted", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert wanted.reference in body and "'=HYPERLINK(1)" in body  # neutralised
    assert other_status.reference not in body and foreign.reference not in body
    assert "Note secrète" not in body
    assert AccessLog.objects.get(action=AccessLog.Action.EXPORT).details == {
        "references": [wanted.reference],
        "format": "csv",
    }
    xlsx = client.get(reverse("referrals:list"), {"format": "xlsx"})
    assert xlsx["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "Référence"
    assert {sheet.cell(row=n, column=1).value for n in (2, 3)} == {
        wanted.reference,
        other_status.reference,
    }

    # The name search (kept in the session, never in the URL) applies to the export too.
    searched = client.post(reverse("referrals:list"), {"q": "hyperlink"})
    body = client.get(searched["Location"] + "&format=csv").content.decode("utf-8-sig")
    assert wanted.reference in body and other_status.reference not in body


def test_the_commission_gets_no_export_but_the_list(client, chemin_vert):
    ReferralFactory(target=chemin_vert, submitted=True)
    login(client, head_of(chemin_vert).user)
    response = client.get(reverse("referrals:list"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/html")


def test_print_view_is_journaled_and_foreign_is_404(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert, declined=True)
    page = text(client.get(reverse("referrals:print", args=[referral.pk])))
    assert referral.reference in page and "Pas de place à la date de sortie." in page
    assert "data-print" in page and "portal/js/print.js" in page
    log = AccessLog.objects.get(action=AccessLog.Action.PRINT)
    assert (log.referral_id, log.user) == (referral.pk, officer.user)
    foreign = ReferralFactory(target=chemin_vert, submitted=True)
    assert client.get(reverse("referrals:print", args=[foreign.pk])).status_code == 404
