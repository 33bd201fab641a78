"""Shared fixtures for browser journeys: Playwright driving Debian's Chromium against
pytest-django's live server. Journeys only need `page` (and `assert_accessible`)."""

import os

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
            # The live server sees committed data only; serialized rollback restores what the
            # migrations created (home page, groups) after each journey.
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


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
