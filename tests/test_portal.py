import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import OperationalError, connection
from django.urls import reverse

from portal.settings.base import DEV_MFA_KEY

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_healthz_checks_the_database_and_the_cache_and_names_the_server(client, settings):
    settings.APP_SERVER_ID = "app1"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "server": "app1"}
    settings.APP_SERVER_ID = ""
    response = client.get("/healthz")
    assert response.json()["server"] == f"{socket.gethostname()}/{os.getpid()}"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_reports_an_unreachable_cache(client, monkeypatch):
    from django.core.cache import cache

    def broken_set(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "set", broken_set)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "unreachable"


def test_healthz_reports_an_unreachable_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_home_is_in_french(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html
    assert "<main" in html


def test_unknown_page_is_a_french_404(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_dashboard_requires_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_MFA_KEY = Fernet.generate_key().decode()
PRODUCTION_OWN_VARIABLES = {
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "MFA_ENCRYPTION_KEY",
}


def _production_env(**extra):
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_OWN_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        **{"MFA_ENCRYPTION_KEY": PRODUCTION_MFA_KEY, **extra},
        ALLOWED_HOSTS="portail.ilot.test",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilot"),
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    return env


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=_production_env(SECRET_KEY="k" * 20 + "-a-long-random-production-secret-0123456789"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _manage("check", env=_production_env())
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    result = _manage("check", env=_production_env(SECRET_KEY="dev-only-insecure-key"))
    assert result.returncode != 0


def test_production_refuses_to_start_without_its_own_mfa_encryption_key():
    secret = "k" * 20 + "-a-long-random-production-secret-0123456789"
    for key in ("", "not-a-fernet-key", DEV_MFA_KEY):
        result = _manage("check", env=_production_env(SECRET_KEY=secret, MFA_ENCRYPTION_KEY=key))
        assert result.returncode != 0
        assert "MFA_ENCRYPTION_KEY" in result.stderr
    result = _manage(
        "check",
        env=_production_env(SECRET_KEY=secret, MFA_ENCRYPTION_KEY_FALLBACKS="old-broken-key"),
    )
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEY" in result.stderr


def test_french_by_default_even_for_an_english_browser(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="fr">' in response.content.decode()
    assert "Se connecter" in response.content.decode()


def test_english_is_available_on_request(client):
    response = client.get(reverse("choose_language", args=["en"]), {"next": "/compte/login/"})
    assert response["Location"] == "/compte/login/"
    response = client.get(reverse("account_login"))
    assert '<html lang="en">' in response.content.decode()
    assert client.get(reverse("choose_language", args=["xx"])).status_code == 404
    response = client.get(reverse("choose_language", args=["fr"]), {"next": "https://evil.test/"})
    assert response["Location"] == "/"


def test_anonymous_public_pages_set_no_cookie(client):
    response = client.get("/")
    assert not response.cookies


def test_check_deploy_asks_for_a_shared_cache():
    env = _production_env(SECRET_KEY="k" * 20 + "-a-long-random-production-secret-0123456789")
    env.pop("REDIS_URL")
    result = _manage("check", "--deploy", env=env)
    assert "portal.W001" in result.stdout + result.stderr
