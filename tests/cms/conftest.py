import pytest

from accounts.models import InternalRole
from tests.factories import InternalRoleFactory, home_page


@pytest.fixture
def home(db):
    return home_page()


@pytest.fixture
def editor(db):
    """A member of L'Îlot's team with the editor role, hence of the "Éditeurs" group created by
    the cms migrations (an active membership: API tokens need one, accounts.security)."""
    role = InternalRoleFactory(
        role=InternalRole.Role.EDITOR, membership__user__email="editrice@ilot.test"
    )
    user = role.membership.user
    assert user.groups.filter(name="Éditeurs").exists()
    return user
