import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, MembershipFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


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
