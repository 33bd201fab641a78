"""Statistics in the browser: management reads the yearly page (charts with their tables),
picks a date range, then a partner reads its own statistics; axe checks on both pages."""

import re
from datetime import date

from playwright.sync_api import expect

from tests.browser.test_commission_journey import new_page, sign_in
from tests.factories import MembershipFactory
from tests.referrals.factories import (
    EstablishmentFactory,
    ReferralFactory,
    StayFactory,
    management_member,
)
from tests.utils import enrol_totp


def test_statistics_pages(page, browser, live_server, assert_accessible):
    establishment = EstablishmentFactory(title="CHU La Passerelle")
    partner = MembershipFactory(organisation__name="SPIP de la Somme")
    for index in range(6):
        ReferralFactory(
            membership=partner,
            target=establishment,
            status="arrived" if index % 2 else "declined",
        )
    StayFactory(establishment=establishment, arrival_date=date(2024, 2, 1))
    management = management_member()

    sign_in(page, management.user.email, enrol_totp(management.user))
    page.goto("/commission/bilan/")
    expect(page.get_by_role("heading", name=re.compile("^CHU La Passerelle"))).to_be_visible()
    expect(page.get_by_role("img", name="De la demande à l'arrivée").first).to_be_visible()
    page.get_by_text("Les chiffres du graphique").first.click()
    expect(page.get_by_role("heading", name="Définitions")).to_be_visible()
    assert_accessible(page)

    page.locator("#id_start").fill("2024-05-01")
    page.locator("#id_end").fill("2024-04-01")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_text("précède son début")).to_be_visible()

    partner_page = new_page(browser, live_server)
    sign_in(partner_page, partner.user.email)
    partner_page.get_by_role("link", name="Statistiques de nos orientations").click()
    expect(partner_page.get_by_text("« < 5 »")).to_be_visible()
    expect(partner_page.get_by_role("rowheader", name="CHU La Passerelle").first).to_be_visible()
    assert_accessible(partner_page)
