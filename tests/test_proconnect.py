"""Sign in with ProConnect, against a local OpenID Connect provider (tests/proconnect_provider.py)
that answers as ProConnect does. Django's test client plays the browser on the portal's side and
`requests` on the provider's side, following the real redirects."""

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import LoginEvent, Organisation, User
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory
from tests.proconnect_provider import agent_claims, expired_claims
from tests.utils import login, text

pytestmark = pytest.mark.django_db

SIRET = "13000999900017"


def invited(email, **membership):
    """An account opened by accepting an invitation, as every partner's is."""
    member = MembershipFactory(user__email=email, **membership)
    InvitationFactory(
        email=email, organisation=member.organisation, accepted=True, accepted_by=member.user
    )
    return member.user


def start(client, **data):
    """Click « S'identifier avec ProConnect »: the portal redirects to the provider."""
    response = client.post(reverse("proconnect_login"), data)
    assert response.status_code == 302, text(response)
    return response["Location"]


def at_provider(authorize_url, sub):
    """The person signs in at ProConnect as `sub`; the provider redirects back to the portal."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    callback = urlsplit(response.headers["Location"])
    return f"{callback.path}?{callback.query}"


def sign_in(client, sub, **data):
    return client.get(at_provider(start(client, **data), sub))


def signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# --- configuration ------------------------------------------------------------------------------


def test_without_configuration_the_login_page_is_as_before(client):
    page = text(client.get(reverse("account_login")))
    assert "ProConnect" not in page
    assert client.post(reverse("proconnect_login")).status_code == 404
    assert client.get(reverse("proconnect_callback")).status_code == 404


def test_login_page_offers_proconnect_beside_the_password(client, proconnect):
    page = text(client.get(reverse("account_login")))
    assert "S’identifier avec</span>" in page and "ProConnect</span>" in page
    assert '<a href="https://proconnect.gouv.fr/" target="_blank"' in page
    assert "Qu’est-ce que ProConnect ?" in page
    assert 'name="password"' in page


def test_settings_come_from_the_environment():
    code = (
        "import json; from portal.settings import base; "
        "print(json.dumps(base.SOCIALACCOUNT_PROVIDERS))"
    )
    env = {
        **os.environ,
        "PROCONNECT_DOMAIN": "fca.integ01.dev-agentconnect.fr",
        "PROCONNECT_CLIENT_ID": "client",
        "PROCONNECT_CLIENT_SECRET": "secret",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    app = json.loads(result.stdout)["proconnect"]["APPS"][0]
    assert app["settings"]["server_url"] == (
        "https://fca.integ01.dev-agentconnect.fr/api/v2/.well-known/openid-configuration"
    )
    assert app["settings"]["scope"] == [
        "openid", "email", "given_name", "usual_name", "uid", "siret", "idp_id",
    ]  # fmt: skip
    assert (app["client_id"], app["secret"]) == ("client", "secret")


def test_an_organisation_siret_has_14_digits():
    organisation = Organisation(name="SPIP", kind=Organisation.Kind.SPIP, siret="130 009 999")
    with pytest.raises(ValidationError, match="14 chiffres"):
        organisation.full_clean()
    organisation.siret = SIRET
    organisation.full_clean()


# --- signing in ---------------------------------------------------------------------------------


def test_invited_officer_signs_in_and_the_sub_is_linked_on_first_use(client, proconnect):
    user = invited("camille.martin@justice.test")
    proconnect.add_user("agent-1", **agent_claims("Camille.Martin@justice.test", siret=SIRET))

    authorize_url = start(client, next="/orientations/")
    params = parse_qs(urlsplit(authorize_url).query)
    assert set(params["scope"][0].split()) == {
        "openid", "email", "given_name", "usual_name", "uid", "siret", "idp_id",
    }  # fmt: skip
    assert params["code_challenge_method"] == ["S256"] and params["code_challenge"][0]
    assert len(params["state"][0]) >= 32 and len(params["nonce"][0]) >= 32
    assert "amr" in params["claims"][0]
    response = client.get(at_provider(authorize_url, "agent-1"))

    assert response.status_code == 302 and response["Location"] == "/orientations/"
    assert signed_in_as(client) == user
    assert SocialAccount.objects.get(provider="proconnect", uid="agent-1").user == user
    events = list(LoginEvent.objects.filter(user=user).order_by("pk"))
    assert [event.kind for event in events] == ["proconnect_linked", "proconnect_login"]
    assert events[1].detail == {"idp_id": "fia1v2", "amr": ["pwd"], "multi_factor": False}

    # Next time the stored `sub` is what counts, even if the email changed at ProConnect.
    proconnect.add_user("agent-1", **agent_claims("c.martin@interieur.test"))
    other_browser = Client()
    sign_in(other_browser, "agent-1")
    assert signed_in_as(other_browser) == user
    assert SocialAccount.objects.filter(user=user).count() == 1


def test_unknown_email_gets_no_account_and_is_told_whom_to_ask(client, proconnect):
    spip = MembershipFactory(
        admin=True,
        organisation__name="SPIP de la Somme",
        organisation__siret=SIRET,
        user__first_name="Nadia",
        user__last_name="Haddad",
        user__email="nadia.haddad@justice.test",
    ).organisation
    proconnect.add_user("agent-2", **agent_claims("nouvel.agent@justice.test", siret=SIRET))

    response = sign_in(client, "agent-2")

    assert response.status_code == 403
    page = text(response)
    assert "Aucun compte de l'espace partenaires n'est ouvert à l'adresse nouvel.agent@" in page
    assert "demandez à l'administrateur de votre organisation de vous inviter" in page
    assert "SPIP de la Somme" in page and "Nadia Haddad" in page
    assert "mailto:nadia.haddad@justice.test" in page
    assert "Se connecter avec un mot de passe" in page
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="nouvel.agent@justice.test").exists()
    assert spip.memberships.count() == 1
    assert not SocialAccount.objects.exists()


def test_an_account_that_was_not_invited_links_proconnect_from_its_account_page(client, proconnect):
    user = MembershipFactory(user__email="ines.roux@francetravail.test").user  # made by hand
    proconnect.add_user("agent-3", **agent_claims("ines.roux@francetravail.test"))

    refused = sign_in(client, "agent-3")
    assert refused.status_code == 403
    assert "pas encore relié à ProConnect" in text(refused)

    login(client, user)  # with the password
    # Linking a way to sign in asks for the password again (ACCOUNT_REAUTHENTICATION_REQUIRED).
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = text(client.get(reverse("proconnect_account")))
    assert "Relier votre compte ProConnect" in page
    linked = sign_in(client, "agent-3", process="connect")
    assert linked["Location"] == reverse("proconnect_account")
    assert SocialAccount.objects.get(uid="agent-3").user == user

    other_browser = Client()
    sign_in(other_browser, "agent-3")
    assert signed_in_as(other_browser) == user

    socialaccount = SocialAccount.objects.get(uid="agent-3")
    client.post(reverse("proconnect_account"), {"account": socialaccount.pk})
    assert not SocialAccount.objects.exists()
    kinds = list(LoginEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert sorted(kinds) == ["proconnect_linked", "proconnect_login", "proconnect_unlinked"]


@pytest.mark.parametrize(
    "case",
    ["email_not_verified", "deactivated_member", "deactivated_account"],
)
def test_refused_identities(client, proconnect, case):
    user = invited("agent@justice.test")
    claims = agent_claims("agent@justice.test")
    if case == "email_not_verified":
        claims["email_verified"] = False
    elif case == "deactivated_member":
        user.memberships.update(is_active=False)
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)
    proconnect.add_user("agent-4", **claims)

    response = sign_in(client, "agent-4")

    assert response.status_code == 403
    expected = {
        "email_not_verified": "ProConnect n'a pas confirmé votre adresse e-mail",
        "deactivated_member": "Votre accès à l'espace partenaires a été désactivé",
        "deactivated_account": "Votre accès à l'espace partenaires a été désactivé",
    }[case]
    assert expected in text(response)
    assert signed_in_as(client) is None


# --- what a broken or hostile provider answers --------------------------------------------------


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"id_token_foreign_key": True}, id="id-token-signed-by-another-key"),
        pytest.param({"id_token_claims": {"nonce": "un-autre-nonce"}}, id="nonce-mismatch"),
        pytest.param({"id_token_claims": expired_claims()}, id="expired-id-token"),
        pytest.param({"id_token_claims": {"aud": "un-autre-service"}}, id="id-token-wrong-aud"),
        pytest.param({"id_token_alg": "HS256"}, id="id-token-hs256"),
        pytest.param({"userinfo_claims": {"aud": "un-autre-service"}}, id="userinfo-wrong-aud"),
        pytest.param(
            {"userinfo_claims": {"iss": "https://ailleurs.test"}}, id="userinfo-wrong-iss"
        ),
        pytest.param({"userinfo_tampered": {"email": "chef@ilot.test"}}, id="userinfo-tampered"),
        pytest.param({"userinfo_json": True}, id="userinfo-as-plain-json"),
    ],
)
def test_answers_that_fail_verification_are_refused(client, proconnect, tamper):
    user = invited("agent@justice.test")
    proconnect.add_user("agent-5", **agent_claims("agent@justice.test"))
    proconnect.misbehave(**tamper)

    response = sign_in(client, "agent-5")

    assert response.status_code == 401
    page = text(response)
    assert "La connexion avec ProConnect n'a pas abouti" in page
    assert reverse("account_login") in page
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()
    assert not LoginEvent.objects.filter(user=user).exists()


def test_userinfo_signed_with_es256_is_accepted(client, proconnect):
    user = invited("agent@justice.test")
    proconnect.add_user("agent-6", **agent_claims("agent@justice.test"))
    proconnect.misbehave(userinfo_alg="ES256")
    sign_in(client, "agent-6")
    assert signed_in_as(client) == user


def test_proconnect_sign_ins_share_allauth_login_rate_limit(client, proconnect, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    assert client.post(reverse("proconnect_login")).status_code == 302
    client.post(reverse("account_login"), {"login": "x@y.test", "password": "z"})  # same bucket
    assert client.post(reverse("proconnect_login")).status_code == 429


def test_a_replayed_state_is_refused(client, proconnect):
    user = invited("agent@justice.test")
    proconnect.add_user("agent-7", **agent_claims("agent@justice.test"))
    callback = at_provider(start(client), "agent-7")
    client.get(callback)
    assert signed_in_as(client) == user

    for browser in (client, Client()):  # the same browser, or an attacker's
        replay = browser.get(callback)
        assert replay.status_code == 401
        assert "n'a pas abouti" in text(replay)
    assert LoginEvent.objects.filter(kind="proconnect_login").count() == 1


def test_a_provider_that_is_down_gets_a_french_page_and_the_way_back(client, proconnect, settings):
    invited("agent@justice.test")
    proconnect.add_user("agent-8", **agent_claims("agent@justice.test"))

    # Down before the redirection: its discovery document answers 503…
    proconnect.down = True
    response = client.post(reverse("proconnect_login"))
    assert response.status_code == 503
    page = text(response)
    assert "ProConnect est indisponible" in page and reverse("account_login") in page
    # … or nothing listens any more.
    providers = proconnect.socialaccount_providers()
    providers["proconnect"]["APPS"][0]["settings"]["server_url"] = "http://127.0.0.1:9/.well-known/"
    settings.SOCIALACCOUNT_PROVIDERS = providers
    assert client.post(reverse("proconnect_login")).status_code == 503
    settings.SOCIALACCOUNT_PROVIDERS = proconnect.socialaccount_providers()

    # Down between the person's sign-in at ProConnect and the token request.
    proconnect.down = False
    callback = at_provider(start(client), "agent-8")
    proconnect.down = True
    response = client.get(callback)
    assert response.status_code == 503
    assert "ProConnect est indisponible" in text(response)
    assert signed_in_as(client) is None


# --- MFA ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("internal", "amr", "mfa_asked"),
    [
        (True, ["pwd"], True),
        (True, ["pwd", "totp", "mfa"], False),
        (False, ["pwd", "totp", "mfa"], True),  # a partner: their own MFA setting, as today
    ],
)
def test_portal_mfa_after_proconnect(client, proconnect, internal, amr, mfa_asked):
    kind = Organisation.Kind.ILOT if internal else Organisation.Kind.SPIP
    user = invited("agent@ilot.test", organisation__kind=kind)
    TOTP.activate(user, generate_totp_secret())
    proconnect.add_user("agent-9", **agent_claims("agent@ilot.test", amr=amr))

    response = sign_in(client, "agent-9")

    if mfa_asked:
        assert response["Location"] == reverse("mfa_authenticate")
        assert signed_in_as(client) is None
        assert not LoginEvent.objects.filter(kind="proconnect_login").exists()
    else:
        assert response["Location"] == reverse("dashboard")
        assert signed_in_as(client) == user
        assert LoginEvent.objects.get(kind="proconnect_login").detail["multi_factor"] is True


# --- logout -------------------------------------------------------------------------------------


def test_logout_ends_the_proconnect_session_too(client, proconnect):
    invited("agent@justice.test")
    proconnect.add_user("agent-10", **agent_claims("agent@justice.test"))
    sign_in(client, "agent-10")
    assert "agent-10" in proconnect.sessions

    response = client.post(reverse("account_logout"))
    assert response["Location"] == reverse("proconnect_logout")
    assert signed_in_as(client) is None
    end_session = client.get(response["Location"])["Location"]
    params = parse_qs(urlsplit(end_session).query)
    assert end_session.startswith(f"{proconnect.url}/oauth2/end_session?")
    assert params["id_token_hint"][0].count(".") == 2
    assert params["post_logout_redirect_uri"] == [
        "http://testserver" + reverse("proconnect_logout_callback")
    ]

    back = requests.get(end_session, allow_redirects=False, timeout=5)
    assert back.status_code == 303
    assert "agent-10" not in proconnect.sessions
    assert proconnect.ended[0]["state"] == params["state"][0]
    back_url = urlsplit(back.headers["Location"])
    home = client.get(f"{back_url.path}?{back_url.query}", follow=True)
    assert "Votre session ProConnect est terminée." in text(home)


def test_a_password_login_logs_out_as_before(client, proconnect, member):
    login(client, member.user)
    response = client.post(reverse("account_logout"))
    assert response["Location"] == "/"
    assert not proconnect.ended


def test_the_journal_is_append_only(member):
    event = LoginEvent.objects.create(user=member.user, kind=LoginEvent.Kind.PROCONNECT_LOGIN)
    event.detail = {"amr": ["mfa"]}
    with pytest.raises(ValueError):
        event.save()
