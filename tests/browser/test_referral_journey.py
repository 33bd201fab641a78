import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import InternalRole
from referrals import workflow
from referrals.models import Referral
from referrals.permissions import Actor
from tests.core.test_uploads import pdf as real_pdf
from tests.factories import PASSWORD, MembershipFactory
from tests.referrals.factories import EstablishmentFactory, commission_member


def sign_in(page, email):
    page.goto("/compte/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_officer_refers_a_pse_to_chemin_vert_and_answers_the_commission(
    page, assert_accessible, tmp_path
):
    chemin_vert = EstablishmentFactory(
        title="CHRS Chemin Vert", referral_types=["pse", "sortie_seche"], publics=["hommes_seuls"]
    )
    member = commission_member(chemin_vert)
    officer = MembershipFactory(organisation__name="SPIP de Paris")
    sign_in(page, officer.user.email)

    page.get_by_role("navigation", name="Espace partenaires").get_by_role(
        "link", name="Orientations"
    ).click()
    page.get_by_role("link", name="Nouvelle orientation").click()
    expect(page.get_by_role("heading", name="Nouvelle orientation")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Prénom").fill("Mamadou")
    page.get_by_role("textbox", name="Nom (obligatoire)", exact=True).fill("Keita")
    page.get_by_label("Date de naissance").fill("1987-03-14")
    page.get_by_label("Homme", exact=True).check()
    page.get_by_label("Où se trouve la personne").select_option("prison")
    page.get_by_label("Précision sur le lieu").fill("Centre pénitentiaire de Fresnes")
    page.get_by_label("Situation judiciaire").select_option("ddse")
    release = (timezone.localdate() + timedelta(days=21)).isoformat()
    page.get_by_label("Date de sortie ou de début de mesure prévue").fill(release)
    page.get_by_label("Type de demande").select_option("ddse")
    page.get_by_label("Établissement ou programme").select_option(label="CHRS Chemin Vert")
    expect(page.locator("#target-info")).to_contain_text("Hommes seuls")
    page.get_by_label("Adresse d'hébergement pour une mesure (DDSE, LSC, SL…)").check()
    page.get_by_label("Recherche d'emploi").check()
    page.get_by_label("Maintenir des liens existants").check()
    page.get_by_label("Souhaits de la personne").fill("Travailler en cuisine.")
    page.get_by_label("La personne a donné son accord").check()
    page.get_by_label("Date de l'accord").fill(timezone.localdate().isoformat())
    page.get_by_label("Oralement, en entretien").check()
    page.get_by_role("button", name="Enregistrer le brouillon").click()

    expect(page.get_by_text("Brouillon", exact=True)).to_be_visible()
    referral = Referral.objects.get()
    assert "Keita" not in page.url and str(referral.pk) in page.url

    pdf = tmp_path / "decision-jap.pdf"
    pdf.write_bytes(real_pdf())  # checked on its whole content: it must be a real PDF
    page.get_by_label("Fichier").set_input_files(str(pdf))
    page.get_by_role("button", name="Ajouter le document").click()
    expect(page.get_by_role("link", name="decision-jap.pdf")).to_be_visible()

    page.get_by_role("button", name="Transmettre à la commission").click()
    expect(page.get_by_text("Demande transmise à la commission")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Espace partenaires").get_by_role(
        "link", name="Orientations"
    ).click()
    row = page.get_by_role("row", name=re.compile(referral.reference))
    expect(row).to_contain_text("KEITA Mamadou")
    expect(row).to_contain_text("Transmise")
    assert_accessible(page)

    # The commission asks for more information (its screens are the commission's issue).
    workflow.perform(
        referral,
        "request_info",
        Actor.for_membership(member.user, member),
        message="Pouvez-vous préciser la date d'audience du JAP ?",
    )
    page.reload()
    expect(page.get_by_role("heading", name="En attente de votre réponse")).to_be_visible()
    page.get_by_role("link", name=re.compile(referral.reference)).first.click()
    expect(
        page.get_by_text("Pouvez-vous préciser la date d'audience du JAP ?").first
    ).to_be_visible()
    page.get_by_role("link", name="Répondre à la demande d'informations").first.click()
    page.get_by_label("Votre réponse à la commission").fill("L'audience est fixée au 12 du mois.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("la demande revient à la commission")).to_be_visible()
    expect(page.get_by_text("Réponse envoyée à la commission")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == "submitted"
    assert InternalRole.objects.filter(membership=member).exists()
