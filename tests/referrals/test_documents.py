"""Documents handed out on paper: the housing certificate (PDF) and its public verification page,
the receipt for the person (page and PDF)."""

import io
import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from referrals import retention, workflow
from referrals.choices import Action, Status
from referrals.models import AccessLog, Certificate
from tests.factories import MembershipFactory
from tests.referrals.factories import (
    EstablishmentFactory,
    ReferralFactory,
    actor,
    head_of,
)
from tests.utils import login, text

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def verification_path(pdf: str) -> str:
    match = re.search(r"(/attestations/[A-Za-z0-9_-]+/)", pdf.replace(" ", ""))
    assert match, pdf
    return match.group(1)


@pytest.fixture
def accepted(client):
    establishment = EstablishmentFactory(
        title="CHRS Les Tilleuls", street="12 rue des Lilas", postcode="80000", city="Amiens"
    )
    establishment.phone = "03 22 00 00 00"
    establishment.save()
    referral = ReferralFactory(
        target=establishment,
        first_name="Jonas",
        last_name="Rakoto",
        status=Status.ACCEPTED,
        planned_admission_date=timezone.localdate() + timedelta(days=12),
        membership__organisation__name="SPIP de la Somme",
    )
    login(client, referral.officer)
    return referral


def test_certificate_pdf_says_what_the_judge_needs_and_verifies(client, accepted):
    response = client.get(reverse("referrals:certificate", args=[accepted.pk]))
    assert response.status_code == 200
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1  # one sheet for the judge
    pdf = pdf_text(response)
    for expected in [
        "ATTESTATION D'HÉBERGEMENT",
        "CHRS Les Tilleuls",
        "12 rue des Lilas",
        "80000 Amiens",
        "Jonas Rakoto",
        accepted.reference,
        "pour le chef de service",
        str(head_of(accepted.target).user.get_full_name() or head_of(accepted.target).user),
    ]:
        assert expected in pdf, expected
    certificate = Certificate.objects.get()
    assert str(accepted.pk) not in pdf and certificate.token in pdf.replace(" ", "")
    assert AccessLog.objects.filter(
        referral=accepted, action=AccessLog.Action.PRINT, details__document="certificate"
    ).exists()

    # The clerk, without an account, opens the URL: valid, and nothing about the person.
    client.logout()
    page = client.get(verification_path(pdf))
    body = text(page)
    assert page.status_code == 200
    assert "Cette attestation est valable." in body
    assert accepted.reference in body and "CHRS Les Tilleuls" in body
    assert "Rakoto" not in body and "Jonas" not in body and "SPIP" not in body
    assert "no-cache" in page["Cache-Control"]

    # Downloading again while nothing changed gives the same certificate.
    login(client, accepted.officer)
    client.get(reverse("referrals:certificate", args=[accepted.pk]))
    assert Certificate.objects.count() == 1


def _state(client, certificate) -> str:
    body = text(client.get(reverse("certificate_verify", args=[certificate.token])))
    return "valable" if "Cette attestation est valable." in body else "plus valable"


def test_a_cancelled_admission_invalidates_the_certificate(client, accepted):
    client.get(reverse("referrals:certificate", args=[accepted.pk]))
    certificate = Certificate.objects.get()
    assert _state(client, certificate) == "valable"
    workflow.perform(
        accepted, Action.CANCEL, actor(head_of(accepted.target)), reason="maintien_detention"
    )
    assert "n'est plus valable" in text(
        client.get(reverse("certificate_verify", args=[certificate.token]))
    )
    # And there is no certificate to download any more.
    assert client.get(reverse("referrals:certificate", args=[accepted.pk])).status_code == 404


def test_a_moved_release_date_supersedes_the_certificate(client, accepted):
    client.get(reverse("referrals:certificate", args=[accepted.pk]))
    old = Certificate.objects.get()
    partner = actor(accepted.officer.memberships.get())
    workflow.change_release_date(
        accepted, partner, accepted.release_date + timedelta(days=7), "Audience reportée."
    )
    assert _state(client, old) == "plus valable"
    detail = text(client.get(reverse("referrals:detail", args=[accepted.pk])))
    assert "n'est plus valable</strong> (La décision ou les dates attestées ont changé.)" in detail
    assert "téléchargez la nouvelle" in detail
    client.get(reverse("referrals:certificate", args=[accepted.pk]))
    old.refresh_from_db()
    new = Certificate.objects.exclude(pk=old.pk).get()
    assert old.superseded_by == new and new.token != old.token
    assert _state(client, new) == "valable" and _state(client, old) == "plus valable"
    detail = text(client.get(reverse("referrals:detail", args=[accepted.pk])))
    assert "toujours valable." in detail


def test_arrival_keeps_the_certificate_valid(client, accepted):
    client.get(reverse("referrals:certificate", args=[accepted.pk]))
    workflow.perform(
        accepted,
        Action.RECORD_ARRIVAL,
        actor(head_of(accepted.target)),
        arrival_date=timezone.localdate(),
    )
    assert _state(client, Certificate.objects.get()) == "valable"


@pytest.mark.parametrize(
    "status",
    [Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.DECLINED, Status.CANCELLED],
)
def test_no_certificate_before_acceptance_or_after_cancellation(client, status):
    referral = ReferralFactory(status=status)
    login(client, referral.officer)
    assert client.get(reverse("referrals:certificate", args=[referral.pk])).status_code == 404
    assert not Certificate.objects.exists()


def test_certificate_matrix_partner_only_and_own_only(client, accepted):
    url = reverse("referrals:certificate", args=[accepted.pk])
    other_partner = MembershipFactory()
    for membership in [other_partner, head_of(accepted.target)]:
        login(client, membership.user)
        assert client.get(url).status_code == 404
    assert not Certificate.objects.exists()
    assert AccessLog.objects.filter(action=AccessLog.Action.REFUSED, user=other_partner.user)
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


@pytest.mark.parametrize("token", ["inconnu", "x" * 80, "A" * 32])
def test_unknown_or_forged_token_says_unknown_and_nothing_else(client, accepted, token):
    client.get(reverse("referrals:certificate", args=[accepted.pk]))
    client.logout()
    response = client.get(f"/attestations/{token}/")
    body = text(response)
    assert response.status_code == 404
    assert "Attestation inconnue." in body
    assert accepted.reference not in body and "Tilleuls" not in body


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_verification_is_rate_limited(client):
    from referrals.documents.views import VERIFY_RATE

    statuses = [client.get("/attestations/abc/").status_code for _ in range(VERIFY_RATE + 1)]
    assert statuses[:VERIFY_RATE] == [404] * VERIFY_RATE
    assert statuses[-1] == 429


def test_anonymisation_revokes_and_forgets_the_person(client, accepted):
    client.get(reverse("referrals:certificate", args=[accepted.pk]))
    assert retention.anonymise(accepted)
    certificate = Certificate.objects.get()
    assert certificate.revoked_at is not None
    assert "person" not in certificate.snapshot and "Rakoto" not in str(certificate.snapshot)
    assert _state(client, certificate) == "plus valable"


# --- the receipt for the person ----------------------------------------------------------------


@override_settings(RETENTION_REFERRALS_DAYS=730, RETENTION_ATTACHMENTS_DAYS=183)
def test_receipt_before_the_decision_is_one_page_in_plain_french(client):
    referral = ReferralFactory(status=Status.SUBMITTED, target__title="CHRS Les Tilleuls")
    login(client, referral.officer)
    response = client.get(reverse("referrals:receipt", args=[referral.pk]))
    body = text(response)
    assert response.status_code == 200
    for expected in [
        "CHRS Les Tilleuls",
        referral.reference,
        "2 ans après la dernière action",
        "6 mois après la décision",
        "dpo@ilot.test",
        "CNIL (Commission nationale de l'informatique et des libertés)",
        referral.organisation.name,
    ]:
        assert expected in body, expected
    assert "La décision" not in body
    assert AccessLog.objects.filter(
        referral=referral, action=AccessLog.Action.PRINT, details__document="receipt"
    ).exists()

    pdf = client.get(reverse("referrals:receipt_pdf", args=[referral.pk]))
    filename = f"recepisse-{referral.reference}.pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{filename}"'
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    assert referral.reference in pdf_text(pdf)


def test_receipt_after_the_decision_has_a_second_page(client, accepted):
    response = client.get(reverse("referrals:receipt_pdf", args=[accepted.pk]))
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    second = " ".join(reader.pages[1].extract_text().split())
    assert "La commission a dit oui" in second
    assert accepted.planned_admission_date.strftime("%Y") in second


def test_receipt_after_a_decline_says_what_can_be_done(client):
    referral = ReferralFactory(status=Status.DECLINED, decline_reason="pas_de_place")
    login(client, referral.officer)
    body = text(client.get(reverse("referrals:receipt", args=[referral.pk])))
    assert "La commission a dit non. La raison : pas de place disponible." in body
    assert "contester une fois" in body


def test_receipt_is_for_the_referring_partner_only(client, accepted):
    url = reverse("referrals:receipt", args=[accepted.pk])
    for membership in [MembershipFactory(), head_of(accepted.target)]:
        login(client, membership.user)
        assert client.get(url).status_code == 404
        assert client.get(reverse("referrals:receipt_pdf", args=[accepted.pk])).status_code == 404


def test_detail_page_links_the_documents(client, accepted):
    body = text(client.get(reverse("referrals:detail", args=[accepted.pk])))
    assert reverse("referrals:certificate", args=[accepted.pk]) in body
    assert reverse("referrals:receipt", args=[accepted.pk]) in body
