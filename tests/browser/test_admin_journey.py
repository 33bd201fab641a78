"""An editor's work in Wagtail's admin under the Content-Security-Policy: the page editor loads,
its scripts run (the policy's admin relaxations are enough) and a draft is saved. Any
violation reported on the console fails the journey (tests/browser/conftest.py)."""

from playwright.sync_api import expect

from tests.factories import PASSWORD, EstablishmentPageFactory, UserFactory
from tests.utils import enrol_totp, totp_code


def test_editor_changes_an_establishment_page_in_the_admin(page):
    superuser = UserFactory(email="superadmin@ilot.test", is_superuser=True, is_staff=True)
    secret = enrol_totp(superuser)  # a superuser must use MFA
    establishment = EstablishmentPageFactory(title="CHRS Chemin Vert")

    page.goto("/compte/login/?next=/admin/")
    page.locator("input[name=login]").fill("superadmin@ilot.test")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    expect(page.locator("#wagtail")).to_be_visible()

    page.goto(f"/admin/pages/{establishment.pk}/edit/")
    title = page.locator("#id_title")
    expect(title).to_have_value("CHRS Chemin Vert")
    # The editor's scripts ran: the tabs and the StreamField's blocks are interactive.
    page.get_by_role("tab", name="Promotion").click()
    expect(page.locator("#id_slug")).to_be_visible()
    page.get_by_role("tab", name="Contenu").click()
    title.fill("CHRS Chemin Vert — accueil")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".messages")).to_contain_text("CHRS Chemin Vert — accueil")
    establishment.refresh_from_db()
    assert establishment.get_latest_revision_as_object().title == "CHRS Chemin Vert — accueil"

    page.goto("/django-admin/")
    expect(page.locator("#site-name")).to_be_visible()
