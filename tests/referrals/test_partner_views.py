"""The partner's side in the browser-less client: create, edit, submit, follow, bad input."""

import io
import uuid
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import InternalRole
from referrals.choices import Action, Status
from referrals.models import AccessLog, Attachment, Referral, ReferralEvent
from tests.core.test_uploads import docx, image, pdf, polyglot, zip_of
from tests.factories import MembershipFactory
from tests.referrals.factories import EstablishmentFactory, ReferralFactory, commission_member
from tests.utils import login, text

pytestmark = pytest.mark.django_db

PDF = pdf()
PNG = image("PNG")


def form_data(target_page, **overrides):
    today = timezone.localdate()
    data = {
        "first_name": "Jonas",
        "last_name": "Rakoto",
        "birth_date": "1990-05-17",
        "gender": "homme",
        "contact": "",
        "location": "prison",
        "location_detail": "Centre pénitentiaire de Fleury-Mérogis",
        "origin_departement": "75",
        "judicial_situation": "ddse",
        "release_date": (today + timedelta(days=30)).isoformat(),
        "measure_end_date": "",
        "referral_type": "ddse",
        "target": target_page.pk,
        "housing_need": "adresse_mesure",
        "housing_comment": "",
        "employment_need": "emploi",
        "employment_comment": "",
        "health_note": "",
        "ties_need": "maintien",
        "ties_comment": "",
        "wishes": "Travailler dans la restauration.",
        "consent": "on",
        "consent_date": today.isoformat(),
        "consent_method": "entretien",
        "second_contact": "",
        "creation_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def officer(client):
    membership = MembershipFactory(organisation__name="SPIP de Paris")
    login(client, membership.user)
    return membership


@pytest.fixture
def chemin_vert():
    return EstablishmentFactory(title="CHRS Chemin Vert", publics=["hommes_seuls"])


def test_create_draft_then_submit(client, officer, chemin_vert):
    member = commission_member(chemin_vert)
    response = client.post(reverse("referrals:create"), form_data(chemin_vert))
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert str(referral.pk) in response["Location"]
    assert referral.reference.startswith(f"{timezone.localdate().year}-")
    assert referral.status == Status.DRAFT
    assert (referral.officer, referral.organisation) == (officer.user, officer.organisation)

    page = text(client.get(response["Location"]))
    assert "Brouillon" in page
    assert "Transmettre à la commission" in page

    client.post(reverse("referrals:submit", args=[referral.pk]))
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED
    assert [m.to for m in mail.outbox] == [[member.user.email]]
    # A second click (another tab) changes nothing.
    response = client.post(reverse("referrals:submit", args=[referral.pk]), follow=True)
    assert "déjà été transmise" in text(response)
    assert referral.events.filter(action=Action.SUBMIT).count() == 1
    assert len(mail.outbox) == 1


def test_double_post_of_the_creation_form_creates_one_draft(client, officer, chemin_vert):
    data = form_data(chemin_vert)
    client.post(reverse("referrals:create"), data)
    response = client.post(reverse("referrals:create"), data, follow=True)
    assert Referral.objects.count() == 1
    assert ReferralEvent.objects.count() == 1
    assert "déjà enregistré" in text(response)


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"birth_date": "2090-01-01"}, "ne peut pas être dans le futur"),
        ({"birth_date": "1890-01-01"}, "pas plausible"),
        ({"birth_date": "pas une date"}, "Saisissez une date valide"),
        (
            {"referral_type": "sortie_seche", "release_date": "2020-01-01"},
            "ne peut pas être passée",
        ),
        ({"referral_type": "siao_urgence"}, "n'accepte pas ce type de demande"),
        ({"target": "999999"}, "Sélectionnez un choix valide"),
        ({"first_name": ""}, "Champ requis"),
        ({"measure_end_date": "2000-01-01"}, "ne peut pas précéder"),
    ],
)
def test_bad_input_gets_a_french_message_and_nothing_is_saved(
    client, officer, chemin_vert, overrides, field_message
):
    response = client.post(reverse("referrals:create"), form_data(chemin_vert, **overrides))
    assert response.status_code == 200
    assert field_message in text(response)
    assert not Referral.objects.exists()


def test_missing_consent_blocks_submission_not_the_draft(client, officer, chemin_vert):
    data = form_data(chemin_vert, consent_date="", consent_method="")
    data.pop("consent")
    client.post(reverse("referrals:create"), data)
    referral = Referral.objects.get()
    response = client.post(reverse("referrals:submit", args=[referral.pk]), follow=True)
    assert "accord de la personne est obligatoire" in text(response)
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT


def test_fit_warning_without_blocking(client, officer):
    women_only = EstablishmentFactory(title="CHRS Thuillier", publics=["femmes_seules", "familles"])
    client.post(reverse("referrals:create"), form_data(women_only))
    referral = Referral.objects.get()
    page = text(client.get(reverse("referrals:detail", args=[referral.pk])))
    assert "accueille des femmes et des familles" in page
    client.post(reverse("referrals:submit", args=[referral.pk]))
    assert Referral.objects.get().status == Status.SUBMITTED


def test_concurrent_edits_of_a_draft_do_not_silently_overwrite(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert)
    colleague = MembershipFactory(organisation=officer.organisation)
    other = login(type(client)(), colleague.user)
    mine = form_data(chemin_vert, wishes="Version A", version=referral.version)
    theirs = form_data(chemin_vert, wishes="Version B", version=referral.version)
    assert other.post(reverse("referrals:edit", args=[referral.pk]), theirs).status_code == 302
    response = client.post(reverse("referrals:edit", args=[referral.pk]), mine)
    assert response.status_code == 200
    assert "a été modifié par" in text(response)
    referral.refresh_from_db()
    assert referral.wishes == "Version B"


def test_information_request_answer_puts_it_back_in_the_queue(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert, status=Status.INFO_REQUESTED)
    member = commission_member(chemin_vert)
    listing = text(client.get(reverse("referrals:list")))
    assert "En attente de votre réponse" in listing
    response = client.post(reverse("referrals:answer", args=[referral.pk]), {"message": "  "})
    assert "Champ requis" in text(response)
    client.post(reverse("referrals:answer", args=[referral.pk]), {"message": "Jugement joint."})
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED
    answer = referral.messages.last()
    assert (answer.body, answer.author) == ("Jugement joint.", officer.user)
    event = referral.events.last()
    assert (event.action, event.actor, event.comment) == (
        Action.ANSWER_INFO,
        officer.user,
        "Jugement joint.",
    )
    assert member.user.email in [m.to[0] for m in mail.outbox]


def test_release_date_changes_are_kept_and_the_commission_told(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    member = commission_member(chemin_vert)
    old = referral.release_date
    new = old + timedelta(days=14)
    client.post(
        reverse("referrals:release_date", args=[referral.pk]),
        {"release_date": new.isoformat(), "comment": "Audience JAP reportée"},
    )
    referral.refresh_from_db()
    assert referral.release_date == new
    event = referral.events.get(kind=ReferralEvent.Kind.RELEASE_DATE)
    assert event.data == {"from": old.isoformat(), "to": new.isoformat()}
    assert [m.to for m in mail.outbox] == [[member.user.email]]


def test_withdraw_and_contest(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    response = client.post(reverse("referrals:withdraw", args=[referral.pk]), {"reason": "?"})
    assert "Sélectionnez un choix valide" in text(response)
    client.post(reverse("referrals:withdraw", args=[referral.pk]), {"reason": "autre_solution"})
    assert Referral.objects.get(pk=referral.pk).status == Status.WITHDRAWN

    declined = ReferralFactory(membership=officer, target=chemin_vert, status=Status.DECLINED)
    client.post(reverse("referrals:contest", args=[declined.pk]), {"message": "Il a un emploi."})
    assert Referral.objects.get(pk=declined.pk).status == Status.UNDER_REVIEW


def test_messages(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    response = client.post(
        reverse("referrals:message", args=[referral.pk]), {"body": "   "}, follow=True
    )
    assert "Le message est vide" in text(response)
    assert not referral.messages.exists()
    client.post(reverse("referrals:message", args=[referral.pk]), {"body": "Bonjour"})
    assert referral.messages.get().body == "Bonjour"


@pytest.mark.parametrize(
    ("name", "content", "ok", "message"),
    [
        ("jugement.pdf", PDF, True, "Document ajouté"),
        ("photo.png", PNG, True, "Document ajouté"),
        ("jugement.pdf", PNG, False, "ne correspond pas à son extension"),
        ("script.pdf", b"#!/bin/sh\necho hello\n", False, "Type de fichier non accepté"),
        ("vide.pdf", b"", False, "vide"),
        ("gros.pdf", PDF + b"0" * (10 * 1024 * 1024), False, "dépasse 10 Mo"),
        ("courrier.docx", docx(), True, "Document ajouté"),
        ("page.pdf", polyglot(), False, "code de page web"),
        ("faux.docx", zip_of({"word/x.exe": b"MZ"}), False, "DOCX est endommagé"),
    ],
)
def test_attachments_are_checked_on_content(
    client, officer, chemin_vert, name, content, ok, message
):
    referral = ReferralFactory(membership=officer, target=chemin_vert)
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post(
        reverse("referrals:upload", args=[referral.pk]),
        {"kind": "decision", "file": upload},
        follow=True,
    )
    assert message in text(response)
    assert Attachment.objects.exists() is ok
    if ok:
        attachment = Attachment.objects.get()
        assert name not in attachment.file.name  # no personal data in storage paths
        download = client.get(reverse("referrals:attachment", args=[referral.pk, attachment.pk]))
        assert b"".join(download.streaming_content) == content
        assert download["Cache-Control"] == "no-store, private"
        assert download["Content-Type"] == attachment.content_type
        stranger = login(type(client)(), MembershipFactory().user)
        url = reverse("referrals:attachment", args=[referral.pk, attachment.pk])
        assert stranger.get(url).status_code == 404


def test_an_oversized_upload_is_refused_from_its_content_length(
    client, officer, chemin_vert, settings
):
    settings.DOCUMENT_MAX_UPLOAD_SIZE = 1024
    referral = ReferralFactory(membership=officer, target=chemin_vert)
    upload = io.BytesIO(PDF + b"%" + b"0" * 100_000)
    upload.name = "gros.pdf"
    response = client.post(
        reverse("referrals:upload", args=[referral.pk]),
        {"kind": "decision", "file": upload},
        follow=True,
    )
    assert response.status_code == 200
    assert "le fichier dépasse 10 Mo" in text(response)
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("x_accel", [False, True])
def test_downloads_go_through_the_permission_check_then_to_the_proxy_if_set(
    client, officer, chemin_vert, settings, x_accel
):
    settings.PRIVATE_FILES_X_ACCEL_PREFIX = "/_private/" if x_accel else ""
    referral = ReferralFactory(membership=officer, target=chemin_vert)
    upload = io.BytesIO(PDF)
    upload.name = "jugement de Jonas.pdf"
    client.post(
        reverse("referrals:upload", args=[referral.pk]), {"kind": "decision", "file": upload}
    )
    attachment = Attachment.objects.get()
    url = reverse("referrals:attachment", args=[referral.pk, attachment.pk])
    stranger = login(type(client)(), MembershipFactory().user)
    refused = stranger.get(url)
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused
    response = client.get(url)
    assert response.status_code == 200
    assert "jugement" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")
    if x_accel:
        assert response["X-Accel-Redirect"] == f"/_private/{attachment.file.name}"
        assert response.content == b""
    else:
        assert "X-Accel-Redirect" not in response
        assert b"".join(response.streaming_content) == PDF
    # Outside tests, the private storage has no URL and lies outside the served directories:
    # nothing serves the documents but this view.
    from portal.settings import base

    assert base.STORAGES["private"]["OPTIONS"]["base_url"] is None
    for served in (base.MEDIA_ROOT, base.STATIC_ROOT):
        assert not base.PRIVATE_MEDIA_ROOT.is_relative_to(served)


def test_delete_draft_only_by_its_author(client, officer, chemin_vert):
    referral = ReferralFactory(membership=officer, target=chemin_vert)
    colleague = login(type(client)(), MembershipFactory(organisation=officer.organisation).user)
    colleague.post(reverse("referrals:delete", args=[referral.pk]))
    assert Referral.objects.filter(pk=referral.pk).exists()
    client.post(reverse("referrals:delete", args=[referral.pk]))
    assert not Referral.objects.filter(pk=referral.pk).exists()


def test_dashboard_filters_and_highlights(client, officer, chemin_vert):
    today = timezone.localdate()
    soon = ReferralFactory(
        membership=officer,
        target=chemin_vert,
        submitted=True,
        last_name="Bientôt",
        release_date=today + timedelta(days=3),
    )
    later = ReferralFactory(
        membership=officer,
        target=chemin_vert,
        last_name="Plustard",
        release_date=today + timedelta(days=60),
    )
    ReferralFactory(last_name="Ailleurs")  # another organisation
    page = text(client.get(reverse("referrals:list")))
    assert "Sortie dans les 7 prochains jours" in page
    assert "BIENTÔT" in page and "PLUSTARD" in page
    assert "AILLEURS" not in page
    page = text(client.post(reverse("referrals:list"), {"q": later.reference}, follow=True))
    assert "PLUSTARD" in page and "BIENTÔT" not in page.split("<table")[1]
    page = text(client.get(reverse("referrals:list"), {"status": "submitted"}))
    assert "BIENTÔT" in page.split("<table")[1] and "PLUSTARD" not in page.split("<table")[1]
    page = text(
        client.get(
            reverse("referrals:list"), {"release_after": (today + timedelta(days=30)).isoformat()}
        )
    )
    assert "PLUSTARD" in page.split("<table")[1] and soon.reference not in page.split("<table")[1]
    # Bad filter input is reported, never a 500.
    response = client.get(reverse("referrals:list"), {"release_after": "hier", "page": "abc"})
    assert response.status_code == 200


def test_dashboard_queries_do_not_grow_with_rows(
    client, officer, chemin_vert, django_assert_max_num_queries
):
    for _ in range(3):
        ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("referrals:list"))
    for _ in range(30):
        ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("referrals:list"))


# --- permission matrix: role × action × own/other --------------------------------------------

ACTIONS = {
    "detail": ("get", "referrals:detail", {}),
    "edit": ("get", "referrals:edit", {}),
    "message": ("post", "referrals:message", {"body": "Bonjour"}),
    "withdraw": ("post", "referrals:withdraw", {"reason": "autre_solution"}),
    "release_date": ("post", "referrals:release_date", {"release_date": "2031-01-01"}),
    "download": ("get", "referrals:attachment", {}),
}
ROLES = [
    "officer",
    "colleague",
    "other_partner",
    "commission",
    "other_commission",
    "management",
    "nobody",
]
# For a submitted referral: which roles may do which actions (others get a 404).
ALLOWED = {
    "detail": {"officer", "colleague", "commission", "management"},
    "edit": set(),  # not a draft any more: partners are redirected with a message
    "message": {"officer", "colleague", "commission"},
    "withdraw": {"officer", "colleague"},
    "release_date": {"officer", "colleague"},
    "download": {"officer", "colleague", "commission", "management"},
}

REFUSED_WITH_A_MESSAGE = {("officer", "edit"), ("colleague", "edit"), ("management", "message")}


def membership_for(role, referral):
    if role == "officer":
        return referral.officer.memberships.get(organisation=referral.organisation)
    if role == "colleague":
        return MembershipFactory(organisation=referral.organisation)
    if role == "other_partner":
        return MembershipFactory()
    if role == "commission":
        return commission_member(referral.target)
    if role == "other_commission":
        return commission_member(EstablishmentFactory(), InternalRole.Role.HEAD)
    if role == "management":
        from tests.referrals.factories import management_member

        return management_member()
    return None


def snapshot(referral):
    """What an action may change on a referral, as stored."""
    referral = Referral.objects.get(pk=referral.pk)
    return {
        "status": referral.status,
        "release_date": referral.release_date,
        "version": referral.version,
        "events": list(referral.events.values_list("pk", flat=True)),
        "messages": list(referral.messages.values_list("pk", flat=True)),
        "accesses": list(referral.accesses.values_list("pk", flat=True)),
    }


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, role, action):
    referral = ReferralFactory(submitted=True)
    listener = commission_member(referral.target)  # told of what the partner does
    args = [referral.pk]
    if action == "download":
        upload = io.BytesIO(PDF)
        upload.name = "jugement.pdf"
        login(client, referral.officer)
        client.post(reverse("referrals:upload", args=args), {"kind": "decision", "file": upload})
        args.append(referral.attachments.get().pk)
    membership = membership_for(role, referral)
    user = membership.user if membership else MembershipFactory(inactive=True).user
    login(client, user)
    before = snapshot(referral)
    mail.outbox.clear()
    method, name, data = ACTIONS[action]
    response = getattr(client, method)(reverse(name, args=args), data)
    after = snapshot(referral)
    detail = reverse("referrals:detail", args=[referral.pk])
    changed = {key for key in after if after[key] != before[key]}
    if role in ALLOWED[action]:
        assert_allowed_effect(action, role, referral, membership, response, changed, listener)
    elif (role, action) in REFUSED_WITH_A_MESSAGE:
        # They may read the referral, so the refusal is explained rather than hidden.
        assert response.status_code == 302
        assert response["Location"] == detail
        assert changed == set()
        assert not mail.outbox
        explanation = text(client.get(detail))
        assert REFUSAL[action] in explanation
    else:
        assert response.status_code == 404
        assert changed == set()
        assert not mail.outbox


REFUSAL = {
    "edit": "Seul un brouillon peut être modifié.",
    "message": "Vous ne pouvez pas écrire sur cette demande.",
}


def assert_allowed_effect(action, role, referral, membership, response, changed, listener):
    user = membership.user
    detail = reverse("referrals:detail", args=[referral.pk])
    referral.refresh_from_db()
    recipients = sorted(m.to[0] for m in mail.outbox)
    if action in ("detail", "download"):
        assert response.status_code == 200
        if action == "detail":
            assert referral.reference in text(response)
        else:
            assert b"".join(response.streaming_content) == PDF
            assert response["Content-Disposition"] == 'attachment; filename="jugement.pdf"'
        assert changed == {"accesses"}
        access = referral.accesses.get()
        assert (access.user, access.organisation, access.action) == (
            user,
            membership.organisation,
            AccessLog.Action.VIEW if action == "detail" else AccessLog.Action.DOWNLOAD,
        )
        assert not mail.outbox
        return
    assert response.status_code == 302
    assert response["Location"] == detail
    event = referral.events.last()
    if action == "message":
        assert changed == {"messages"}
        message = referral.messages.get()
        assert (message.body, message.author, message.organisation) == (
            "Bonjour",
            user,
            membership.organisation,
        )
        # A partner writes to the target's commission; the commission to the officer.
        expected = referral.officer if role == "commission" else listener.user
        assert recipients == [expected.email]
    elif action == "withdraw":
        assert changed == {"status", "version", "events"}
        assert referral.status == Status.WITHDRAWN
        assert (event.action, event.actor, event.data) == (
            Action.WITHDRAW,
            user,
            {"reason": "autre_solution"},
        )
        assert recipients == [listener.user.email]
    elif action == "release_date":
        assert changed == {"release_date", "version", "events"}
        assert referral.release_date == date(2031, 1, 1)
        assert (event.kind, event.actor, event.data["to"]) == (
            ReferralEvent.Kind.RELEASE_DATE,
            user,
            "2031-01-01",
        )
        assert recipients == [listener.user.email]
    else:
        raise AssertionError(f"no expected effect for {action}")


def test_drafts_are_invisible_to_the_commission(client):
    referral = ReferralFactory()
    login(client, commission_member(referral.target).user)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404


def test_malformed_ids_are_404(client, officer):
    assert client.get("/orientations/12345/").status_code == 404
    assert client.get(f"/orientations/{uuid.uuid4()}/").status_code == 404


def test_every_access_is_traced_and_management_sees_the_log(client, officer, chemin_vert):
    from referrals.models import AccessLog
    from tests.referrals.factories import management_member

    referral = ReferralFactory(membership=officer, target=chemin_vert, submitted=True)
    client.get(reverse("referrals:detail", args=[referral.pk]))
    access = AccessLog.objects.get()
    assert (access.user, access.organisation, access.action) == (
        officer.user,
        officer.organisation,
        AccessLog.Action.VIEW,
    )
    assert "Journal des accès" not in text(
        client.get(reverse("referrals:detail", args=[referral.pk]))
    )
    direction = login(type(client)(), management_member().user)
    page = text(direction.get(reverse("referrals:detail", args=[referral.pk])))
    assert "Journal des accès" in page and str(officer.user) in page
    assert AccessLog.objects.count() == 3
