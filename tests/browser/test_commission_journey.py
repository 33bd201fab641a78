import re

from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import InternalRole
from tests.factories import PASSWORD
from tests.referrals.factories import (
    CommissionSessionFactory,
    EstablishmentFactory,
    ReferralFactory,
    commission_member,
)
from tests.utils import enrol_totp, totp_code


def sign_in(page, email, totp_secret=None):
    """The password, then (L'Îlot's team must use MFA) the code of their authenticator app."""
    page.goto("/compte/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    if totp_secret:
        page.locator("input[name=code]").fill(totp_code(totp_secret))
        page.locator("input[name=code]").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("^Bonjour"))).to_be_visible()


def new_page(browser: Browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    return context.new_page()


def test_a_whole_commission_from_information_request_to_arrival(
    page, browser, live_server, assert_accessible
):
    passerelle = EstablishmentFactory(
        title="CHU La Passerelle", referral_types=["sortie_seche"], publics=["hommes_seuls"]
    )
    member = commission_member(passerelle)
    head = commission_member(passerelle, InternalRole.Role.HEAD)
    session = CommissionSessionFactory(establishment=passerelle, date=timezone.localdate())
    referral = ReferralFactory(
        target=passerelle,
        submitted=True,
        referral_type="sortie_seche",
        judicial_situation="fin_de_peine",
        last_name="Lemaire",
        first_name="Dylan",
    )
    officer_page = new_page(browser, live_server)
    sign_in(officer_page, referral.officer.email)

    # 1. A commission member asks for more information.
    sign_in(page, member.user.email, enrol_totp(member.user))
    page.get_by_role("navigation", name="Espace partenaires").get_by_role(
        "link", name="Commission"
    ).click()
    expect(page.get_by_role("heading", name="File de la commission")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=referral.reference).click()
    page.get_by_role("link", name="Demander des informations").click()
    page.get_by_label("Informations demandées au partenaire").fill(
        "Pouvez-vous confirmer la date de levée d'écrou ?"
    )
    page.get_by_role("button", name="Envoyer la demande d'informations").click()
    expect(page.get_by_text("Demande d'informations envoyée au partenaire.")).to_be_visible()

    # 2. The officer answers.
    officer_page.goto(f"/orientations/{referral.pk}/")
    expect(officer_page.get_by_text("La commission attend votre réponse.")).to_be_visible()
    officer_page.get_by_role("link", name="Répondre à la demande d'informations").first.click()
    officer_page.get_by_label("Votre réponse à la commission").fill(
        "Levée d'écrou confirmée pour la date prévue."
    )
    officer_page.get_by_role("button", name="Envoyer la réponse").click()
    expect(officer_page.get_by_text("la demande revient à la commission")).to_be_visible()

    # 3. The member schedules it for the session.
    page.reload()
    expect(page.get_by_text("Levée d'écrou confirmée pour la date prévue.").first).to_be_visible()
    page.get_by_role("link", name="Inscrire en commission").click()
    page.get_by_label("Séance de commission").select_option(str(session.pk))
    page.get_by_role("button", name="Inscrire à cette séance").click()
    expect(page.get_by_text("Demande inscrite à l'ordre du jour.")).to_be_visible()

    # 4. The head accepts it in the session.
    head_page = new_page(browser, live_server)
    sign_in(head_page, head.user.email, enrol_totp(head.user))
    head_page.goto(f"/commission/seances/{session.pk}/")
    expect(head_page.get_by_role("cell", name=referral.reference, exact=True)).to_be_visible()
    assert_accessible(head_page)
    head_page.get_by_role("link", name=f"Favorable — {referral.reference}", exact=True).click()
    head_page.get_by_label("Date d'admission prévue").fill(timezone.localdate().isoformat())
    head_page.get_by_label("Type de place").select_option("urgence")
    head_page.get_by_label("Séance de commission").select_option(str(session.pk))
    head_page.get_by_role("button", name="Rendre un avis favorable").click()
    expect(head_page.get_by_text("Avis favorable enregistré")).to_be_visible()

    # 5. Later, the head records the arrival.
    head_page.get_by_role("link", name="Enregistrer l'arrivée").click()
    head_page.get_by_role("button", name="Enregistrer l'arrivée").click()
    expect(head_page.get_by_text("Arrivée enregistrée.")).to_be_visible()

    # 6. The officer sees each step in the timeline.
    officer_page.goto(f"/orientations/{referral.pk}/")
    timeline = officer_page.get_by_role("region", name="Historique")
    for step in [
        "Informations demandées",
        "Réponse envoyée à la commission",
        "Inscrite en commission",
        "Avis favorable — admission prévue le",
        "Arrivée",
    ]:
        expect(timeline).to_contain_text(step)
    expect(officer_page.get_by_text("Favorable", exact=True)).to_be_visible()
    assert_accessible(officer_page)
