"""Shared fixtures for browser journeys: Playwright driving Debian's Chromium against
pytest-django's live server. Journeys only need `page` (and `assert_accessible`)."""

import os
from importlib import import_module

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in the test thread; the ORM calls the test itself makes
# (factories, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # The live server sees committed data only: journeys run in transactional tests,
            # whose tables are emptied afterwards; `site_tree` rebuilds what migrations made.
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def ensure_site_tree():
    """What the migrations create and a transactional test's flush removes: the page tree's
    root, the home page and the default site, the root collection, the editors' group.
    (Django's serialized rollback cannot be used: Playwright's greenlets give the test its own
    database connection object, without the serialized copy.)"""
    from django.apps import apps
    from wagtail.models import Collection, Locale, Page, Site

    from cms.models import HomePage

    if HomePage.objects.exists():
        return
    locale, _ = Locale.objects.get_or_create(language_code="fr")
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    home = root.add_child(
        instance=HomePage(title="L'Îlot", slug="accueil", locale=locale, live=True)
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "L'Îlot"},
    )
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    editors_group = import_module("cms.migrations.0004_editors_group")
    editors_group.create_editors_group(apps, None)


@pytest.fixture
def site_tree(transactional_db):
    ensure_site_tree()


@pytest.fixture
def page(browser, live_server, site_tree):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked = watch_csp(page)
    yield page
    context.close()
    assert not blocked, "The Content-Security-Policy blocked:\n" + "\n".join(blocked)


def watch_csp(page) -> list[str]:
    """What the Content-Security-Policy blocks on this page (and the pages it opens), as Chromium
    reports it on the console: every journey fails when its pages break the policy."""
    blocked = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            blocked.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.context.on("page", lambda other: other.on("console", on_console))
    return blocked


_axe = Axe()


@pytest.fixture
def assert_accessible():
    """Run axe-core on the current page; fail on any serious or critical violation."""

    def check(page):
        results = _axe.run(page)
        violations = [
            v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
        ]
        details = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(str(node["target"]) for node in v["nodes"][:5])
            for v in violations
        )
        assert not violations, f"Accessibility violations on {page.url}:\n{details}"

    return check
