"""Schemathesis against the APIs' own OpenAPI schemas: every operation, generated input (valid
and not), authenticated with a partner's token: never a server error. Bounded: a few examples per
operation, so that the whole file stays short."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.hypothesis.reporting import UnsatisfiableSchema
from wagtail.models import APIToken

from accounts.models import InternalRole
from tests.factories import InternalRoleFactory, MembershipFactory, home_page
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def wsgi_app():
    """The real application, called in the test's thread and transaction (as Django's test
    client does, the connection is not closed between requests)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    officer = MembershipFactory()
    ReferralFactory(membership=officer, submitted=True)
    home_page()
    _token, plaintext = APIToken.create_token(user=officer.user, name="Logiciel")
    return plaintext


def fuzz(app, schema_path: str, *, headers=None, methods=("GET", "POST", "PUT", "PATCH", "DELETE")):
    """Every operation of the schema, with valid then invalid generated input."""
    schema = schemathesis.openapi.from_wsgi(schema_path, app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        if operation.method.upper() not in methods:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @EXAMPLES
            def call(case):
                case.call_and_validate(headers=headers or {}, checks=[not_a_server_error])

            try:
                call()
            except (UnsatisfiableSchema, Unsatisfiable):
                continue  # no invalid input can be written for this operation


def test_partner_api_never_fails(wsgi_app, token):
    fuzz(
        wsgi_app, "/api/orientations/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}
    )


def test_cms_and_site_api_reads_never_fail(wsgi_app, token):
    fuzz(wsgi_app, "/api/v3/openapi.json", methods=("GET",))
    fuzz(wsgi_app, "/api/v3/site/openapi.json", methods=("GET",))


@pytest.fixture
def editor_token(db):
    """An editor of L'Îlot's team with every Wagtail permission (a superuser), so that the
    writes go as far as they can."""
    role = InternalRoleFactory(role=InternalRole.Role.EDITOR)
    user = role.membership.user
    user.is_superuser = True
    user.save()
    home_page()
    _token, plaintext = APIToken.create_token(user=user, name="Outil éditorial")
    return plaintext


def test_cms_api_writes_never_fail(wsgi_app, editor_token):
    fuzz(
        wsgi_app,
        "/api/v3/openapi.json",
        headers={"Authorization": f"Bearer {editor_token}"},
        methods=("POST", "PUT", "PATCH", "DELETE"),
    )
