import re

from playwright.sync_api import expect

from tests.factories import InvitationFactory, MembershipFactory
from tests.proconnect_provider import agent_claims


def only_local_requests(page):
    """Nothing leaves the machine: the portal and the local ProConnect are on the loopback."""
    page.route(
        re.compile(r"^https?://(?!(localhost|127\.0\.0\.1)[:/])"), lambda route: route.abort()
    )


def test_invited_officer_signs_in_with_proconnect_and_out_of_both(
    page, assert_accessible, proconnect
):
    member = MembershipFactory(
        organisation__name="SPIP de la Somme",
        organisation__siret="13000999900017",
        user__first_name="Karim",
        user__last_name="Benali",
        user__email="karim.benali@justice.test",
    )
    InvitationFactory(
        email=member.user.email,
        organisation=member.organisation,
        accepted=True,
        accepted_by=member.user,
    )
    proconnect.add_user(
        "karim", **agent_claims("karim.benali@justice.test", siret="13000999900017")
    )
    only_local_requests(page)

    page.goto("/compte/login/")
    expect(page.get_by_role("link", name="Qu’est-ce que ProConnect ?")).to_have_attribute(
        "href", "https://proconnect.gouv.fr/"
    )
    assert_accessible(page)
    page.get_by_role("button", name="S’identifier avec ProConnect").click()

    # At ProConnect (the local provider): the officer signs in there.
    expect(page).to_have_url(re.compile(re.escape(proconnect.url) + r"/oauth2/authorize\?"))
    page.get_by_placeholder("sub").fill("karim")
    page.get_by_role("button", name="Authorize").click()

    expect(page).to_have_url(re.compile(r"/espace/$"))
    expect(page.get_by_role("heading", name="Bonjour Karim Benali")).to_be_visible()
    expect(page.get_by_role("heading", name="SPIP de la Somme")).to_be_visible()
    assert "karim" in proconnect.sessions

    page.goto("/compte/proconnect/")
    expect(
        page.get_by_text("Compte ProConnect karim.benali@justice.test, relié le")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Connexion avec ProConnect")).to_be_visible()
    assert_accessible(page)

    # Signing out of the portal ends the ProConnect session too.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Votre session ProConnect est terminée.")).to_be_visible()
    assert "karim" not in proconnect.sessions
    assert proconnect.ended[0]["sub"] == "karim"

    # Someone ProConnect knows but the portal does not: told to ask for an invitation.
    page.goto("/compte/login/")
    page.get_by_role("button", name="S’identifier avec ProConnect").click()
    page.get_by_placeholder("sub").fill("inconnu@justice.test")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", name="Connexion avec ProConnect impossible")).to_be_visible()
    expect(page.get_by_text("demandez à l'administrateur de votre organisation")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Se connecter avec un mot de passe").click()
    expect(page.get_by_role("heading", name="Connexion à l'espace partenaires")).to_be_visible()
