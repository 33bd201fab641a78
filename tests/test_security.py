"""Authentication hardening (accounts.security, accounts.mfa, accounts.devices): enforced MFA,
encrypted MFA secrets, session lifetimes and ends, re-authentication and notices, API token
expiry and revocation, the login lock-out a stranger cannot impose. Real allauth flows through
the test client on PostgreSQL; TOTP codes computed with allauth's own functions."""

import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import APIToken

from accounts import mfa, security
from accounts.middleware import SESSION_AUTH_AT, SESSION_SEEN_AT
from accounts.models import InternalRole, Membership
from tests.factories import (
    PASSWORD,
    EstablishmentPageFactory,
    InternalRoleFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.utils import enrol_totp, login, text, totp_code

pytestmark = pytest.mark.django_db

DASHBOARD = "/espace/"
MFA_INDEX = "/compte/2fa/"


def sign_in(client, user, *, code_secret=None, ip="10.0.0.1"):
    """The real login: email and password, then the TOTP code when allauth asks for it."""
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR=ip,
    )
    if response.status_code == 302 and response["Location"] == reverse("mfa_authenticate"):
        response = client.post(
            reverse("mfa_authenticate"), {"code": totp_code(code_secret)}, REMOTE_ADDR=ip
        )
    return response


# --- who must use MFA ----------------------------------------------------------------------


def _editor_by_group():
    user = UserFactory()
    group, _ = Group.objects.get_or_create(name="Rédaction extérieure")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    MembershipFactory(user=user)
    return user


WHO = {
    "superuser": (lambda: UserFactory(is_superuser=True, is_staff=True), True),
    "staff": (lambda: MembershipFactory(user__is_staff=True).user, True),
    "management": (lambda: InternalRoleFactory().membership.user, True),
    "dpo": (lambda: InternalRoleFactory(role=InternalRole.Role.DPO).membership.user, True),
    "editor": (lambda: InternalRoleFactory(role=InternalRole.Role.EDITOR).membership.user, True),
    "head": (
        lambda: (
            InternalRoleFactory(
                role=InternalRole.Role.HEAD, establishment=EstablishmentPageFactory()
            ).membership.user
        ),
        True,
    ),
    "commission member": (
        lambda: (
            InternalRoleFactory(
                role=InternalRole.Role.COMMISSION_MEMBER, establishment=EstablishmentPageFactory()
            ).membership.user
        ),
        True,
    ),
    "internal team member without a role": (
        lambda: MembershipFactory(organisation__internal=True).user,
        True,
    ),
    "Wagtail admin access through a group": (_editor_by_group, True),
    "organisation admin": (lambda: MembershipFactory(admin=True).user, True),
    "member of an organisation that requires it": (
        lambda: MembershipFactory(organisation__require_mfa=True).user,
        True,
    ),
    "partner": (lambda: MembershipFactory().user, False),
    "admin of an organisation, no longer": (
        lambda: MembershipFactory(admin=True, inactive=True).user,
        False,
    ),
}


@pytest.mark.parametrize("who", WHO)
def test_who_must_use_mfa_and_what_they_see_until_they_do(client, who):
    make, required = WHO[who]
    user = make()
    assert security.mfa_required(user) is required
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    for path in (DASHBOARD, "/admin/", "/django-admin/", "/compte/jetons/", "/"):
        response = client.get(path)
        if required:
            assert response.status_code == 302, path
            assert response["Location"] == MFA_INDEX, path
        else:
            assert response.get("Location") != MFA_INDEX, path
    # The account pages stay open, so that MFA can be set up.
    for name in ("mfa_index", "account_change_password", "usersessions_list"):
        assert client.get(reverse(name)).status_code == 200, name
    if required:
        page = text(client.get(DASHBOARD, follow=True))
        assert "Votre rôle exige la double authentification" in page


def test_setting_up_totp_through_allauth_opens_the_portal_and_stores_the_secret_encrypted(
    client, django_capture_on_commit_callbacks
):
    user = MembershipFactory(admin=True).user
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(DASHBOARD)["Location"] == MFA_INDEX
    # MFA's pages ask for the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(DASHBOARD).status_code == 200

    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert totp.data["secret"] != secret
    assert mfa.is_encrypted(totp.data["secret"])
    assert mfa.decrypt(totp.data["secret"]) == secret
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert mfa.is_encrypted(codes.data["seed"])
    assert len(RecoveryCodes(codes).generate_codes()) == 10
    # The person is told, in French, without their IP address or browser.
    notice = mail.outbox[-1]
    assert notice.to == [user.email]
    assert "double authentification" in notice.body.lower() or "authentification" in notice.body
    assert "Bonjour" in notice.body
    assert "127.0.0.1" not in notice.body

    # Next time, the login asks for the code, and a wrong one keeps the door shut.
    client.post(reverse("account_logout"))
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert client.get(DASHBOARD).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(DASHBOARD).status_code == 200


def test_a_secret_made_with_another_key_cannot_be_read(settings):
    user = UserFactory()
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    from cryptography.fernet import Fernet, InvalidToken

    settings.MFA_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(InvalidToken):
        mfa.decrypt(Authenticator.objects.get(user=user).data["secret"])
    # During a rotation the old key, listed as a fallback, still decrypts.
    from portal.settings.base import DEV_MFA_KEY

    settings.MFA_ENCRYPTION_KEY_FALLBACKS = [DEV_MFA_KEY]
    assert mfa.decrypt(Authenticator.objects.get(user=user).data["secret"]) == "JBSWY3DPEHPK3PXP"


def test_the_migration_encrypts_secrets_stored_in_clear():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0006_security_mfa_sessions_tokens")
    user = UserFactory()
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "ab" * 40, "used_mask": 0}
    )
    migration.encrypt_mfa_secrets(apps, None)
    migration.encrypt_mfa_secrets(apps, None)  # twice: idempotent
    totp = Authenticator.objects.get(type=Authenticator.Type.TOTP)
    assert mfa.decrypt(totp.data["secret"]) == "JBSWY3DPEHPK3PXP"
    codes = Authenticator.objects.get(type=Authenticator.Type.RECOVERY_CODES)
    assert mfa.decrypt(codes.data["seed"]) == "ab" * 40


def _reauthenticated(client, user):
    login(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


def test_who_must_use_mfa_cannot_remove_their_last_authenticator(client):
    user = MembershipFactory(admin=True).user
    _reauthenticated(client, user)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert "avant de retirer celle-ci" in text(response)

    key = Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Clé", "credential": {}}
    )
    # With a security key as well, the app may go; then the key is the last one and stays.
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    response = client.post(reverse("mfa_remove_webauthn", args=[key.pk]), follow=True)
    assert Authenticator.objects.filter(pk=key.pk).exists()
    assert "avant de retirer celle-ci" in text(response)


def test_a_partner_may_remove_their_authenticator(client):
    user = MembershipFactory().user
    enrol_totp(user)
    _reauthenticated(client, user)
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=user).exists()
    assert client.get(DASHBOARD).status_code == 200


def test_the_django_admin_shows_no_authenticator(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    enrol_totp(admin)
    login(client, admin)
    assert client.get("/django-admin/mfa/authenticator/").status_code == 404
    assert "authenticator" not in text(client.get("/django-admin/")).lower()


# --- an organisation requires MFA of its members -------------------------------------------


def test_an_organisation_admin_requires_mfa_of_every_member(client):
    admin = MembershipFactory(admin=True)
    member = MembershipFactory(organisation=admin.organisation)
    other = MembershipFactory()  # another organisation: unaffected
    member_client, other_client = Client(), Client()
    login(member_client, member.user)
    login(other_client, other.user)
    assert member_client.get(DASHBOARD).status_code == 200

    login(client, admin.user)
    url = reverse("accounts:security", args=[admin.organisation.pk])
    assert 'name="require_mfa"' in text(
        client.get(reverse("accounts:members", args=[admin.organisation.pk]))
    )
    response = client.post(url, {"require_mfa": "on"}, follow=True)
    assert "obligatoire pour tous les membres" in text(response)
    admin.organisation.refresh_from_db()
    assert admin.organisation.require_mfa
    assert member_client.get(DASHBOARD)["Location"] == MFA_INDEX
    assert other_client.get(DASHBOARD).status_code == 200

    client.post(url, {})
    admin.organisation.refresh_from_db()
    assert not admin.organisation.require_mfa
    assert member_client.get(DASHBOARD).status_code == 200


def test_only_the_organisation_s_admin_may_require_mfa(client):
    organisation = OrganisationFactory()
    for user in (
        MembershipFactory(organisation=organisation).user,
        MembershipFactory(admin=True).user,
    ):
        login(client, user)
        response = client.post(
            reverse("accounts:security", args=[organisation.pk]), {"require_mfa": "on"}
        )
        assert response.status_code == 404
    organisation.refresh_from_db()
    assert not organisation.require_mfa


# --- session lifetimes ---------------------------------------------------------------------


def _age(client, *, idle=0, since_login=0):
    session = client.session
    now = int(time.time())
    session[SESSION_SEEN_AT] = now - idle
    session[SESSION_AUTH_AT] = now - since_login
    session.save()


@pytest.mark.parametrize(
    ("who", "idle_minutes", "still_in"),
    [
        ("internal", 29, True),
        ("internal", 31, False),
        ("partner", 31, True),
        ("partner", 7 * 60 + 59, True),
        ("partner", 8 * 60 + 1, False),
    ],
)
def test_idle_sessions_end(client, who, idle_minutes, still_in):
    user = InternalRoleFactory().membership.user if who == "internal" else MembershipFactory().user
    login(client, user)
    assert client.get(DASHBOARD).status_code == 200
    _age(client, idle=idle_minutes * 60, since_login=idle_minutes * 60)
    response = client.get(DASHBOARD)
    if still_in:
        assert response.status_code == 200
        assert client.session[SESSION_SEEN_AT] >= int(time.time()) - 1  # activity recorded
    else:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next=%2Fespace%2F"
        assert "_auth_user_id" not in client.session
        assert "Votre session a expiré" in text(client.get(response["Location"]))


def test_sessions_end_after_their_absolute_lifetime_whatever_the_activity(client, settings):
    login(client, MembershipFactory().user)
    _age(client, idle=0, since_login=12 * 3600 - 60)
    assert client.get(DASHBOARD).status_code == 200
    _age(client, idle=0, since_login=12 * 3600 + 60)
    assert client.get(DASHBOARD).status_code == 302
    # Configurable.
    settings.SESSION_IDLE_TIMEOUT_PARTNER = 60
    login(client, MembershipFactory().user)
    _age(client, idle=120)
    assert client.get(DASHBOARD).status_code == 302


def test_a_password_login_starts_the_session_s_clock(client):
    user = MembershipFactory().user
    assert sign_in(client, user).status_code == 302
    assert abs(client.session[SESSION_AUTH_AT] - time.time()) < 5


def _two_sessions(user):
    first, second = Client(), Client()
    login(first, user)
    login(second, user)
    assert first.get(DASHBOARD).status_code == 200
    assert second.get(DASHBOARD).status_code == 200
    return first, second


def _signed_out(client) -> bool:
    response = client.get(DASHBOARD)
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


NEW_PASSWORD = "un-autre-mot-de-passe-2026"


def test_a_password_change_ends_the_other_sessions_and_tells_the_person(client):
    user = MembershipFactory().user
    first, second = Client(), Client()
    sign_in(first, user)
    sign_in(second, user, ip="10.0.0.2")
    response = first.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "un-autre-mot-de-passe-2026",
            "password2": "un-autre-mot-de-passe-2026",
        },
    )
    assert response.status_code == 302
    assert first.get(DASHBOARD).status_code == 200  # the session that changed it stays
    assert _signed_out(second)
    notice = mail.outbox[-1]
    assert notice.to == [user.email]
    assert "mot de passe" in notice.body.lower()
    assert "Bonjour" in notice.body
    assert "10.0.0" not in notice.body  # no IP address, no browser


@pytest.mark.parametrize(
    "change",
    [
        "membership deactivated",
        "membership deleted",
        "admin made a plain member",
        "organisation deactivated",
        "account deactivated",
        "internal role removed",
        "internal role changed",
    ],
)
def test_losing_access_or_a_role_ends_every_session(change):
    role = InternalRoleFactory(role=InternalRole.Role.DPO)
    membership = role.membership
    membership.role = Membership.Role.ADMIN
    membership.save()
    user = membership.user
    first, second = _two_sessions(user)
    if change == "membership deactivated":
        membership.is_active = False
        membership.save()
    elif change == "membership deleted":
        membership.delete()
    elif change == "admin made a plain member":
        membership.role = Membership.Role.MEMBER
        membership.save()
    elif change == "organisation deactivated":
        membership.organisation.is_active = False
        membership.organisation.save()
    elif change == "account deactivated":
        user.is_active = False
        user.save()
    elif change == "internal role removed":
        role.delete()
    else:
        role.role = InternalRole.Role.MANAGEMENT
        role.save()
    assert _signed_out(first)
    assert _signed_out(second)


def test_unrelated_changes_keep_the_sessions():
    membership = MembershipFactory(admin=True)
    first, second = _two_sessions(membership.user)
    membership.user.first_name = "Autre"
    membership.user.save()
    membership.user.save(update_fields=["last_login"])
    membership.organisation.name = "Nouveau nom"
    membership.organisation.save()
    MembershipFactory(user=membership.user)  # joins another organisation
    assert first.get(DASHBOARD).status_code == 200
    assert second.get(DASHBOARD).status_code == 200


def test_the_members_page_deactivation_ends_the_member_s_sessions(client):
    admin = MembershipFactory(admin=True)
    member = MembershipFactory(organisation=admin.organisation)
    first, second = _two_sessions(member.user)
    login(client, admin.user)
    client.post(reverse("accounts:deactivate_member", args=[admin.organisation.pk, member.pk]))
    assert _signed_out(first)
    assert _signed_out(second)
    assert client.get(DASHBOARD).status_code == 200  # the admin's own session stays


# --- re-authentication and notices ---------------------------------------------------------


def test_adding_an_email_address_asks_for_the_password_again(client):
    user = MembershipFactory().user
    login(client, user)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "nouvelle@exemple.test"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not user.emailaddress_set.filter(email="nouvelle@exemple.test").exists()


def test_changing_the_primary_email_tells_the_person(client):
    user = MembershipFactory().user
    user.emailaddress_set.create(email="nouvelle@exemple.test", verified=True, primary=False)
    _reauthenticated(client, user)
    response = client.post(
        reverse("account_email"), {"action_primary": "", "email": "nouvelle@exemple.test"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "nouvelle@exemple.test"
    notice = mail.outbox[-1]
    assert "Bonjour" in notice.body
    assert "nouvelle@exemple.test" in notice.body
    assert "127.0.0.1" not in notice.body


# --- API tokens ----------------------------------------------------------------------------

PARTNER_API = "/api/orientations/v1/referrals"
WHOAMI = "/api/v3/whoami/"
PUBLIC_PAGES = "/api/v3/pages/"


def _token(user, *, expires_in_days=365):
    token, plaintext = APIToken.create_token(user=user, name="Logiciel")
    security.set_expiry(
        token,
        timezone.now() + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )
    return token, {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def _status(client, headers):
    return {
        url: client.get(url, **headers).status_code for url in (PARTNER_API, WHOAMI, PUBLIC_PAGES)
    }


def test_a_new_token_expires_in_a_year_by_default_and_the_page_says_when(client):
    user = MembershipFactory().user
    _reauthenticated(client, user)
    response = client.post("/compte/jetons/", {"name": "Logiciel du SPIP"})
    assert response.status_code == 200
    token = APIToken.objects.get(user=user)
    expires_at = token.expiry.expires_at
    assert abs(expires_at - (timezone.now() + timedelta(days=365))) < timedelta(minutes=1)
    page = text(client.get("/compte/jetons/"))
    assert "Expiration" in page
    assert timezone.localtime(expires_at).strftime("%Y") in page
    client.post("/compte/jetons/", {"name": "Sans date", "expiry": "never"})
    assert APIToken.objects.get(name="Sans date").expiry.expires_at is None
    client.post("/compte/jetons/", {"name": "Court", "expiry": "30"})
    short = APIToken.objects.get(name="Court").expiry.expires_at
    assert abs(short - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_a_valid_token_works_on_both_apis(client):
    _token_obj, headers = _token(MembershipFactory().user)
    assert _status(client, headers) == {PARTNER_API: 200, WHOAMI: 200, PUBLIC_PAGES: 200}


def test_an_expired_token_answers_401_on_every_api(client):
    _token_obj, headers = _token(MembershipFactory().user, expires_in_days=-1)
    assert _status(client, headers) == {PARTNER_API: 401, WHOAMI: 401, PUBLIC_PAGES: 401}
    response = client.get(WHOAMI, **headers)
    assert "expiré" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_member_s_token_is_revoked_and_answers_401_everywhere(client):
    membership = MembershipFactory()
    token, headers = _token(membership.user)
    membership.is_active = False
    membership.save()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _status(client, headers) == {PARTNER_API: 401, WHOAMI: 401, PUBLIC_PAGES: 401}


def test_without_an_active_membership_even_an_unrevoked_token_answers_401(client):
    """Whatever path took the membership away (a bulk update, a script), the check holds."""
    membership = MembershipFactory()
    _token_obj, headers = _token(membership.user)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    assert _status(client, headers) == {PARTNER_API: 401, WHOAMI: 401, PUBLIC_PAGES: 401}


def test_leaving_one_of_two_organisations_keeps_the_tokens(client):
    membership = MembershipFactory()
    MembershipFactory(user=membership.user)
    token, headers = _token(membership.user)
    membership.is_active = False
    membership.save()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get(WHOAMI, **headers).status_code == 200


def test_a_deactivated_account_s_token_answers_401(client):
    membership = MembershipFactory()
    token, headers = _token(membership.user)
    membership.user.is_active = False
    membership.user.save()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _status(client, headers) == {PARTNER_API: 401, WHOAMI: 401, PUBLIC_PAGES: 401}


def test_an_unknown_token_answers_401_and_no_token_reads_public_pages(client):
    headers = {"HTTP_AUTHORIZATION": "Bearer wagtail_nimportequoi"}
    assert _status(client, headers) == {PARTNER_API: 401, WHOAMI: 401, PUBLIC_PAGES: 401}
    assert client.get(PUBLIC_PAGES).status_code == 200


# --- a stranger cannot lock the owner out --------------------------------------------------


def _fail(client, email, ip):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": "mauvais-mot-de-passe"},
        REMOTE_ADDR=ip,
    )


def test_a_stranger_s_wrong_passwords_do_not_lock_the_owner_out_of_their_usual_browser():
    user = MembershipFactory().user
    owner = Client()
    assert sign_in(owner, user, ip="192.0.2.10").status_code == 302  # a device they used
    owner.post(reverse("account_logout"))
    assert "ilot_appareil" in owner.cookies

    stranger = Client()
    for n in range(5):
        _fail(stranger, user.email, ip=f"198.51.100.{n}")  # from several addresses
    # The address is now locked for anyone without a known device, right password or not...
    newcomer = Client()
    response = sign_in(newcomer, user, ip="203.0.113.7")
    assert response.status_code == 200
    assert "Trop de tentatives" in text(response) or "trop" in text(response).lower()
    assert _signed_out(newcomer)
    # ...but not for the owner's browser, which has its own count.
    response = sign_in(owner, user, ip="192.0.2.10")
    assert response.status_code == 302
    assert owner.get(DASHBOARD).status_code == 200


def test_the_known_device_has_its_own_limit_too():
    user = MembershipFactory().user
    owner = Client()
    sign_in(owner, user, ip="192.0.2.10")
    owner.post(reverse("account_logout"))
    for _ in range(5):
        _fail(owner, user.email, ip="192.0.2.10")
    assert sign_in(owner, user, ip="192.0.2.10").status_code == 200  # locked on that device too


def test_a_device_cookie_only_counts_for_the_login_it_signed_in_as():
    user, other = MembershipFactory().user, MembershipFactory().user
    device = Client()
    sign_in(device, user)
    device.post(reverse("account_logout"))
    for n in range(5):
        _fail(Client(), other.email, ip=f"198.51.100.{n}")
    assert sign_in(device, other, ip="192.0.2.11").status_code == 200  # locked: not its device


def test_one_address_cannot_try_more_than_ten_logins_a_minute():
    clients = Client()
    for n in range(10):
        _fail(clients, f"personne{n}@exemple.test", ip="198.51.100.99")
    user = MembershipFactory().user
    assert sign_in(Client(), user, ip="198.51.100.99").status_code != 302
    assert sign_in(Client(), user, ip="198.51.100.100").status_code == 302


def test_the_demo_accounts_that_must_use_mfa_share_the_published_key(client):
    from io import StringIO

    from django.core.management import call_command

    from accounts import demo as accounts_demo
    from accounts.models import User

    accounts_demo.load()
    accounts_demo.enrol_mfa()
    assert accounts_demo.enrol_mfa() == 0  # idempotent
    superuser = User.objects.get(email="superadmin@demo.ilot.test")
    admin = User.objects.get(email="admin.spip80@demo.ilot.test")
    officer = User.objects.get(email="cpip.spip80@demo.ilot.test")
    assert security.has_mfa(superuser) and security.has_mfa(admin)
    assert not security.has_mfa(officer)
    out = StringIO()
    call_command("demo_totp", stdout=out)
    assert out.getvalue().strip() in {
        totp_code(accounts_demo.DEMO_TOTP_SECRET, shift) for shift in (-1, 0)
    }
    client.post(reverse("account_login"), {"login": admin.email, "password": "ilot-demo-2026"})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(accounts_demo.DEMO_TOTP_SECRET)})
    assert client.get(DASHBOARD).status_code == 200


def test_the_wagtail_admin_does_not_change_passwords_or_addresses(client):
    """Only the portal's account pages do, with re-authentication and a notice."""
    editor = InternalRoleFactory(role=InternalRole.Role.EDITOR).membership.user
    login(client, editor)
    page = text(client.get("/admin/account/"))
    assert 'name="password-new_password1"' not in page
    assert 'name="name_email-email"' not in page
