"""The partner API does what the portal does: answer an information request, contest a decline,
change the release date, upload and list documents, read the housing certificate, and follow
the changes since an instant. Same permissions (another organisation's referral is a 404), same
workflow (a wrong state is a 409, bad input a 422 in French), journaled reads."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from referrals import workflow
from referrals.choices import Action, Status
from referrals.models import AccessLog, Attachment, Certificate, Message, ReferralEvent
from tests.core.test_uploads import pdf
from tests.factories import MembershipFactory
from tests.referrals.factories import ReferralFactory, actor, head_of
from tests.referrals.test_api import BASE, api_for

pytestmark = pytest.mark.django_db

PDF = pdf()  # a real PDF: uploads are checked on their whole content


@pytest.fixture
def partner(db):
    return MembershipFactory(organisation__name="SPIP de la Somme")


@pytest.fixture
def api(client, partner):
    return api_for(client, partner.user)


@pytest.fixture
def foreign(db):
    return MembershipFactory()


def upload(api, referral, content=PDF, name="jugement.pdf", kind="decision"):
    """A multipart request, as partner software sends it."""
    stream = io.BytesIO(content)
    stream.name = name
    return api.client.post(
        f"{BASE}/referrals/{referral.pk}/documents",
        {"kind": kind, "file": stream},
        headers=api.headers,
    )


# --- answer, contest, release date ------------------------------------------------------------


def test_answer_an_information_request(api, partner):
    referral = ReferralFactory(membership=partner, info_requested=True)
    response = api.post(f"/referrals/{referral.pk}/answer", {"message": "Jugement joint."})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.SUBMITTED
    assert Message.objects.filter(referral=referral, body="Jugement joint.").exists()
    again = api.post(f"/referrals/{referral.pk}/answer", {"message": "Encore."})
    assert again.status_code == 409 and "Action impossible" in again.json()["detail"]
    empty = api.post(
        f"/referrals/{ReferralFactory(membership=partner, info_requested=True).pk}/answer",
        {"message": "  "},
    )
    assert empty.status_code == 422 and empty.json()["errors"]["message"] == [
        "Écrivez votre réponse."
    ]


def test_contest_a_decline_once(api, partner):
    referral = ReferralFactory(membership=partner, declined=True)
    response = api.post(f"/referrals/{referral.pk}/contest", {"message": "Situation nouvelle."})
    assert response.status_code == 200 and response.json()["status"] == Status.UNDER_REVIEW
    head = actor(head_of(referral.target))
    workflow.perform(
        referral,
        Action.DECLINE,
        head,
        reason="pas_de_place",
        message="Toujours complet.",
        urgent_justification="Sortie avancée.",
    )
    twice = api.post(f"/referrals/{referral.pk}/contest", {"message": "Encore."})
    assert twice.status_code == 422
    assert "qu'une fois" in twice.json()["detail"]


def test_change_the_release_date(api, partner):
    referral = ReferralFactory(membership=partner, submitted=True)
    new_date = (timezone.localdate() + timedelta(days=45)).isoformat()
    response = api.post(
        f"/referrals/{referral.pk}/release-date",
        {"release_date": new_date, "comment": "Audience reportée."},
    )
    assert response.status_code == 200 and response.json()["release_date"] == new_date
    assert referral.events.filter(action=Action.RELEASE_DATE_CHANGED).exists()
    same = api.post(f"/referrals/{referral.pk}/release-date", {"release_date": new_date})
    assert same.status_code == 422 and "déjà la date" in str(same.json()["errors"])
    bad = api.post(f"/referrals/{referral.pk}/release-date", {"release_date": "12/03/2026"})
    assert bad.status_code == 422 and "AAAA-MM-JJ" in bad.json()["errors"]["release_date"][0]
    closed = ReferralFactory(membership=partner, withdrawn=True)
    response = api.post(f"/referrals/{closed.pk}/release-date", {"release_date": new_date})
    assert response.status_code == 409 and "ne se modifie plus" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "trait"),
    [
        ("answer", {"message": "x"}, "info_requested"),
        ("contest", {"message": "x"}, "declined"),
        ("release-date", {"release_date": "2030-01-01"}, "submitted"),
    ],
)
def test_actions_on_a_foreign_referral_are_404(api, foreign, path, body, trait):
    referral = ReferralFactory(membership=foreign, **{trait: True})
    before = referral.events.count()
    response = api.post(f"/referrals/{referral.pk}/{path}", body)
    assert response.status_code == 404 and response.json()["detail"] == "Orientation introuvable."
    assert referral.events.count() == before


# --- documents ----------------------------------------------------------------------------------


def test_upload_and_list_documents(api, partner):
    referral = ReferralFactory(membership=partner, submitted=True)
    response = upload(api, referral)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["kind"], data["name"], data["content_type"]) == (
        "decision",
        "jugement.pdf",
        "application/pdf",
    )
    assert Attachment.objects.get(referral=referral).size == len(PDF)
    assert referral.events.filter(kind=ReferralEvent.Kind.DOCUMENT).exists()
    listed = api.get(f"/referrals/{referral.pk}/documents").json()
    assert [d["id"] for d in listed] == [data["id"]]
    assert AccessLog.objects.filter(
        referral=referral, action=AccessLog.Action.API_READ, details__what="documents"
    ).exists()


def test_upload_is_checked_like_the_portal(api, partner):
    referral = ReferralFactory(membership=partner, submitted=True)
    disguised = upload(api, referral, content=b"MZ\x90\x00 not a pdf", name="jugement.pdf")
    assert disguised.status_code == 422
    assert "Type de fichier non accepté" in disguised.json()["errors"]["file"][0]
    wrong_kind = upload(api, referral, kind="photo")
    assert wrong_kind.status_code == 422 and "kind" in wrong_kind.json()["errors"]
    assert not Attachment.objects.exists()


def test_upload_on_a_closed_or_foreign_referral(api, partner, foreign):
    closed = ReferralFactory(membership=partner, withdrawn=True)
    response = upload(api, closed)
    assert response.status_code == 409 and "plus de document" in response.json()["detail"]
    other = ReferralFactory(membership=foreign, submitted=True)
    assert upload(api, other).status_code == 404
    assert api.get(f"/referrals/{other.pk}/documents").status_code == 404
    assert not Attachment.objects.exists()


# --- certificate -------------------------------------------------------------------------------


def test_certificate_through_the_api(api, partner, client):
    referral = ReferralFactory(membership=partner, accepted=True)
    data = api.get(f"/referrals/{referral.pk}/certificate").json()
    certificate = Certificate.objects.get()
    assert data["valid"] is True and data["reference"] == referral.reference
    assert data["verification_url"].endswith(f"/attestations/{certificate.token}/")
    pdf = api.client.get(f"{BASE}/referrals/{referral.pk}/certificate.pdf", headers=api.headers)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert certificate.token in text
    assert Certificate.objects.count() == 1
    assert (
        AccessLog.objects.filter(
            referral=referral, action=AccessLog.Action.API_READ, details__what="certificate"
        ).count()
        == 2
    )


@pytest.mark.parametrize("trait", ["submitted", "declined", "cancelled"])
def test_no_certificate_unless_accepted(api, partner, trait):
    referral = ReferralFactory(membership=partner, **{trait: True})
    response = api.get(f"/referrals/{referral.pk}/certificate")
    assert response.status_code == 404 and response.json()["detail"] == "Orientation introuvable."
    assert (
        api.client.get(
            f"{BASE}/referrals/{referral.pk}/certificate.pdf", headers=api.headers
        ).status_code
        == 404
    )
    assert not Certificate.objects.exists()


def test_no_certificate_of_a_foreign_referral(api, foreign):
    referral = ReferralFactory(membership=foreign, accepted=True)
    assert api.get(f"/referrals/{referral.pk}/certificate").status_code == 404
    assert not Certificate.objects.exists()


# --- changes --------------------------------------------------------------------------------------


def test_changes_since_an_instant(api, partner, foreign):
    start = timezone.now()
    mine = ReferralFactory(membership=partner, submitted=True)
    quiet = ReferralFactory(membership=partner, submitted=True)
    ReferralFactory(membership=foreign, submitted=True)
    page = api.get("/changes", {"updated_since": start.isoformat()}).json()
    assert {item["id"] for item in page["items"]} == {str(mine.pk), str(quiet.pk)}
    assert page["has_more"] is False
    since = page["next_updated_since"]

    # A message from the commission is a change, even though the referral row did not move.
    workflow.post_message(mine, actor(head_of(mine.target)), "Pouvez-vous nous appeler ?")
    page = api.get("/changes", {"updated_since": since}).json()
    ids = [item["id"] for item in page["items"]]
    assert str(mine.pk) in ids and str(quiet.pk) not in ids[-1:]
    assert AccessLog.objects.filter(action=AccessLog.Action.API_READ, details__what="changes")


def test_changes_page_by_page(api, partner):
    start = timezone.now()
    for _ in range(3):
        ReferralFactory(membership=partner)
    first = api.get("/changes", {"updated_since": start.isoformat(), "limit": 2}).json()
    assert len(first["items"]) == 2 and first["has_more"] is True
    rest = api.get("/changes", {"updated_since": first["next_updated_since"]}).json()
    seen = {i["id"] for i in first["items"]} | {i["id"] for i in rest["items"]}
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("hier", "ISO 8601"),
        ("2026-13-45T00:00:00", "ISO 8601"),
        ((timezone.now() + timedelta(days=1)).isoformat(), "dans le futur"),
    ],
)
def test_changes_refuse_a_bad_or_future_instant_in_french(api, value, message):
    response = api.get("/changes", {"updated_since": value})
    assert response.status_code == 422
    assert message in response.json()["errors"]["updated_since"][0]


def test_changes_need_an_instant(api):
    response = api.get("/changes")
    assert response.status_code == 422 and response.json()["errors"]["updated_since"]


def test_openapi_documents_the_new_endpoints(client):
    schema = client.get(f"{BASE}/openapi.json").json()
    paths = schema["paths"]
    for path in [
        "/referrals/{referral_id}/answer",
        "/referrals/{referral_id}/contest",
        "/referrals/{referral_id}/release-date",
        "/referrals/{referral_id}/documents",
        "/referrals/{referral_id}/certificate",
        "/referrals/{referral_id}/certificate.pdf",
        "/changes",
    ]:
        assert any(p.endswith(path) for p in paths), path
    assert re.search(r"2026-03-01T08:00:00\+01:00", str(schema))
