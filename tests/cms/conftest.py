import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory, home_page


@pytest.fixture
def home(db):
    return home_page()


@pytest.fixture
def editor(db):
    """A member of the "Éditeurs" group created by the cms migrations."""
    user = UserFactory(email="editrice@ilot.test")
    user.groups.add(Group.objects.get(name="Éditeurs"))
    return user
