"""Headers every response carries: no cache for what is meant for one person, and the
Content-Security-Policy (strict on the public site and the portal, relaxed in one place for the
admin sites), with the endpoint where browsers report what it blocked."""

import json
import logging

import pytest
from django.urls import reverse
from wagtail.models import APIToken

from core.views import REPORT_RATE
from tests.factories import MembershipFactory, UserFactory, home_page
from tests.referrals.factories import ReferralFactory
from tests.utils import login

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


# --- Cache-Control ----------------------------------------------------------------------------


def test_every_response_to_a_signed_in_user_is_no_store(client):
    membership = MembershipFactory()
    referral = ReferralFactory(membership=membership, submitted=True)
    home = home_page()
    login(client, membership.user)
    for url in [
        reverse("dashboard"),
        reverse("referrals:list"),
        reverse("referrals:detail", args=[referral.pk]),
        home.url,  # a public page, seen by a signed-in user
        "/page-qui-n-existe-pas/",  # a 404
    ]:
        response = client.get(url)
        assert response["Cache-Control"] == "no-store, private", url
        assert "public" not in response["Cache-Control"]


def test_the_partner_api_is_never_stored(client):
    membership = MembershipFactory()
    _token, plaintext = APIToken.create_token(user=membership.user, name="Logiciel")
    authenticated = client.get(
        "/api/orientations/v1/referrals", headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert authenticated.status_code == 200
    assert authenticated["Cache-Control"] == "no-store, private"
    refused = client.get("/api/orientations/v1/referrals")  # 401, anonymous
    assert refused.status_code == 401
    assert refused["Cache-Control"] == "no-store, private"
    schema = client.get("/api/orientations/v1/openapi.json")
    assert schema["Cache-Control"] == "no-store, private"


def test_anonymous_public_pages_stay_cacheable(client):
    home = home_page()
    response = client.get(home.url)
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "public" in response["Cache-Control"]


# --- Content-Security-Policy ------------------------------------------------------------------


def test_the_public_site_and_the_portal_have_a_strict_policy(client):
    home = home_page()
    for response in [
        client.get(home.url),
        client.get(reverse("account_login")),
        login(client, MembershipFactory().user).get(reverse("referrals:create")),
    ]:
        assert response.status_code == 200
        policy = directives(response)
        assert policy["script-src"] == ["'self'"]  # no inline script, no nonce
        assert policy["style-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["report-uri"] == [reverse("csp_report")]
        assert b"<script>" not in response.content  # inline scripts are static files now


def test_form_action_is_self_only_without_proconnect(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert directives(client.get(reverse("account_login")))["form-action"] == ["'self'"]


def test_the_admin_sites_get_their_relaxations_and_nothing_more(client):
    login(client, UserFactory(is_superuser=True, is_staff=True))
    wagtail = directives(client.get("/admin/"))
    assert wagtail["script-src"] == ["'self'", "'unsafe-inline'"]
    assert wagtail["frame-ancestors"] == ["'self'"]  # the page editor's preview
    assert wagtail["object-src"] == ["'none'"]
    assert wagtail["form-action"] == ["'self'"]
    django_admin = directives(client.get("/django-admin/"))
    assert django_admin["script-src"] == ["'self'"]
    assert django_admin["style-src"] == ["'self'", "'unsafe-inline'"]
    assert django_admin["frame-ancestors"] == ["'none'"]


def test_violations_are_logged_without_query_strings_or_samples(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://portail.ilot.test/orientations/?q=Rakoto",
            "violated-directive": "script-src-elem",
            "effective-directive": "script-src-elem",
            "blocked-uri": "https://evil.example/x.js?nom=Rakoto",
            "source-file": "https://portail.ilot.test/orientations/",
            "line-number": 12,
            "script-sample": "alert('Rakoto')",
        }
    }
    with caplog.at_level(logging.WARNING, logger="csp"):
        response = client.post(
            reverse("csp_report"), json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "script-src-elem" in logged
    assert "https://evil.example/x.js" in logged
    assert "/orientations/" in logged
    assert "Rakoto" not in logged
    assert (
        client.post(reverse("csp_report"), "pas du json", content_type="text/plain").status_code
        == 400
    )
    assert client.get(reverse("csp_report")).status_code == 405


def test_reports_beyond_the_rate_are_refused_and_not_logged(client, caplog):
    """Someone posting reports in a loop cannot fill the logs: 429 beyond the rate."""
    report = json.dumps({"csp-report": {"effective-directive": "img-src"}})
    for _index in range(REPORT_RATE):
        assert (
            client.post(reverse("csp_report"), report, content_type="application/csp-report")
        ).status_code == 204
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="csp"):
        response = client.post(reverse("csp_report"), report, content_type="application/csp-report")
    assert response.status_code == 429
    assert not caplog.records


# --- links in emails --------------------------------------------------------------------------


def test_password_reset_links_use_site_url_not_the_host_header(client, settings, mailoutbox):
    settings.SITE_URL = "https://portail.ilot.test"
    settings.ALLOWED_HOSTS = ["*"]
    user = UserFactory()
    client.post(
        reverse("account_reset_password"),
        {"email": user.email},
        headers={"Host": "attaquant.example"},
    )
    client.post(
        reverse("account_reset_password"),
        {"email": "inconnu@exemple.test"},
        headers={"Host": "attaquant.example"},
    )
    assert len(mailoutbox) == 2
    for message in mailoutbox:
        assert "attaquant.example" not in message.body
    reset = next(m for m in mailoutbox if m.to == [user.email])
    assert "https://portail.ilot.test/compte/password/reset/key/" in reset.body
    assert "L'Îlot" in reset.body  # the site's name, not the forged host


def test_invitation_links_use_site_url_not_the_host_header(client, settings, mailoutbox):
    settings.SITE_URL = "https://portail.ilot.test"
    admin = MembershipFactory(admin=True)
    login(client, admin.user)
    client.post(
        reverse("accounts:invite", args=[admin.organisation_id]),
        {"email": "nouvelle@spip.test", "role": "member"},
        headers={"Host": "attaquant.example"},
    )
    (message,) = mailoutbox
    assert "https://portail.ilot.test/" in message.body
    assert "attaquant.example" not in message.body


def test_form_action_allows_proconnect_only_when_it_is_configured(client, proconnect):
    policy = directives(client.get(reverse("account_login")))
    assert policy["form-action"] == ["'self'", "/".join(proconnect.url.split("/")[:3])]
