"""Fixtures and guards shared by every test.

Guards (each one makes a class of silent mistakes fail loudly):

* Unknown variables in the project's own templates raise (see ``tests/template_guard.py``).
* Tests run in random order (pytest-randomly, forced in ``addopts``); the seed is printed at the
  end of every run, even with ``-q``: reproduce an order with ``--randomly-seed=N``, or run in
  file order with ``-p no:randomly``. The fixtures below reset the per-thread state a test can
  leave behind (the cache, the active language).
"""

import pytest
from django.core.cache import cache
from django.utils import translation

from tests import template_guard
from tests.factories import PASSWORD, MembershipFactory


def pytest_configure(config):
    template_guard.install()


def pytest_terminal_summary(terminalreporter, config):
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.has_plugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(
            f"Random test order: --randomly-seed={seed} (pass it to reproduce this order)"
        )
    else:
        terminalreporter.write_line("Tests ran in file order (pytest-randomly is disabled).")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """LanguageMiddleware activates the visitor's language in the thread that serves the request
    and leaves it active: after a request in English, the next test (same thread) would render
    its emails, form errors and lazy strings in English. Every test starts in the default
    language (settings.LANGUAGE_CODE, French) and leaves it so."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def org_admin(db):
    return MembershipFactory(admin=True)


@pytest.fixture(scope="session")
def proconnect_provider():
    """A local ProConnect (tests/proconnect_provider.py), started once for the tests that use it."""
    from tests.proconnect_provider import LocalProConnect

    provider = LocalProConnect().start()
    yield provider
    provider.stop()


@pytest.fixture
def proconnect(proconnect_provider, settings):
    """ProConnect configured, as the PROCONNECT_* variables do, against the local provider."""
    settings.SOCIALACCOUNT_PROVIDERS = proconnect_provider.socialaccount_providers()
    proconnect_provider.reset()
    return proconnect_provider
