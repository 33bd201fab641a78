import re
import time

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from accounts.invitations import make_token
from accounts.models import Invitation, Membership, User
from tests.factories import (
    PASSWORD,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.utils import login, text

pytestmark = pytest.mark.django_db


def invitation_path(invitation):
    return reverse("accounts:invitation", args=[make_token(invitation)])


def link_from_mail(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitation/\S+)", message.body).group(1)


# --- sign-up, login, logout, password reset --------------------------------------------------


def test_public_signup_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    client.post(
        reverse("account_signup"),
        {"email": "intrus@exemple.test", "password1": "x" * 14, "password2": "x" * 14},
    )
    assert not User.objects.filter(email="intrus@exemple.test").exists()


def test_login_by_email_lands_on_french_home_with_organisation(client):
    membership = MembershipFactory(organisation__name="SPIP de la Somme")
    response = client.post(
        reverse("account_login"),
        {"login": membership.user.email.upper(), "password": PASSWORD},
        follow=True,
    )
    page = text(response)
    assert response.resolver_match.url_name == "dashboard"
    assert "SPIP de la Somme" in page
    assert '<html lang="fr">' in page


def test_wrong_passwords_are_rate_limited(client):
    user = UserFactory()
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "mauvais"}
        )
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    # The sixth attempt is refused even with the right password.
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "Trop de tentatives de connexion" in text(response)
    assert "_auth_user_id" not in client.session


def test_password_reset_does_not_reveal_whether_an_account_exists(client):
    user = UserFactory()
    known = client.post(reverse("account_reset_password"), {"email": user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "personne@exemple.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # Both get an email, so the requester learns nothing; only the real account gets a link.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([user.email, "personne@exemple.test"])
    reset_mail = next(m for m in mail.outbox if m.to == [user.email])
    assert "/compte/password/reset/key/" in reset_mail.body


def test_logout_needs_a_post(client, member):
    login(client, member.user)
    client.get(reverse("account_logout"))
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_admin_logins_go_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.get("/django-admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_mfa_pages_are_reachable(client, member):
    login(client, member.user)
    assert client.get(reverse("mfa_index")).status_code == 200
    # Activating a second factor asks for the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert "mfa/totp/activate_form.html" in [t.name for t in response.templates]


def test_dashboard_without_active_membership_explains(client):
    membership = MembershipFactory(inactive=True)
    login(client, membership.user)
    page = text(client.get(reverse("dashboard")))
    assert "aucune organisation active" in page
    assert membership.organisation.name not in page


def test_switch_organisation_is_kept_in_session(client):
    first = MembershipFactory(organisation__name="A — SPIP de Paris")
    second = MembershipFactory(user=first.user, organisation__name="B — SIAO de la Somme")
    login(client, first.user)
    assert "A — SPIP de Paris</h2>" in text(client.get(reverse("dashboard")))
    client.post(reverse("accounts:switch_organisation"), {"organisation": second.organisation_id})
    assert "B — SIAO de la Somme</h2>" in text(client.get(reverse("dashboard")))
    foreign = OrganisationFactory()
    response = client.post(
        reverse("accounts:switch_organisation"), {"organisation": foreign.pk}, follow=True
    )
    assert "Vous ne faites pas partie de cette organisation" in text(response)
    assert client.session["current_organisation_id"] == second.organisation_id


# --- invitations -----------------------------------------------------------------------------


def test_invitation_flow_end_to_end(client, org_admin):
    login(client, org_admin.user)
    response = client.post(
        reverse("accounts:invite", args=[org_admin.organisation_id]),
        {"email": "Nouvelle.Collegue@Exemple.test", "role": "member"},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouvelle.collegue@exemple.test"]
    assert org_admin.organisation.name in message.subject
    path = link_from_mail(message)

    invitee = Client()
    page = invitee.get(path)
    assert page.status_code == 200
    assert "nouvelle.collegue@exemple.test" in text(page)
    response = invitee.post(
        path,
        {
            "first_name": "Awa",
            "last_name": "Diallo",
            "phone": "",
            "password1": "une phrase de passe solide",
            "password2": "une phrase de passe solide",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    user = User.objects.get(email="nouvelle.collegue@exemple.test")
    assert user.check_password("une phrase de passe solide")
    assert Membership.objects.get(user=user).organisation == org_admin.organisation
    home = text(invitee.get(reverse("dashboard")))
    assert org_admin.organisation.name in home
    assert "Bienvenue" in home

    # The link is single-use.
    reused = Client().get(path)
    assert reused.status_code == 410
    assert "déjà été utilisée" in text(reused)


def test_invitation_signup_validates_passwords(client):
    invitation = InvitationFactory()
    response = client.post(
        invitation_path(invitation),
        {"first_name": "A", "last_name": "B", "password1": "court", "password2": "autre"},
    )
    assert response.status_code == 200
    assert "ne sont pas identiques" in text(response)
    assert not User.objects.filter(email=invitation.email).exists()


def test_double_submit_creates_one_account(client):
    invitation = InvitationFactory()
    data = {
        "first_name": "Awa",
        "last_name": "Diallo",
        "password1": "une phrase de passe solide",
        "password2": "une phrase de passe solide",
    }
    path = invitation_path(invitation)
    assert Client().post(path, data).status_code == 302
    second = Client().post(path, data)
    assert second.status_code == 410
    assert User.objects.filter(email=invitation.email).count() == 1


def test_forged_invitation_link(client):
    invitation = InvitationFactory()
    token = make_token(invitation)
    for bad in [token[:-3] + "abc", "n-importe-quoi", token.split(":")[0]]:
        response = client.get(reverse("accounts:invitation", args=[bad]))
        assert response.status_code == 404
        assert "n'est pas valide" in text(response)


def test_expired_invitation_link(client, monkeypatch):
    invitation = InvitationFactory()
    eight_days_ago = time.time() - 8 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_ago)
    token = make_token(invitation)
    monkeypatch.undo()
    response = client.get(reverse("accounts:invitation", args=[token]))
    assert response.status_code == 410
    assert "a expiré" in text(response)
    # The invitation's own date is checked as well.
    old = InvitationFactory(expired=True)
    response = client.get(invitation_path(old))
    assert response.status_code == 410


def test_resend_rotates_the_link(client, org_admin):
    invitation = InvitationFactory(organisation=org_admin.organisation)
    old_path = invitation_path(invitation)
    login(client, org_admin.user)
    response = client.post(
        reverse("accounts:resend_invitation", args=[org_admin.organisation_id, invitation.pk])
    )
    assert response.status_code == 302
    new_path = link_from_mail(mail.outbox[-1])
    assert new_path != old_path
    assert Client().get(old_path).status_code == 410
    assert Client().get(new_path).status_code == 200


def test_inviting_an_existing_account_joins_instead_of_duplicating(client, org_admin):
    existing = MembershipFactory(user__email="deja@exemple.test")
    login(client, org_admin.user)
    client.post(
        reverse("accounts:invite", args=[org_admin.organisation_id]),
        {"email": "deja@exemple.test", "role": "member"},
    )
    path = link_from_mail(mail.outbox[-1])

    invitee = Client()
    page = invitee.get(path)
    assert "Un compte existe déjà" in text(page)
    login(invitee, existing.user)
    assert "Rejoindre l'organisation" in text(invitee.get(path))
    response = invitee.post(path)
    assert response.status_code == 302
    assert User.objects.filter(email="deja@exemple.test").count() == 1
    assert set(existing.user.memberships.values_list("organisation_id", flat=True)) == {
        existing.organisation_id,
        org_admin.organisation_id,
    }
    assert invitee.session["current_organisation_id"] == org_admin.organisation_id


def test_invitation_opened_while_signed_in_as_someone_else(client, member):
    invitation = InvitationFactory()
    login(client, member.user)
    response = client.get(invitation_path(invitation))
    assert response.status_code == 403
    assert "destinée à une autre adresse" in text(response)
    assert not Invitation.objects.get(pk=invitation.pk).accepted_at


def test_inviting_a_current_member_is_refused(client, org_admin):
    other = MembershipFactory(organisation=org_admin.organisation)
    login(client, org_admin.user)
    response = client.post(
        reverse("accounts:invite", args=[org_admin.organisation_id]),
        {"email": other.user.email, "role": "member"},
    )
    assert response.status_code == 200
    assert "déjà membre" in text(response)
    assert not mail.outbox


def test_inviting_twice_resends_the_pending_invitation(client, org_admin):
    login(client, org_admin.user)
    for _ in range(2):
        client.post(
            reverse("accounts:invite", args=[org_admin.organisation_id]),
            {"email": "bis@exemple.test", "role": "member"},
        )
    assert Invitation.objects.filter(email="bis@exemple.test").count() == 1
    assert len(mail.outbox) == 2


def test_invalid_invitation_form(client, org_admin):
    login(client, org_admin.user)
    response = client.post(
        reverse("accounts:invite", args=[org_admin.organisation_id]),
        {"email": "pas-une-adresse", "role": "roi"},
    )
    assert response.status_code == 200
    page = text(response)
    assert "Saisissez une adresse de courriel valide" in page
    assert "Sélectionnez un choix valide" in page
    assert not Invitation.objects.exists()


# --- membership management: organisation scoping and deactivation ---------------------------


MANAGEMENT_ACTIONS = ["members", "invite", "resend", "deactivate"]


def _request(client, action, organisation, target_membership, invitation):
    org = organisation.pk
    if action == "members":
        return client.get(reverse("accounts:members", args=[org]))
    if action == "invite":
        return client.post(
            reverse("accounts:invite", args=[org]), {"email": "x@exemple.test", "role": "member"}
        )
    if action == "resend":
        return client.post(reverse("accounts:resend_invitation", args=[org, invitation.pk]))
    return client.post(reverse("accounts:deactivate_member", args=[org, target_membership.pk]))


@pytest.mark.parametrize("action", MANAGEMENT_ACTIONS)
@pytest.mark.parametrize(
    ("actor", "own", "allowed"),
    [
        ("admin", True, True),
        ("admin", False, False),
        ("member", True, False),
        ("member", False, False),
        ("inactive_admin", True, False),
        ("staff", False, True),
    ],
)
def test_membership_management_matrix(client, action, actor, own, allowed):
    organisation = OrganisationFactory()
    other_organisation = OrganisationFactory()
    if actor == "staff":
        user = UserFactory(is_staff=True)
    else:
        MembershipFactory(
            organisation=organisation,
            admin=actor in ("admin", "inactive_admin"),
            inactive=actor == "inactive_admin",
            user=(user := UserFactory()),
        )
    target_org = organisation if own else other_organisation
    target = MembershipFactory(organisation=target_org)
    invitation = InvitationFactory(organisation=target_org)
    login(client, user)
    key = invitation.key
    mail.outbox.clear()
    response = _request(client, action, target_org, target, invitation)
    target.refresh_from_db()
    invitation.refresh_from_db()
    if not allowed:
        assert response.status_code == 404
        assert target.is_active
        assert invitation.key == key
        assert not mail.outbox
        assert not Invitation.objects.filter(email="x@exemple.test").exists()
        return
    members_page = reverse("accounts:members", args=[target_org.pk])
    if action == "members":
        assert response.status_code == 200
        page = text(response)
        assert target.user.email in page and invitation.email in page
        assert not mail.outbox
        return
    assert response.status_code == 302
    if (
        action == "deactivate"
        and not target_org.is_internal
        and user.memberships.filter(organisation=target_org, is_active=True).exists()
    ):
        # A partner's admin goes on to reassign the departing member's referrals.
        members_page = f"{reverse('referrals:reassign')}?de={target.user_id}"
    assert response["Location"] == members_page
    if action == "invite":
        invited = Invitation.objects.get(email="x@exemple.test")
        assert (invited.organisation, invited.invited_by) == (target_org, user)
        assert [m.to for m in mail.outbox] == [["x@exemple.test"]]
    elif action == "resend":
        assert invitation.key != key
        assert [m.to for m in mail.outbox] == [[invitation.email]]
    else:
        assert not target.is_active
        assert target.deactivated_at is not None
    if action != "deactivate":
        assert target.is_active


def test_deactivating_a_member_ends_their_sessions_at_once(client, org_admin):
    target = MembershipFactory(organisation=org_admin.organisation)
    victim = Client()
    victim.post(reverse("account_login"), {"login": target.user.email, "password": PASSWORD})
    assert victim.get(reverse("dashboard")).status_code == 200
    assert UserSession.objects.filter(user=target.user).exists()

    login(client, org_admin.user)
    response = client.post(
        reverse("accounts:deactivate_member", args=[org_admin.organisation_id, target.pk]),
        follow=True,
    )
    assert "ses sessions ont été fermées" in text(response)
    target.refresh_from_db()
    assert not target.is_active
    after = victim.get(reverse("dashboard"))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("account_login"))
    # The admin's own session is untouched.
    assert client.get(reverse("dashboard")).status_code == 200


def test_admin_cannot_deactivate_themselves(client, org_admin):
    login(client, org_admin.user)
    response = client.post(
        reverse("accounts:deactivate_member", args=[org_admin.organisation_id, org_admin.pk]),
        follow=True,
    )
    assert "vous désactiver vous-même" in text(response)
    org_admin.refresh_from_db()
    assert org_admin.is_active


def test_members_page_lists_members_and_pending_invitations(client, org_admin):
    colleague = MembershipFactory(organisation=org_admin.organisation)
    pending = InvitationFactory(organisation=org_admin.organisation)
    InvitationFactory(organisation=org_admin.organisation, accepted=True, email="done@x.test")
    login(client, org_admin.user)
    page = client.get(reverse("accounts:members", args=[org_admin.organisation_id]))
    html = text(page)
    assert colleague.user.email in html
    assert pending.email in html
    assert "done@x.test" not in html


def test_csrf_less_posts_are_refused(org_admin):
    target = MembershipFactory(organisation=org_admin.organisation)
    strict = Client(enforce_csrf_checks=True)
    login(strict, org_admin.user)
    response = strict.post(
        reverse("accounts:deactivate_member", args=[org_admin.organisation_id, target.pk])
    )
    assert response.status_code == 403
    assert "Formulaire expiré" in text(response)
    target.refresh_from_db()
    assert target.is_active
    response = Client(enforce_csrf_checks=True).post(
        reverse("account_login"), {"login": target.user.email, "password": PASSWORD}
    )
    assert response.status_code == 403


def test_each_user_chooses_immediate_emails_or_a_daily_digest(client, member):
    login(client, member.user)
    assert client.get(reverse("accounts:notifications")).status_code == 200
    client.post(reverse("accounts:notifications"), {"daily_digest": "True"})
    member.user.refresh_from_db()
    assert member.user.daily_digest
    client.post(reverse("accounts:notifications"), {"daily_digest": "False"})
    member.user.refresh_from_db()
    assert not member.user.daily_digest


def test_a_mail_server_failure_never_breaks_the_password_reset_page(client, settings):
    settings.EMAIL_BACKEND = "tests.utils.BrokenEmailBackend"
    user = UserFactory()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302  # the task failed, the page did not
