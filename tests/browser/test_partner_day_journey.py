"""The partner's day in the browser: what needs action on the home page, unread markers,
answering an information request, phone-width layouts, duplicates and reassignment pages."""

import re

from playwright.sync_api import expect

from accounts.models import Membership
from referrals.models import Referral
from tests.browser.test_commission_journey import sign_in
from tests.factories import MembershipFactory
from tests.referrals.factories import EstablishmentFactory, ReferralFactory
from tests.utils import enrol_totp

PHONE = {"width": 375, "height": 740}


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_officer_sees_the_information_request_at_home_opens_and_answers_it(page, assert_accessible):
    chemin_vert = EstablishmentFactory(title="CHRS Chemin Vert")
    officer = MembershipFactory(organisation__name="SPIP de Paris")
    referral = ReferralFactory(
        membership=officer, target=chemin_vert, info_requested=True, last_name="Keita"
    )
    sign_in(page, officer.user.email)

    # Home: the badge in the header and the item, with its count and a link.
    page.goto("/espace/")
    badge = page.locator("#work-badge")
    expect(badge).to_contain_text("2")  # the request, and its message unread
    item = page.locator("#travail-info")
    expect(item).to_contain_text("1 demande(s) d'informations attendent votre réponse")
    assert_accessible(page)

    # The list marks it unread.
    page.get_by_role("navigation", name="Espace partenaires").get_by_role(
        "link", name="Orientations"
    ).click()
    row = page.get_by_role("row", name=re.compile(referral.reference))
    expect(row.locator(".new-marker")).to_be_visible()

    # Opening it marks it seen; "what happens next" says who must act.
    page.goto("/espace/")
    item.get_by_role("link", name=re.compile(referral.reference)).click()
    expect(page.get_by_text("Du nouveau", exact=True)).to_be_visible()
    next_step = page.get_by_role("region", name="Et maintenant ?")
    expect(next_step).to_contain_text("Répondre à la demande d'informations de la commission.")
    expect(next_step).to_contain_text("Vous (votre organisation)")
    assert_accessible(page)
    page.get_by_role("navigation", name="Espace partenaires").get_by_role(
        "link", name="Orientations"
    ).click()
    expect(
        page.get_by_role("row", name=re.compile(referral.reference)).locator(".new-marker")
    ).to_have_count(0)

    # Answer it: the item and the badge go.
    page.get_by_role("link", name=referral.reference, exact=True).click()
    page.get_by_role("link", name="Répondre à la demande d'informations").first.click()
    page.get_by_label("Votre réponse à la commission").fill("L'audience est fixée au 12.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("la demande revient à la commission")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == "submitted"
    page.goto("/espace/")
    expect(page.locator("#travail-info")).to_contain_text("0 demande(s)")
    expect(page.locator("#work-badge")).to_have_count(0)


def test_phone_width_lists_and_members_page_do_not_overflow(page, assert_accessible):
    chemin_vert = EstablishmentFactory(title="Centre d'hébergement et de réinsertion sociale")
    admin = MembershipFactory(
        organisation__name="Service pénitentiaire d'insertion et de probation de la Somme",
        role=Membership.Role.ADMIN,
        user__email="administratrice.du.service.de.la.somme@justice.exemple.gouv.fr",
    )
    for _ in range(3):
        MembershipFactory(organisation=admin.organisation)
        ReferralFactory(membership=admin, target=chemin_vert, submitted=True)
    page.set_viewport_size(PHONE)
    sign_in(page, admin.user.email, enrol_totp(admin.user))

    page.goto("/orientations/")
    # One card per referral, its cells labelled (the labels are read out too).
    card = page.get_by_role(
        "row", name=re.compile(r"Établissement : Centre d'hébergement.*Statut : Transmise")
    ).first
    expect(card).to_be_visible()
    assert card.bounding_box()["width"] <= PHONE["width"]
    assert fits_the_width(page)
    assert_accessible(page)

    page.goto(f"/organisations/{admin.organisation_id}/membres/")
    expect(page.get_by_role("heading", name=re.compile("Membres de"))).to_be_visible()
    assert fits_the_width(page)
    assert_accessible(page)

    page.goto("/espace/")
    assert fits_the_width(page)


def test_duplicate_warning_and_reassignment_pages(page, assert_accessible):
    chemin_vert = EstablishmentFactory(title="CHRS Chemin Vert", phone="01 23 45 67 89")
    admin = MembershipFactory(organisation__name="SPIP de Paris", role=Membership.Role.ADMIN)
    colleague = MembershipFactory(organisation=admin.organisation)
    existing = ReferralFactory(
        membership=colleague, target=chemin_vert, submitted=True, last_name="Keïta-Diallo"
    )
    sign_in(page, admin.user.email, enrol_totp(admin.user))

    # Reassign the colleague's referral to the admin.
    page.goto(f"/orientations/reattribuer/?de={colleague.user_id}")
    expect(page.get_by_label(re.compile(existing.reference))).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Nouveau professionnel référent").select_option(
        label=f"{admin.user} ({admin.user.email})"
    )
    page.get_by_role("button", name="Réattribuer les demandes cochées").click()
    expect(page.get_by_text("1 demande(s) réattribuée(s)")).to_be_visible()
    existing.refresh_from_db()
    assert existing.officer == admin.user

    # The same person again: warned, with a link to the organisation's own request.
    page.goto("/orientations/nouvelle/")
    page.get_by_label("Prénom").fill(existing.first_name.upper())
    page.get_by_role("textbox", name="Nom (obligatoire)", exact=True).fill("keita diallo")
    page.get_by_label("Date de naissance").fill(existing.birth_date.isoformat())
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    warning = page.locator("#doublon")
    expect(warning).to_contain_text("Cette personne a peut-être déjà une demande en cours")
    expect(warning.get_by_role("link", name=existing.reference)).to_be_visible()
    assert_accessible(page)
    assert Referral.objects.count() == 1

    # The printable version of the referral.
    page.goto(f"/orientations/{existing.pk}/imprimer/")
    expect(page.get_by_role("heading", name=re.compile(existing.reference))).to_be_visible()
    assert_accessible(page)
