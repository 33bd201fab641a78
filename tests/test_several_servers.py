"""Several app servers (`make prod-check`): two gunicorn servers with production settings behind
nginx, one PostgreSQL, one Redis (tests/several_servers.py). What one server knows, the other
knows: the login rate limit, the session, the uploaded documents; `/healthz` names each.

Marked `several_servers` and left out of the default run (`addopts` in pyproject.toml): it takes
30 s to a few minutes (collectstatic, two servers starting, production's password hashing), so
`make prod-check` runs it, and `.ci/run` runs `make prod-check` after `make test`. It needs nginx
(`apt-get install nginx`) and Redis on 127.0.0.1:6379 (`PROD_CHECK_REDIS_URL` otherwise):
without them it fails, saying so."""

import re
import socket
from pathlib import Path

import httpx
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils.crypto import get_random_string

from referrals.models import Attachment
from tests.authorization.world import minimal_pdf
from tests.browser.conftest import ensure_site_tree
from tests.factories import PASSWORD, MembershipFactory
from tests.referrals.factories import EstablishmentFactory, ReferralFactory
from tests.several_servers import NGINX, REDIS_URL, Deployment

pytestmark = [pytest.mark.several_servers, pytest.mark.django_db(transaction=True)]


def _redis_reachable() -> bool:
    host, port = re.match(r"redis://([^:/]+):?(\d*)", REDIS_URL).groups()
    try:
        socket.create_connection((host, int(port or 6379)), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture
def deployment(transactional_db):
    assert Path(NGINX).exists(), "nginx is missing: apt-get install nginx (see README)"
    assert _redis_reachable(), f"Redis is not reachable at {REDIS_URL} (see README)"
    ensure_site_tree()
    with Deployment(connection.settings_dict["NAME"]) as running:
        yield running


class Visitor:
    """One person's browser, talking to one app server or the other (or through nginx), as a
    proxy would: the site's Host, X-Forwarded-Proto https, the client's address."""

    def __init__(self, deployment, address="203.0.113.7"):
        self.deployment = deployment
        self.address = address
        self.cookies = {}

    def request(self, method, server, path, **kwargs):
        d = self.deployment
        url = d.url(path) if server is None else d.app_url(server, path)
        headers = {
            "Host": f"127.0.0.1:{d.port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Origin": d.origin,
            "Referer": d.origin + path,
            **kwargs.pop("headers", {}),
        }
        if self.cookies:  # secure cookies, sent by hand over the plain HTTP of the test
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = httpx.request(method, url, headers=headers, timeout=30, **kwargs)
        self.cookies.update(response.cookies)
        return response

    def csrf(self, server, path) -> str:
        page = self.request("GET", server, path).text
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def login(self, server, email, password):
        token = self.csrf(server, "/compte/login/")
        return self.request(
            "POST",
            server,
            "/compte/login/",
            data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        )


def production_password(user):
    """The tests hash with MD5 for speed; the servers know production's hashers only."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, get_random_string(16))
    user.save(update_fields=["password"])
    return user


def test_two_app_servers_behind_nginx_share_what_they_must(deployment):
    target_of_attack = production_password(MembershipFactory().user).email
    membership = MembershipFactory()
    production_password(membership.user)
    email = membership.user.email
    referral = ReferralFactory(membership=membership, target=EstablishmentFactory())

    # /healthz through nginx: both servers answer in turn, each with its database and cache.
    seen = set()
    for _ in range(4):
        health = httpx.get(deployment.url("/healthz"), timeout=10).json()
        assert (health["status"], health["database"], health["cache"]) == ("ok", "ok", "ok")
        seen.add(health["server"])
    assert seen == {f"app{i + 1}:{port}" for i, port in enumerate(deployment.app_ports)}, (
        deployment.logs()
    )

    # nginx serves the collected static files itself.
    css = httpx.get(deployment.url("/static/portal/css/site.css"), timeout=10)
    assert css.status_code == 200 and "public, immutable" in css.headers["cache-control"]

    # The login rate limit (5 failures per account in 5 minutes) counts across both servers:
    # 3 failures on one, 2 on the other, then even the right password is refused.
    attacker = Visitor(deployment, address="198.51.100.9")
    for server in (0, 1, 0, 1, 0):
        response = attacker.login(server, target_of_attack, "pas-le-bon-mot-de-passe")
        assert response.status_code == 200, deployment.logs()
    refused = attacker.login(1, target_of_attack, PASSWORD)
    assert refused.status_code == 200
    assert "Trop de tentatives" in refused.text, deployment.logs()
    assert "sessionid" not in attacker.cookies

    # A session opened on one server is valid on the other.
    person = Visitor(deployment, address="192.0.2.20")
    response = person.login(0, email, PASSWORD)
    assert response.status_code == 302, deployment.logs()
    page = person.request("GET", 1, "/espace/")
    assert page.status_code == 200 and membership.organisation.name in page.text

    # A document uploaded through one server is downloaded through the other.
    token = person.csrf(0, f"/orientations/{referral.pk}/")
    upload = person.request(
        "POST",
        0,
        f"/orientations/{referral.pk}/documents/",
        data={"kind": "decision", "csrfmiddlewaretoken": token},
        files={"file": ("jugement.pdf", minimal_pdf(), "application/pdf")},
    )
    assert upload.status_code == 302, deployment.logs()
    attachment = Attachment.objects.get(referral=referral)
    download = person.request("GET", 1, f"/orientations/{referral.pk}/documents/{attachment.pk}/")
    assert download.status_code == 200
    assert download.content == minimal_pdf()
    # Both servers wrote in the one shared directory, outside any URL nginx serves.
    stored = [path for path in deployment.private.rglob("*") if path.is_file()]
    assert [path.read_bytes() for path in stored] == [minimal_pdf()]
    leak = httpx.get(deployment.url(f"/media/{attachment.file.name}/"), timeout=10)
    assert leak.status_code == 404
