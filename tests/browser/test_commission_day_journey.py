"""The commission's day in a browser (issue 12): schedule → decide in the session → print the
frozen agenda and the decision record → arrival → departure with a positive exit → the
occupancy in the queue changes; a failed submit focuses the error summary; the queue fits a
phone. Axe checks on each new or changed page."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import InternalRole
from cms.models import EstablishmentPlace
from tests.browser.test_commission_journey import new_page, sign_in
from tests.referrals.factories import (
    CommissionSessionFactory,
    EstablishmentFactory,
    ReferralFactory,
    commission_member,
)
from tests.utils import enrol_totp


def occupied(page, establishment, place_type="insertion"):
    row = page.locator(
        f'tr[data-establishment="{establishment.pk}"][data-place-type="{place_type}"]'
    )
    return row.locator("[data-occupied]")


def test_schedule_decide_print_arrive_leave_and_occupancy(
    page, browser, live_server, assert_accessible
):
    today = timezone.localdate()
    chemin_vert = EstablishmentFactory(
        title="CHRS Chemin Vert", referral_types=["pse"], publics=["hommes_seuls"]
    )
    EstablishmentPlace.objects.create(page=chemin_vert, place_type="insertion", count=3)
    member = commission_member(chemin_vert)
    head = commission_member(chemin_vert, InternalRole.Role.HEAD)
    session = CommissionSessionFactory(establishment=chemin_vert, date=today)
    session.members_present.set([head.user, member.user])
    CommissionSessionFactory(establishment=chemin_vert, date=today + timedelta(days=14))
    referral = ReferralFactory(
        target=chemin_vert, submitted=True, last_name="Garnier", first_name="Yanis"
    )

    # 1. The member schedules it: the form proposes the next session, named with its
    #    establishment.
    sign_in(page, member.user.email, enrol_totp(member.user))
    page.goto(f"/orientations/{referral.pk}/")
    page.get_by_role("link", name="Inscrire en commission").click()
    expect(page).to_have_url(re.compile("/inscrire-en-commission/$"))
    session_select = page.get_by_label("Séance de commission")
    expect(session_select).to_have_value(str(session.pk))
    expect(session_select.locator("option:checked")).to_contain_text("CHRS Chemin Vert")
    assert_accessible(page)
    page.get_by_role("button", name="Inscrire à cette séance").click()
    expect(page.get_by_text("Demande inscrite à l'ordre du jour.")).to_be_visible()

    # 2. The head decides in the session; a first try without a date shows the error summary,
    #    focused, whose link leads to the field.
    head_page = new_page(browser, live_server)
    sign_in(head_page, head.user.email, enrol_totp(head.user))
    head_page.goto(f"/commission/seances/{session.pk}/")
    head_page.get_by_role("link", name=f"Favorable — {referral.reference}", exact=True).click()
    expect(head_page.get_by_label("Séance de commission")).to_have_value(str(session.pk))
    place_options = head_page.get_by_label("Type de place").locator("option")
    expect(place_options).to_have_count(1)
    head_page.get_by_label("Date d'admission prévue").fill("")
    head_page.get_by_role("button", name="Rendre un avis favorable").click()
    summary = head_page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert_accessible(head_page)
    summary.get_by_role("link", name=re.compile("Date d'admission prévue")).click()
    expect(head_page.get_by_label("Date d'admission prévue")).to_be_focused()
    head_page.get_by_label("Date d'admission prévue").fill(today.isoformat())
    head_page.get_by_role("button", name="Rendre un avis favorable").click()
    expect(head_page.get_by_text("Avis favorable enregistré")).to_be_visible()

    # 3. The sessions; the printable agenda still lists it, with the decision; the decision
    #    record says who decided, with the members present.
    head_page.goto("/commission/seances/")
    expect(head_page.get_by_role("heading", name="À venir")).to_be_visible()
    assert_accessible(head_page)
    head_page.goto(f"/commission/seances/{session.pk}/ordre-du-jour/")
    expect(head_page.get_by_role("cell", name=referral.reference)).to_be_visible()
    expect(head_page.get_by_text("Aucune demande à l'ordre du jour")).to_have_count(0)
    expect(head_page.locator("table")).to_contain_text("Avis favorable")
    assert_accessible(head_page)
    head_page.goto(f"/commission/seances/{session.pk}/releve-de-decisions/")
    expect(head_page.locator("table")).to_contain_text(referral.reference)
    expect(head_page.locator("table")).to_contain_text(str(head.user))
    expect(head_page.get_by_text("Membres présents")).to_contain_text(str(member.user))
    assert_accessible(head_page)

    # 4. The queue shows the place awaited; the arrival occupies it.
    head_page.goto("/commission/")
    expect(occupied(head_page, chemin_vert)).to_have_text("0")
    head_page.goto(f"/orientations/{referral.pk}/")
    head_page.get_by_role("link", name="Enregistrer l'arrivée").click()
    head_page.get_by_role("button", name="Enregistrer l'arrivée").click()
    expect(head_page.get_by_text("Arrivée enregistrée.")).to_be_visible()
    head_page.goto("/commission/")
    expect(occupied(head_page, chemin_vert)).to_have_text("1")
    assert_accessible(head_page)

    # 5. The departure, with a positive exit, frees it; the partner sees it in the timeline.
    head_page.goto(f"/orientations/{referral.pk}/")
    head_page.get_by_role("link", name="Enregistrer la sortie de l'établissement").click()
    expect(head_page).to_have_url(re.compile("/enregistrer-la-sortie/$"))
    head_page.get_by_label("Date de sortie de l'établissement").fill(today.isoformat())
    head_page.get_by_label("Type de sortie").select_option("logement_autonome")
    head_page.get_by_label("En emploi à la sortie").check()
    head_page.get_by_label("La mesure a-t-elle été menée à son terme ?").select_option("oui")
    assert_accessible(head_page)
    head_page.get_by_role("button", name="Enregistrer la sortie").click()
    expect(head_page.get_by_text("Sortie enregistrée")).to_be_visible()
    head_page.goto("/commission/")
    expect(occupied(head_page, chemin_vert)).to_have_text("0")
    head_page.goto("/commission/sejours/")
    expect(head_page.get_by_text("Personne n'est enregistré comme présent.")).to_be_visible()
    assert_accessible(head_page)

    officer_page = new_page(browser, live_server)
    sign_in(officer_page, referral.officer.email)
    officer_page.goto(f"/orientations/{referral.pk}/")
    expect(officer_page.get_by_role("region", name="Historique")).to_contain_text(
        "Séjour terminé — sortie le"
    )
    expect(officer_page.get_by_text("sortie positive")).to_be_visible()
    assert_accessible(officer_page)


def test_the_queue_on_a_phone_and_an_arrival_without_referral(
    browser, live_server, site_tree, assert_accessible
):
    chemin_vert = EstablishmentFactory(title="CHRS Chemin Vert", referral_types=["pse"])
    EstablishmentPlace.objects.create(page=chemin_vert, place_type="insertion", count=3)
    head = commission_member(chemin_vert, InternalRole.Role.HEAD)
    for name in ("Anquetil-Bonnefoy-Delacroix", "Martin"):
        ReferralFactory(target=chemin_vert, submitted=True, last_name=name)
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 375, "height": 800}
    )
    phone = context.new_page()
    sign_in(phone, head.user.email, enrol_totp(head.user))
    phone.goto("/commission/")
    expect(phone.get_by_role("heading", name="Nouvelles demandes")).to_be_visible()
    scroll = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 375, f"horizontal scroll on a phone: {scroll}px"
    item = phone.locator(".queue-item").first
    expect(item).to_contain_text("Sortie de détention")
    box = item.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert_accessible(phone)

    phone.goto("/commission/sejours/")
    phone.get_by_role("link", name="Enregistrer une arrivée sans orientation").click()
    phone.get_by_label("Type de place").select_option("insertion")
    phone.get_by_label("Date d'arrivée").fill(
        (timezone.localdate() - timedelta(days=200)).isoformat()
    )
    phone.get_by_label("Année de naissance").fill("1978")
    assert_accessible(phone)
    phone.get_by_role("button", name="Enregistrer l'arrivée sans orientation").click()
    expect(phone.get_by_text("Arrivée sans orientation enregistrée.")).to_be_visible()
    expect(phone.get_by_text("Arrivée sans orientation").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(phone)
    phone.goto("/commission/")
    expect(occupied(phone, chemin_vert)).to_have_text("1")
    context.close()
