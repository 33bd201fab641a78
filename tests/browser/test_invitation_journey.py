import re

from django.core import mail
from playwright.sync_api import expect

from accounts import invitations
from tests.factories import PASSWORD, MembershipFactory


def test_invited_partner_sets_a_password_and_lands_in_their_organisation(page, assert_accessible):
    admin = MembershipFactory(admin=True, organisation__name="SPIP de la Somme")
    invitations.invite(
        organisation=admin.organisation,
        email="karim.benali@spip80.test",
        role="member",
        invited_by=admin.user,
    )
    link = re.search(r"https?://[^/\s]+(/invitation/\S+)", mail.outbox[-1].body).group(1)

    page.goto(link)
    expect(page.get_by_role("heading", name="Créer votre compte")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Prénom").fill("Karim")
    page.get_by_role("textbox", name="Nom (obligatoire)", exact=True).fill("Benali")
    page.get_by_label("Mot de passe (obligatoire)", exact=True).fill("une phrase de passe solide")
    page.get_by_label("Confirmez le mot de passe").fill("une phrase de passe solide")
    page.get_by_role("button", name="Créer mon compte").click()

    expect(page).to_have_url(re.compile(r"/espace/$"))
    expect(page.get_by_role("heading", name="Bonjour Karim Benali")).to_be_visible()
    expect(page.get_by_role("heading", name="SPIP de la Somme")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)

    # Sign out (a POST), then sign in again by email.
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto("/compte/login/")
    page.locator("input[name=login]").fill("karim.benali@spip80.test")
    page.locator("input[name=password]").fill("une phrase de passe solide")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="SPIP de la Somme")).to_be_visible()

    # The link was single-use.
    page.goto(link)
    expect(page.get_by_text("déjà été utilisée")).to_be_visible()


def test_login_page_is_accessible(page, assert_accessible):
    MembershipFactory()
    page.goto("/compte/login/")
    assert_accessible(page)
    assert PASSWORD  # the shared factory password signs in (see test_accounts)
