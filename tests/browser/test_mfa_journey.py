"""An organisation admin who has not set up MFA signs in: every page sends them to the MFA
setup until their authenticator app is activated (accounts.security)."""

import re

from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.factories import PASSWORD, MembershipFactory
from tests.utils import totp_code


def test_an_admin_sets_up_mfa_before_anything_else(page, assert_accessible):
    admin = MembershipFactory(admin=True, organisation__name="SPIP de la Somme")
    page.goto("/compte/login/")
    page.locator("input[name=login]").fill(admin.user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page).to_have_url(re.compile(r"/compte/2fa/$"))
    expect(page.get_by_text("Votre rôle exige la double authentification")).to_be_visible()
    assert_accessible(page)
    for elsewhere in ("/espace/", "/orientations/", "/admin/", "/django-admin/"):
        page.goto(elsewhere)
        expect(page).to_have_url(re.compile(r"/compte/2fa/$"))

    page.goto("/compte/2fa/totp/activate/")
    page.locator("input[name=password]").fill(PASSWORD)  # MFA's pages ask for it again
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(re.compile(r"/compte/2fa/totp/activate/$"))
    assert_accessible(page)
    secret = page.locator("input#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/totp/activate/"))
    assert Authenticator.objects.filter(user=admin.user, type="totp").exists()

    page.goto("/espace/")
    expect(page.get_by_role("heading", name="SPIP de la Somme")).to_be_visible()
