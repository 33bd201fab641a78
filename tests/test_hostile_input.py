"""Input an attacker (or a buggy partner system) sends: never a server error, always a clear
4xx or a French form error, and nothing stored."""

import uuid

import pytest
from django.urls import reverse
from wagtail.models import APIToken

from referrals.models import Message, Referral
from tests.factories import MembershipFactory, home_page
from tests.referrals.factories import EstablishmentFactory, ReferralFactory
from tests.referrals.test_partner_views import form_data
from tests.utils import login, text

pytestmark = pytest.mark.django_db

HUGE = str(2**63)  # past PostgreSQL's bigint: "bigint out of range" if it reached the database


def bearer(user) -> dict:
    _token, plaintext = APIToken.create_token(user=user, name="Logiciel")
    return {"Authorization": f"Bearer {plaintext}"}


def test_a_creation_key_already_used_by_another_organisation(client):
    target = EstablishmentFactory()
    key = uuid.uuid4()
    ReferralFactory(target=target, creation_key=key)  # another organisation's draft
    officer = MembershipFactory()
    login(client, officer.user)
    response = client.post(reverse("referrals:create"), form_data(target, creation_key=str(key)))
    assert response.status_code == 200
    assert "Ce formulaire a déjà servi" in text(response)
    assert not Referral.objects.filter(organisation=officer.organisation).exists()
    # The form comes back with a fresh key: sending it again creates the draft.
    fresh = response.context["form"]["creation_key"].value()
    assert str(fresh) != str(key)
    again = client.post(reverse("referrals:create"), form_data(target, creation_key=str(fresh)))
    assert again.status_code == 302
    assert Referral.objects.filter(organisation=officer.organisation).count() == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("messages", {"body": "Bonjour\x00"}),
        ("withdraw", {"reason": "autre_solution", "comment": "a\x00b"}),
    ],
)
def test_a_nul_byte_in_the_api_is_a_422(client, path, body):
    officer = MembershipFactory()
    referral = ReferralFactory(membership=officer, submitted=True)
    response = client.post(
        f"/api/orientations/v1/referrals/{referral.pk}/{path}",
        body,
        content_type="application/json",
        headers=bearer(officer.user),
    )
    assert response.status_code == 422
    assert "caractère nul" in response.json()["errors"][next(iter(body.keys() - {"reason"}))][0]
    assert not Message.objects.exists()
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_a_nul_byte_in_an_api_draft_or_search_is_a_422(client):
    officer = MembershipFactory()
    headers = bearer(officer.user)
    response = client.get("/api/orientations/v1/referrals", {"q": "Dupont\x00"}, headers=headers)
    assert response.status_code == 422
    response = client.post(
        "/api/orientations/v1/referrals",
        {"first_name": "A\x00", "last_name": "B"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422


def test_a_nul_byte_in_portal_forms_is_a_form_error(client):
    officer = MembershipFactory()
    referral = ReferralFactory(membership=officer, submitted=True)
    login(client, officer.user)
    response = client.post(
        reverse("referrals:message", args=[referral.pk]), {"body": "Bon\x00jour"}, follow=True
    )
    assert response.status_code == 200
    assert not Message.objects.exists()
    target = EstablishmentFactory()
    response = client.post(reverse("referrals:create"), form_data(target, wishes="x\x00y"))
    assert response.status_code == 200
    assert "caractère nul n’est pas autorisé" in text(response)


@pytest.mark.parametrize("parameter", ["offset", "limit"])
def test_huge_offsets_and_limits_are_a_clear_4xx(client, parameter):
    home_page()
    officer = MembershipFactory()
    partner = client.get(
        "/api/orientations/v1/referrals", {parameter: HUGE}, headers=bearer(officer.user)
    )
    assert partner.status_code == 422
    assert partner.json()["errors"][parameter]
    for path in [
        "/api/v3/pages/",
        "/api/v3/redirects/",
        "/api/v3/images/",
        "/api/v3/site/search/",
        "/api/v3/site/glossary/",
        "/api/v3/site/key-figures/",
    ]:
        params = {parameter: HUGE, **({"q": "foyer"} if "search" in path else {})}
        response = client.get(path, params)
        assert response.status_code in (400, 422), (path, response.status_code)
