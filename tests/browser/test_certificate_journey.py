"""The officer's paper documents: the receipt for the person, and the housing certificate for
the judge, which a court clerk verifies through its URL until the commission cancels the
admission."""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import InternalRole
from tests.browser.test_commission_journey import new_page, sign_in
from tests.referrals.factories import EstablishmentFactory, ReferralFactory, commission_member
from tests.utils import enrol_totp


def test_officer_downloads_the_certificate_and_the_clerk_verifies_it(
    page, browser, live_server, assert_accessible
):
    augustins = EstablishmentFactory(
        title="CHRS Les Augustins", street="3 rue des Augustins", postcode="80000", city="Amiens"
    )
    head = commission_member(augustins, InternalRole.Role.HEAD)
    referral = ReferralFactory(
        target=augustins,
        commission=head,
        accepted=True,
        planned_admission_date=timezone.localdate() + timedelta(days=14),
        first_name="Dylan",
        last_name="Lemaire",
    )

    # 1. The officer prints the receipt for the person (its second page: the decision).
    sign_in(page, referral.officer.email)
    page.goto(f"/orientations/{referral.pk}/")
    documents = page.get_by_role("region", name="Documents à remettre")
    documents.get_by_role("link", name="Récépissé pour la personne").click()
    expect(page.get_by_role("heading", name="Votre demande d'accueil à L'Îlot")).to_be_visible()
    expect(page.get_by_text(referral.reference, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="La décision")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Retour à la demande").click()

    # 2. They download the housing certificate: a PDF naming the place and its verification URL.
    with page.expect_download() as info:
        page.get_by_role("link", name="Attestation d'hébergement pour le juge (PDF)").click()
    download = info.value
    assert download.suggested_filename == f"attestation-hebergement-{referral.reference}.pdf"
    with open(download.path(), "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    assert len(reader.pages) == 1
    content = " ".join(reader.pages[0].extract_text().split())
    assert "CHRS Les Augustins" in content and "3 rue des Augustins" in content
    url = re.search(r"https?://\S+/attestations/[A-Za-z0-9_-]+/", content.replace(" /", "/"))
    assert url, content
    # The PDF's URL is on SITE_URL; the clerk opens the same path on this test server.
    path = urlsplit(url.group(0)).path

    # 3. The clerk, without an account, opens it: valid, and nothing about the person.
    clerk = new_page(browser, live_server)
    clerk.goto(path)
    expect(clerk.get_by_text("Cette attestation est valable.")).to_be_visible()
    expect(clerk.get_by_text(referral.reference, exact=True)).to_be_visible()
    assert "Lemaire" not in clerk.content()
    assert_accessible(clerk)

    # 4. The commission cancels the admission: the same URL now says it is no longer valid.
    head_page = new_page(browser, live_server)
    sign_in(head_page, head.user.email, enrol_totp(head.user))  # internal staff: MFA
    head_page.goto(f"/orientations/{referral.pk}/")
    head_page.get_by_role("link", name="Annuler l'admission").click()
    head_page.get_by_label("Motif").select_option("maintien_detention")
    head_page.get_by_role("button", name="Annuler l'admission").click()
    expect(head_page.get_by_text("Annulée").first).to_be_visible()

    clerk.reload()
    expect(clerk.get_by_text("Cette attestation n'est plus valable.")).to_be_visible()
    assert_accessible(clerk)
    clerk.goto("/attestations/contrefaite/")
    expect(clerk.get_by_text("Attestation inconnue.")).to_be_visible()
