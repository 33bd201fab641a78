"""Personal API tokens in the account area (/compte/jetons/): created after re-entering the
password, shown once, usable on the partner API, revocable, and private to their owner."""

import pytest
from django.urls import reverse
from wagtail.models import APIToken

from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.utils import login, text

pytestmark = pytest.mark.django_db

TOKENS = "/compte/jetons/"
API = "/api/orientations/v1/referrals"


def reauthenticated(client, user):
    """Signed in, and the password was just typed again (what creating a token asks for)."""
    login(client, user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    return client


def create(client, name="Logiciel du SPIP de la Somme"):
    response = client.post(TOKENS, {"name": name})
    assert response.status_code == 200
    token = APIToken.objects.get(name=name)
    plaintext = response.context["plaintext"]
    return response, token, plaintext


def test_the_page_requires_login(client):
    response = client.get(TOKENS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_lists_only_the_user_s_tokens(client, member):
    APIToken.create_token(user=member.user, name="Ancien logiciel")[0].revoke()
    APIToken.create_token(user=member.user, name="Mon logiciel")
    APIToken.create_token(user=UserFactory(), name="Celui d'un autre")
    login(client, member.user)
    response = client.get(TOKENS)
    assert response.status_code == 200
    page = text(response)
    assert "Mon logiciel" in page
    assert "Celui d'un autre" not in page
    assert page.index("Mon logiciel") < page.index("Ancien logiciel")  # active ones first
    assert "<caption>" in page
    assert '<th scope="col">' in page
    assert '<label for="id_name">Nom du jeton' in page


def test_the_page_is_linked_from_the_dashboard_and_the_account_pages(client, member):
    login(client, member.user)
    assert f'href="{TOKENS}"' in text(client.get(reverse("dashboard")))
    assert f'href="{TOKENS}"' in text(client.get(reverse("account_change_password")))


def test_creating_a_token_asks_for_the_password_again(client, member):
    login(client, member.user)
    response = client.post(TOKENS, {"name": "Logiciel"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not APIToken.objects.exists()
    # Once the password is typed, the suspended request goes through and shows the token.
    response = client.post(
        f"{reverse('account_reauthenticate')}?next={TOKENS}", {"password": PASSWORD}
    )
    assert response.status_code == 200
    token = APIToken.objects.get(user=member.user)
    assert token.name == "Logiciel"
    assert response.context["plaintext"] in text(response)


def test_create_shows_the_token_once_and_it_authenticates_the_api(client, member):
    reauthenticated(client, member.user)
    response, token, plaintext = create(client)
    page = text(response)
    assert f'value="{plaintext}"' in page
    assert "il ne sera plus jamais affiché" in page
    assert "no-store" in response["Cache-Control"]
    # Only a digest and a short prefix are stored.
    assert token.user == member.user
    assert token.key_hash == APIToken.hash_token(plaintext)
    assert plaintext.startswith(token.prefix)
    assert len(token.prefix) < len(plaintext) - 20

    listing = text(client.get(TOKENS))
    assert plaintext not in listing
    assert token.prefix in listing
    assert "Jamais" in listing

    client.logout()
    response = client.get(API, headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_name_is_required(client, member):
    reauthenticated(client, member.user)
    response = client.post(TOKENS, {"name": "  "})
    assert response.status_code == 200
    assert "Erreur :" in text(response)
    assert not APIToken.objects.exists()


def test_the_number_of_active_tokens_is_limited(client, member):
    for i in range(10):
        APIToken.create_token(user=member.user, name=f"Jeton {i}")
    reauthenticated(client, member.user)
    response = client.post(TOKENS, {"name": "Un de trop"})
    assert "révoquez ceux qui ne servent plus" in text(response)
    assert not APIToken.objects.filter(name="Un de trop").exists()


def test_revoke(client, member):
    token, plaintext = APIToken.create_token(user=member.user, name="Ancien logiciel")
    login(client, member.user)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)
    page = text(response)
    assert "Le jeton « Ancien logiciel » est révoqué" in page
    assert "Révoqué le" in page
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get(API, headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401


def test_revoke_is_post_only(client, member):
    token, _plaintext = APIToken.create_token(user=member.user, name="Logiciel")
    login(client, member.user)
    assert client.get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_user_s_token_is_404(client, member):
    other = MembershipFactory(organisation=member.organisation)
    token, plaintext = APIToken.create_token(user=other.user, name="Logiciel d'un collègue")
    login(client, member.user)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.get(API, headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200
