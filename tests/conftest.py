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
