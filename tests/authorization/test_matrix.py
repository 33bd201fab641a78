"""The authorization matrix (`tests/authorization/matrix.py`) against the running code.

* Every URL pattern (walked from `get_resolver()`) and every operation of the django-ninja APIs
  (read from their OpenAPI schemas) has a row; a new one fails with "add a row for …".
* Every cell of every row is requested as its role (GET, and POST for the mutating rows): an
  allowed POST has its effect checked, a refused one changes nothing.
* The Wagtail admin (`/admin/`) and the Django admin (`/django-admin/`) are checked as two
  families: every URL of theirs refuses an anonymous visitor, and a sample refuses a partner.
* The table in the docs (`docs/matrice-des-autorisations.md`) is the one the matrix renders.
"""

import functools
import json
import re
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from referrals.choices import Action, Status
from referrals.models import PERSON_FIELDS, Attachment, Referral
from tests.referrals.test_api import valid_body
from tests.referrals.test_partner_views import form_data

from . import matrix, render
from . import world as world_module
from .matrix import ROLES, ROWS, SIGNED_IN, WAGTAIL_V3

pytestmark = pytest.mark.django_db


# The django-ninja APIs mounted in the URL configuration, by namespace: their operations are
# rows (read from the schema), their URL patterns are not.
def ninja_apis():
    from wagtail.api.v3.api import api as wagtail_v3

    from cms.api.data_inclusion import api as data_inclusion_api
    from cms.api.site import site_api
    from referrals.api.router import api as referrals_api

    return {
        "referrals_api": referrals_api,
        "cms_api": site_api,
        "data_inclusion_api": data_inclusion_api,
        "wagtailapi_v3": wagtail_v3,
    }


ADMIN_FAMILIES = {"admin/": "Wagtail admin", "django-admin/": "Django admin"}


def _is_operation(pattern) -> bool:
    """A django-ninja operation's URL (its callback is a PathView's wrapper)."""
    return "PathView.get_view" in getattr(pattern.callback, "__qualname__", "")


def url_patterns(resolver=None, prefix="", namespace=""):
    """(key, route, pattern) of every URL pattern outside the admin families and the
    operations of the Ninja APIs. The key is the qualified name, or the route if unnamed."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if not prefix and str(entry.pattern) in ADMIN_FAMILIES:
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, route, inner)
        elif _is_operation(entry):
            if namespace.rstrip(":") not in ninja_apis():
                raise AssertionError(
                    f"A django-ninja API is mounted at /{route} (namespace {namespace!r}): add "
                    f"it to ninja_apis() in {__file__}, so that its operations get rows."
                )
        else:
            yield (namespace + entry.name if entry.name else route), route, entry


@functools.cache
def _operations():
    return list(api_operations())


def api_operations():
    """(key, method, path) of every operation of every Ninja API, from its OpenAPI schema."""
    for namespace, api in ninja_apis().items():
        schema = api.get_openapi_schema()
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                yield f"{namespace}:{operation['operationId']}", method.upper(), path


# --------------------------------------------------------------------------------------------
# Coverage: no URL, no operation without a row
# --------------------------------------------------------------------------------------------

ROW_NAMES = {row.name for row in ROWS}


def test_rows_are_unique_and_use_known_roles_and_objects():
    keys = [row.key for row in ROWS]
    assert len(keys) == len(set(keys)), "duplicate row keys"
    for row in ROWS:
        assert row.obj in matrix.OBJECTS, f"{row.key}: unknown object {row.obj!r}"
        for cells in (row.get, row.post):
            if cells is not None:
                assert set(cells) == set(ROLES), f"{row.key}: a cell per role"


def test_every_url_pattern_has_a_row():
    found = {key: route for key, route, _pattern in url_patterns()}
    missing = sorted(set(found) - ROW_NAMES)
    assert not missing, "\n".join(
        f"No row for the URL {key!r} (/{found[key]}): add a row for {key} to ROWS in "
        "tests/authorization/matrix.py (who may open it, who may post to it), then run "
        "`python -m tests.authorization.render`."
        for key in missing
    )


def test_every_api_operation_has_a_row():
    found = {key: f"{method} {path}" for key, method, path in _operations()}
    known = ROW_NAMES | {f"wagtailapi_v3:{op}" for op in WAGTAIL_V3}
    missing = sorted(set(found) - known)
    assert not missing, "\n".join(
        f"No row for the API operation {key!r} ({found[key]}): add a row for {key} to ROWS "
        "(or to WAGTAIL_V3 for Wagtail's API) in tests/authorization/matrix.py, then run "
        "`python -m tests.authorization.render`."
        for key in missing
    )
    rows = {row.key: row for row in ROWS if row.method}
    for key, row in rows.items():
        method, path = found[row.name].split(" ", 1)
        assert (row.method, row.path) == (method, path), f"{key}: the schema says {found[key]}"


def test_no_row_is_left_for_a_url_or_an_operation_that_is_gone():
    found = {key for key, _route, _p in url_patterns()} | {k for k, _m, _p in _operations()}
    stale = sorted(ROW_NAMES - found)
    assert not stale, f"Rows for URLs or operations that no longer exist: {stale}"
    gone = sorted({f"wagtailapi_v3:{op}" for op in WAGTAIL_V3} - found)
    assert not gone, f"WAGTAIL_V3 lists operations that no longer exist: {gone}"


def test_the_table_in_the_docs_is_up_to_date():
    path = Path(settings.BASE_DIR) / render.DOC
    assert path.exists() and path.read_text() == render.markdown(), (
        f"{render.DOC} is not the table of tests/authorization/matrix.py: run "
        "`python -m tests.authorization.render` (or `make authz-doc`) and commit it."
    )


# --------------------------------------------------------------------------------------------
# The world, built once for the module
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = world_module.build()
        yield built
        transaction.set_rollback(True)


SAMPLE = {"int": "999999", "uuid": "7c6e0d5e-1d2b-4d5e-9a3b-2f1e0c9b8a77"}
ROUTES = {key: (route, pattern) for key, route, pattern in url_patterns()}


def _argument(name, row, world):
    obj = world.objects.get(row.obj)
    if name == "pk":
        if row.obj in ("organisation", "invitation", "membership"):
            return world.org_a.pk
        return obj.pk if obj is not None else SAMPLE["int"]
    values = {
        "attachment_id": lambda: world.objects["attachment"].pk,
        "invitation_id": lambda: world.objects["invitation"].pk,
        "membership_id": lambda: world.objects["membership"].pk,
        "action": lambda: "accept" if row.key.endswith("[accept]") else Action.REQUEST_INFO,
        "document": lambda: "ordre-du-jour",
        "token": lambda: (
            world.objects["certificate"].token
            if row.obj == "certificate"
            else world.objects["invitation_token"]
        ),
        "code": lambda: "en",
        "referral_id": lambda: obj.pk,
    }
    return values.get(name, lambda: SAMPLE["int"])()


def url_for(row, world) -> str:
    if row.method:  # an API operation: its path in the schema
        url = re.sub(r"{(\w+)}", lambda m: str(_argument(m.group(1), row, world)), row.path)
    elif row.name == "wagtail_serve":
        url = world.objects["page"].url
    elif row.name == "wagtaildocs_serve":
        url = world.objects["document"].url
    elif ":" not in row.name and "/" in row.name:  # an unnamed route: its own path
        url = "/" + re.sub(r"<(?:(\w+):)?\w+>", "x", row.name).replace("^", "").replace("$", "")
    else:
        route, _pattern = ROUTES[row.name]
        names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
        names = [a or b for a, b in names]
        url = reverse(row.name, kwargs={n: _argument(n, row, world) for n in names})
    query = row.query.format(x=world.x.pk, year=TODAY().year, org_a=world.org_a.pk)
    return url + (f"?{query}" if query else "")


# --------------------------------------------------------------------------------------------
# What an allowed POST sends, and what it must change
# --------------------------------------------------------------------------------------------

TODAY = timezone.localdate


def _person(referral, **changes):
    data = model_to_dict(referral, fields=PERSON_FIELDS)
    data = {
        k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in data.items()
    }
    data.update(changes)
    return data


def _referral(world, key):
    return Referral.objects.get(pk=world.objects[key].pk)


API = "referrals_api:referrals_api_router_"

POST_DATA = {
    "referrals:create": lambda w, role: form_data(w.x),
    "referrals:edit": lambda w, role: form_data(
        w.x, version=_referral(w, "draft").version, wishes="Modifié par la matrice."
    ),
    "referrals:answer": lambda w, role: {"message": "Voici le jugement demandé."},
    "referrals:withdraw": lambda w, role: {"reason": "autre_solution", "comment": ""},
    "referrals:contest": lambda w, role: {"message": "Sa situation a changé."},
    "referrals:release_date": lambda w, role: {
        "release_date": (TODAY() + timedelta(days=41)).isoformat(),
        "comment": "",
    },
    "referrals:rectify": lambda w, role: _person(_referral(w, "submitted"), last_name="Rectifié"),
    "referrals:message": lambda w, role: {"body": "Message de la matrice."},
    "referrals:upload": lambda w, role: {
        "kind": "decision",
        "file": SimpleUploadedFile("piece.pdf", world_module.minimal_pdf(), "application/pdf"),
    },
    "commission:batch": lambda w, role: {
        "referrals": [str(w.objects["submitted"].pk)],
        "action": Action.SCHEDULE,
        "session": w.objects["session"].pk,
    },
    "commission:note": lambda w, role: {"body": "Note de la matrice."},
    "commission:day_centre": lambda w, role: {"day_centre_contact_date": TODAY().isoformat()},
    "commission:act": lambda w, role: {"message": "Merci de joindre le jugement."},
    "commission:session_create": lambda w, role: {
        "establishment": w.x.pk,
        "date": (TODAY() + timedelta(days=7)).isoformat(),
        "minutes": "",
    },
    "commission:session_edit": lambda w, role: {
        "establishment": w.x.pk,
        "date": (TODAY() + timedelta(days=9)).isoformat(),
        "minutes": "Compte rendu de la matrice.",
    },
    "privacy:access_export": lambda w, role: {"referral": [str(w.objects["submitted"].pk)]},
    "privacy:erasure": lambda w, role: {
        "referral": [str(w.objects["submitted"].pk)],
        "confirm": "on",
    },
    "accounts:invitation": lambda w, role: {
        "first_name": "Nouvelle",
        "last_name": "Collègue",
        "phone": "",
        "password1": "une-phrase-de-passe-solide-2026",
        "password2": "une-phrase-de-passe-solide-2026",
    },
    "accounts:switch_organisation": lambda w, role: {"organisation": w.org_a.pk},
    "accounts:invite": lambda w, role: {"email": "nouvelle@exemple.test", "role": "member"},
    "accounts:security": lambda w, role: {"require_mfa": "on"},
    "referrals:reassign": lambda w, role: {
        "referrals": [str(w.objects["submitted"].pk)],
        "officer": w.objects["membership"].user_id,
        "second_contact": "",
    },
    "referrals:reassign[b]": lambda w, role: {
        "referrals": [str(w.objects["submitted"].pk)],
        "officer": w.users["member_b"].pk,
        "second_contact": "",
    },
    "commission:stay_create": lambda w, role: {
        "establishment": w.x.pk,
        "place_type": "insertion",
        "arrival_date": (TODAY() - timedelta(days=2)).isoformat(),
        "birth_year": "1980",
        "gender": "",
        "measure": "",
    },
    "commission:stay_departure": lambda w, role: {
        "departure_date": TODAY().isoformat(),
        "exit_kind": "logement_autonome",
    },
    "commission:indicators": lambda w, role: {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": w.objects["indicator"].pk,
        "form-0-order": "0",
        "form-0-label": "Bénéficiaires accueillis",
        "form-0-measure": "beneficiaries",
        "form-0-unit": "nombre",
        "form-0-objective": "15",
        "form-0-manual_result": "",
    },
    "csp_report": lambda w, role: {
        "csp-report": {
            "document-uri": "https://portail.exemple.test/orientations/",
            "violated-directive": "script-src-elem",
            "blocked-uri": "inline",
        }
    },
    "accounts:notifications": lambda w, role: {"daily_digest": "True"},
    "accounts:tokens": lambda w, role: {"name": "Logiciel du SPIP"},
    "referrals_api:referrals_api_router_create_referral": lambda w, role: valid_body(w.x),
    "referrals_api:referrals_api_router_withdraw_referral": lambda w, role: {
        "reason": "autre_solution"
    },
    "referrals_api:referrals_api_router_post_message": lambda w, role: {"body": "Bonjour."},
    f"{API}answer_info": lambda w, role: {"message": "Voici le jugement demandé."},
    f"{API}contest_decline": lambda w, role: {"message": "Sa situation a changé."},
    f"{API}change_release_date": lambda w, role: {
        "release_date": (TODAY() + timedelta(days=41)).isoformat(),
        "comment": "",
    },
    f"{API}upload_document": lambda w, role: {
        "kind": "decision",
        "file": SimpleUploadedFile("piece-api.pdf", world_module.minimal_pdf(), "application/pdf"),
    },
}
# Rows whose POST is not a form: a JSON body of this content type, or multipart for an API.
POST_CONTENT_TYPES = {"csp_report": "application/csp-report"}
MULTIPART_API = {f"{API}upload_document"}


def _last_action(world, key):
    return _referral(world, key).events.last().action


def _user_org(world, role):
    return world.users[role].memberships.get().organisation


EFFECTS = {
    "referrals:create": lambda w, role, r: Referral.objects.filter(
        officer=w.users[role], organisation=_user_org(w, role), status=Status.DRAFT
    ).exists(),
    "referrals:edit": lambda w, role, r: _referral(w, "draft").wishes == "Modifié par la matrice.",
    "referrals:delete": lambda w, role, r: (
        not Referral.objects.filter(pk=w.objects["draft"].pk).exists()
    ),
    "referrals:submit": lambda w, role, r: _referral(w, "draft").status == Status.SUBMITTED,
    "referrals:answer": lambda w, role, r: _last_action(w, "info_requested") == Action.ANSWER_INFO,
    "referrals:withdraw": lambda w, role, r: _referral(w, "submitted").status == Status.WITHDRAWN,
    "referrals:contest": lambda w, role, r: _last_action(w, "declined") == Action.CONTEST,
    "referrals:release_date": lambda w, role, r: (
        _referral(w, "submitted").release_date == TODAY() + timedelta(days=41)
    ),
    "referrals:rectify": lambda w, role, r: _referral(w, "submitted").last_name == "Rectifié",
    "referrals:message": lambda w, role, r: (
        _referral(w, "submitted")
        .messages.filter(author=w.users[role], body="Message de la matrice.")
        .exists()
    ),
    "referrals:upload": lambda w, role, r: (
        _referral(w, "submitted")
        .attachments.filter(uploaded_by=w.users[role], original_name="piece.pdf")
        .exists()
    ),
    "commission:batch": lambda w, role, r: (
        (
            _referral(w, "submitted").status,
            _referral(w, "submitted").session_id,
        )
        == (Status.UNDER_REVIEW, w.objects["session"].pk)
    ),
    "commission:note": lambda w, role, r: (
        _referral(w, "submitted").internal_notes.filter(author=w.users[role]).exists()
    ),
    "commission:day_centre": lambda w, role, r: (
        _referral(w, "no_show").day_centre_contact_date == TODAY()
    ),
    "commission:act": lambda w, role, r: _referral(w, "submitted").status == Status.INFO_REQUESTED,
    "commission:session_create": lambda w, role, r: (
        apps.get_model("referrals.CommissionSession")
        .objects.filter(
            establishment=w.x, date=TODAY() + timedelta(days=7), created_by=w.users[role]
        )
        .exists()
    ),
    "commission:session_edit": lambda w, role, r: (
        apps.get_model("referrals.CommissionSession")
        .objects.get(pk=w.objects["session"].pk)
        .minutes
        == "Compte rendu de la matrice."
    ),
    "privacy:access_export": lambda w, role, r: (
        r.status_code == 200 and r["Content-Type"] == "application/zip"
    ),
    "privacy:erasure": lambda w, role, r: _referral(w, "submitted").anonymised_at is not None,
    "accounts:invitation": lambda w, role, r: (
        apps.get_model("accounts.Membership")
        .objects.filter(organisation=w.org_a, user__email="invitee@exemple.test", is_active=True)
        .exists()
    ),
    "accounts:invite": lambda w, role, r: w.org_a.invitations.filter(
        email="nouvelle@exemple.test"
    ).exists(),
    "accounts:resend_invitation": lambda w, role, r: (
        w.org_a.invitations.get(pk=w.objects["invitation"].pk).key != w.objects["invitation"].key
    ),
    "accounts:deactivate_member": lambda w, role, r: (
        not apps.get_model("accounts.Membership")
        .objects.get(pk=w.objects["membership"].pk)
        .is_active
    ),
    "accounts:notifications": lambda w, role, r: (
        apps.get_model("accounts.User").objects.get(pk=w.users[role].pk).daily_digest
    ),
    "accounts:token_revoke": lambda w, role, r: (
        apps.get_model("wagtailcore.APIToken").objects.get(pk=w.objects["token"].pk).revoked_at
        is not None
    ),
    "accounts:security": lambda w, role, r: (
        apps.get_model("accounts.Organisation").objects.get(pk=w.org_a.pk).require_mfa
    ),
    "referrals:reassign": lambda w, role, r: (
        _referral(w, "submitted").officer_id == w.objects["membership"].user_id
    ),
    "commission:stay_create": lambda w, role, r: (
        apps.get_model("referrals.Stay")
        .objects.filter(
            referral=None, establishment=w.x, birth_year=1980, recorded_by=w.users[role]
        )
        .exists()
    ),
    "commission:stay_departure": lambda w, role, r: (
        apps.get_model("referrals.Stay").objects.get(pk=w.objects["stay"].pk).departure_date
        == TODAY()
    ),
    "commission:indicators": lambda w, role, r: (
        apps.get_model("referrals.FunderIndicator")
        .objects.get(pk=w.objects["indicator"].pk)
        .objective
        == 15
    ),
    f"{API}answer_info": lambda w, role, r: (
        r.status_code == 200 and _referral(w, "info_requested").status == Status.SUBMITTED
    ),
    f"{API}contest_decline": lambda w, role, r: (
        r.status_code == 200 and _referral(w, "declined").status == Status.UNDER_REVIEW
    ),
    f"{API}change_release_date": lambda w, role, r: (
        _referral(w, "submitted").release_date == TODAY() + timedelta(days=41)
    ),
    f"{API}upload_document": lambda w, role, r: (
        r.status_code == 201
        and _referral(w, "submitted")
        .attachments.filter(uploaded_by=w.users[role], original_name="piece-api.pdf")
        .exists()
    ),
    "referrals_api:referrals_api_router_create_referral": lambda w, role, r: (
        r.status_code == 201
        and Referral.objects.filter(pk=r.json()["id"], organisation=_user_org(w, role)).exists()
    ),
    "referrals_api:referrals_api_router_submit_referral": lambda w, role, r: (
        _referral(w, "draft").status == Status.SUBMITTED
    ),
    "referrals_api:referrals_api_router_withdraw_referral": lambda w, role, r: (
        _referral(w, "submitted").status == Status.WITHDRAWN
    ),
    "referrals_api:referrals_api_router_post_message": lambda w, role, r: (
        r.status_code == 201
        and _referral(w, "submitted").messages.filter(author=w.users[role]).exists()
    ),
}


@functools.cache
def _fingerprint_sql() -> tuple[list[str], str]:
    """One query: a digest of every row of each model an action could change."""
    labels, parts = [], []
    for label in world_module.FINGERPRINT_MODELS:
        model = apps.get_model(label)
        columns = [
            connection.ops.quote_name(f.column)
            for f in model._meta.concrete_fields
            if f.attname not in world_module.READ_STAMPS
        ]
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        parts.append(
            f"(SELECT md5(coalesce(string_agg(row({', '.join(columns)})::text, '|' "
            f"ORDER BY {pk}), '')) FROM {table})"
        )
        labels.append(label)
    return labels, "SELECT " + ", ".join(parts)


def fingerprint():
    """Every row of the models an action could change (reading stamps left out)."""
    labels, sql = _fingerprint_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(labels, cursor.fetchone(), strict=True))


def _changes(before, after):
    return sorted(label for label in before if before[label] != after[label])


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


def request(world, row, role, method):
    client = world.client(role)
    url = url_for(row, world)
    headers = {}
    if row.method:  # the APIs authenticate with a token, never with the session
        client = world.client("anon")
        if role != "anon":
            headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
        if method != "GET":
            body = POST_DATA.get(row.key, lambda w, r: {})(world, role)
            if row.key in MULTIPART_API:
                return client.post(url, body, **headers)
            return client.generic(
                method, url, data=json.dumps(body), content_type="application/json", **headers
            )
        return client.get(url, **headers)
    if method == "POST":
        body = POST_DATA.get(row.key, lambda w, r: {})(world, role)
        if row.key in POST_CONTENT_TYPES:
            return client.post(url, json.dumps(body), content_type=POST_CONTENT_TYPES[row.key])
        return client.post(url, body)
    return client.get(url)


def outcome(world, row, role, response, expected) -> str:
    """The cell as observed, in the table's notation, compared with `expected`."""
    status = response.status_code
    login = reverse(settings.LOGIN_URL)
    if status == 302 and response["Location"].startswith(login) and expected == "login":
        return "login"
    if expected == "200+" or (row.lists and expected == 200 and status == 200):
        content = response.content.decode()
        if expected == "200+":
            shown = world.objects[row.obj or "submitted"].reference in content
        else:  # a list that must show none of A's referrals
            shown = any(reference in content for reference in world.references())
        return "200+" if status == 200 and shown else status
    return status


def _roles(row):
    return row.sample or tuple(ROLES)


GET_ROWS = [row for row in ROWS if row.get is not None and row.method in ("", "GET")]
POST_ROWS = [row for row in ROWS if row.post is not None]


@pytest.mark.parametrize("row", GET_ROWS, ids=[row.key for row in GET_ROWS])
def test_get(world, row):
    wrong = {}
    for role in _roles(row):
        expected = row.get[role]
        with transaction.atomic():
            response = request(world, row, role, "GET")
            actual = outcome(world, row, role, response, expected)
            transaction.set_rollback(True)
        if actual != expected:
            wrong[role] = f"expected {expected}, got {actual}"
    assert not wrong, f"GET {row.key}: {wrong}"


@contextmanager
def documents_kept():
    """A cell is rolled back, but deleting a document's file (an erasure, a draft deleted) is
    not: put the world's files back, so that no cell depends on the order the cells ran in."""
    files = {a.file.name: (a.file.storage, a.file.read()) for a in Attachment.objects.all()}
    try:
        yield
    finally:
        for name, (storage, content) in files.items():
            if not storage.exists(name):
                storage.save(name, ContentFile(content))


@pytest.mark.parametrize("row", POST_ROWS, ids=[row.key for row in POST_ROWS])
def test_post(world, row):
    method = row.method if row.method and row.method != "GET" else "POST"
    wrong = {}
    for role in _roles(row):
        expected = row.post[role]
        with documents_kept(), transaction.atomic():
            before = fingerprint() if expected != "ok" else None
            response = request(world, row, role, method)
            after = fingerprint() if expected != "ok" else None
            if expected == "ok":
                effect = EFFECTS.get(row.key)
                assert effect, f"{row.key}: add its effect to EFFECTS in {__file__}"
                if response.status_code >= 400 or not effect(world, role, response):
                    wrong[role] = f"allowed, but no effect (status {response.status_code})"
            else:
                actual = outcome(world, row, role, response, expected)
                changed = _changes(before, after)
                if actual != expected or changed:
                    wrong[role] = f"expected {expected} and no change, got {actual} {changed}"
            transaction.set_rollback(True)
    assert not wrong, f"{method} {row.key}: {wrong}"


def test_the_world_satisfies_enforced_mfa_as_the_middleware_checks_it(world):
    """MFA is enforced (`accounts.security`) for the internal team, organisation admins and
    superusers: the world's users are enrolled, which is what `SecurityMiddleware` checks (an
    authenticator, not a flag in the session). Without one, the same user is sent to set it up
    before any portal page."""
    from allauth.mfa.models import Authenticator

    from accounts import security

    must = {role for role, user in world.users.items() if security.mfa_required(user)}
    assert must == set(SIGNED_IN) - {"member_a", "member_b"}
    assert all(security.has_mfa(user) for user in world.users.values())
    for role in ("head_x", "admin_a"):
        with transaction.atomic():
            Authenticator.objects.filter(user=world.users[role]).delete()
            response = world.client(role).get(reverse("dashboard"))
            transaction.set_rollback(True)
        assert response.status_code == 302, role
        assert response["Location"] == reverse("mfa_index"), role


# --------------------------------------------------------------------------------------------
# Wagtail's API v3: every operation by kind; writes refused without the Wagtail permission
# --------------------------------------------------------------------------------------------

V3_OPERATIONS = {
    key: (method, path) for key, method, path in _operations() if key.startswith("wagtailapi_v3:")
}


def _v3_url(path, world):
    values = {
        "page_id": world.x.pk,
        "type": "cms.glossaryterm",
        "type_name": "cms.EstablishmentPage",
    }
    return re.sub(r"{(\w+)}", lambda m: str(values.get(m.group(1), 999999)), path)


@pytest.mark.parametrize("op", sorted(WAGTAIL_V3))
def test_wagtail_v3(world, op):
    method, path = V3_OPERATIONS[f"wagtailapi_v3:{op}"]
    kind = WAGTAIL_V3[op]
    url = _v3_url(path, world)
    for role, expected in matrix.V3_EXPECTED[kind].items():
        with transaction.atomic():
            client = world.client("anon")
            headers = {}
            if role != "anon":
                headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
            before = fingerprint()
            response = client.generic(
                method, url, data="{}", content_type="application/json", **headers
            )
            after = fingerprint()
            transaction.set_rollback(True)
        status = response.status_code
        if expected == "refused":
            assert status in (401, 403, 404, 405, 422), (op, role, status)
            assert not _changes(before, after), (op, role)
        elif expected == "answered":
            assert status < 500 and status != 401, (op, role, status)
        else:
            assert status < 500 and status not in (401, 403), (op, role, status)


def test_wagtail_v3_writes_check_the_permission(world):
    """Valid bodies, so that validation cannot hide a missing permission check: a partner's
    token is refused (403), nothing changes; the editor's creates the redirect."""
    page_url = f"/api/v3/pages/{world.x.pk}/"
    cases = [
        (
            "POST",
            "/api/v3/redirects/",
            {"old_path": "/ancienne", "redirect_link": "https://www.exemple.test/nouvelle"},
        ),
        ("PATCH", page_url, {"title": "Titre changé"}),
        ("POST", f"{page_url}actions/unpublish/", {}),
    ]
    client = world.client("anon")
    for role in ("member_a", "head_x", "management", "dpo"):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[role]}"}
        for method, url, body in cases:
            with transaction.atomic():
                before = fingerprint()
                response = client.generic(
                    method, url, data=json.dumps(body), content_type="application/json", **headers
                )
                after = fingerprint()
                transaction.set_rollback(True)
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
            assert not _changes(before, after), (role, method, url)
    with transaction.atomic():
        response = client.post(
            "/api/v3/redirects/",
            data=json.dumps(cases[0][2]),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {world.tokens['superuser']}",
        )
        assert response.status_code == 201, response.content
        assert (
            apps.get_model("wagtailredirects.Redirect")
            .objects.filter(old_path="/ancienne")
            .exists()
        )
        transaction.set_rollback(True)


# --------------------------------------------------------------------------------------------
# The admin families
# --------------------------------------------------------------------------------------------


def admin_urls(prefix):
    """A plain URL for every pattern of the family (parameters filled with sample values)."""
    resolver = next(e for e in get_resolver().url_patterns if str(e.pattern) == prefix)

    def walk(resolver, route):
        for entry in resolver.url_patterns:
            here = route + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry, here)
            else:
                yield here

    for route in walk(resolver, prefix):
        path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1), "1"), route)
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
        path = path.replace("^", "").replace("$", "").replace("\\", "")
        if "(" not in path and "[" not in path:
            yield route, "/" + path


@pytest.mark.parametrize("prefix", list(ADMIN_FAMILIES))
def test_every_admin_url_refuses_an_anonymous_visitor(client, prefix):
    """Rule: every URL of the family, except its login and logout, sends an anonymous visitor
    to the login page (or answers 404/405/403); none answers 200 to them."""
    checked = 0
    for route, url in admin_urls(prefix):
        if any(w in route for w in ("login", "logout", "password_reset", "jsi18n", "sprite")):
            continue
        response = client.get(url)
        assert response.status_code in (301, 302, 403, 404, 405), (route, response.status_code)
        if response.status_code == 302:
            assert "login" in response["Location"], (route, response["Location"])
        checked += 1
    assert checked > 20


ADMIN_SAMPLE = {
    "admin/": ["/admin/", "/admin/images/", "/admin/documents/", "/admin/users/"],
    "django-admin/": [
        "/django-admin/",
        "/django-admin/accounts/user/",
        "/django-admin/referrals/accesslog/",
    ],
}


@pytest.mark.parametrize("prefix", list(ADMIN_FAMILIES))
def test_admin_sample_by_role(world, prefix):
    """Sample: partners, the commission, management and the DPO never get in; editors get the
    Wagtail admin (not its users), superusers both."""
    for role in ROLES:
        if role == "anon":
            continue
        client = world.client(role)
        for url in ADMIN_SAMPLE[prefix]:
            with transaction.atomic():
                status = client.get(url).status_code
                transaction.set_rollback(True)
            allowed = matrix.admin_allowed(prefix, role, url)
            assert (status == 200) == allowed, (role, url, status)


def test_wagtail_private_page_login_does_not_sign_in_around_allauth(client, password):
    """Wagtail's own login form (Django's LoginView) would skip allauth's rate limits and MFA:
    its address sends to the portal's login, and posting a password there signs nobody in."""
    from tests.factories import UserFactory

    user = UserFactory()
    response = client.post("/_util/login/", {"username": user.email, "password": password})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
