"""The partner API (/api/orientations/v1/): bearer tokens only, the same scoping, validation and
state machine as the portal's pages, French errors, idempotent creation, constant query counts."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import APIToken

from cms.choices import ReferralType
from referrals.api.schemas import ReferralIn
from referrals.choices import Action, Status
from referrals.models import AccessLog, Message, Referral, ReferralEvent
from referrals.partner.forms import ReferralForm
from tests.factories import MembershipFactory, OrganisationFactory
from tests.referrals.concurrency import RivalFirst
from tests.referrals.factories import (
    EstablishmentFactory,
    ReferralFactory,
    commission_member,
)
from tests.utils import login

pytestmark = pytest.mark.django_db

BASE = "/api/orientations/v1"
REQUIRED = "Champ requis."  # Django's French, as in the portal's forms


class Api:
    """A test client speaking to the API with one bearer token."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path, params=None, **headers):
        return self.client.get(BASE + path, params or {}, headers={**self.headers, **headers})

    def post(self, path, body=None, **headers):
        return self.client.post(
            BASE + path,
            body if body is not None else {},
            content_type="application/json",
            headers={**self.headers, **headers},
        )


def api_for(client, user) -> Api:
    _token, plaintext = APIToken.create_token(user=user, name="Logiciel du SPIP")
    return Api(client, plaintext)


@pytest.fixture
def partner(db):
    return MembershipFactory()


@pytest.fixture
def api(client, partner):
    return api_for(client, partner.user)


@pytest.fixture
def target(db):
    return EstablishmentFactory(title="CHRS Chemin Vert")


def valid_body(page, /, **overrides):
    today = timezone.localdate()
    body = {
        "first_name": "Karim",
        "last_name": "Benali",
        "birth_date": "1985-03-02",
        "gender": "homme",
        "location": "prison",
        "location_detail": "Centre pénitentiaire d'Amiens",
        "judicial_situation": "fin_de_peine",
        "release_date": (today + timedelta(days=15)).isoformat(),
        "referral_type": ReferralType.SORTIE_SECHE.value,
        "target": page.pk,
        "housing_need": "insertion",
        "employment_need": "emploi",
        "ties_need": "maintien",
        "wishes": "Trouver un travail dans la restauration.",
        "consent": True,
        "consent_date": today.isoformat(),
        "consent_method": "entretien",
    }
    body.update(overrides)
    return body


# --- authentication ---------------------------------------------------------------------------


def test_no_token_is_401_in_french(client, partner):
    response = Api(client, None).get("/referrals")
    assert response.status_code == 401
    assert "jeton d'API" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401(client, partner):
    assert Api(client, "wagtail_nimportequoi").get("/referrals").status_code == 401
    assert Api(client, APIToken.generate_token()).get("/referrals").status_code == 401


def test_revoked_token_is_401(client, partner):
    token, plaintext = APIToken.create_token(user=partner.user, name="Ancien")
    assert Api(client, plaintext).get("/referrals").status_code == 200
    token.revoke()
    assert Api(client, plaintext).get("/referrals").status_code == 401


def test_token_of_a_deactivated_user_is_401(client, partner):
    api = api_for(client, partner.user)
    partner.user.is_active = False
    partner.user.save()
    assert api.get("/referrals").status_code == 401


def test_a_session_cookie_alone_does_not_authenticate(client, partner):
    login(client, partner.user)
    assert client.get(f"{BASE}/referrals").status_code == 401
    response = client.post(
        f"{BASE}/referrals", {}, content_type="application/json", HTTP_X_CSRFTOKEN="x"
    )
    assert response.status_code == 401
    assert not Referral.objects.exists()


def test_a_valid_token_records_its_last_use(api, partner):
    assert api.get("/referrals").status_code == 200
    assert APIToken.objects.get(user=partner.user).last_used_at is not None


def test_docs_and_schema_are_published_in_french(client):
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "API des orientations — L'Îlot"
    assert "Idempotency-Key" in schema["info"]["description"]
    assert f"{BASE}/referrals/{{referral_id}}/submit" in schema["paths"]
    assert client.get(f"{BASE}/docs").status_code == 200


# --- acting organisation ----------------------------------------------------------------------


def test_a_member_of_no_organisation_is_refused(client):
    """Their token answers 401 on every API (accounts.security, tests/test_security.py)."""
    membership = MembershipFactory(inactive=True)
    response = api_for(client, membership.user).get("/referrals")
    assert response.status_code == 401
    assert "plus membre actif" in response.json()["detail"]


def test_several_partner_organisations_need_the_organisation_parameter(client, partner):
    other = MembershipFactory(user=partner.user)
    mine = ReferralFactory(membership=partner)
    theirs = ReferralFactory(membership=other)
    api = api_for(client, partner.user)

    response = api.get("/referrals")
    assert response.status_code == 400
    assert "organisation" in response.json()["detail"]

    listed = api.get("/referrals", {"organisation": other.organisation_id}).json()
    assert [item["id"] for item in listed["items"]] == [str(theirs.pk)]
    path = f"/referrals/{mine.pk}?organisation={other.organisation_id}"
    assert api.get(path).status_code == 404


def test_an_organisation_the_user_is_not_an_active_member_of_is_404(api, partner):
    stranger = OrganisationFactory()
    response = api.get("/referrals", {"organisation": stranger.pk})
    assert response.status_code == 404
    assert "pas membre actif" in response.json()["detail"]
    former = MembershipFactory(user=partner.user, inactive=True)
    assert api.get("/referrals", {"organisation": former.organisation_id}).status_code == 404


def test_internal_commission_members_read_but_cannot_create(client, target):
    member = commission_member(target)
    submitted = ReferralFactory(target=target, submitted=True)
    ReferralFactory(target=target)  # a draft: never seen by the commission
    api = api_for(client, member.user)

    listed = api.get("/referrals").json()
    assert [item["id"] for item in listed["items"]] == [str(submitted.pk)]
    assert api.get(f"/referrals/{submitted.pk}").status_code == 200

    response = api.post("/referrals", valid_body(target))
    assert response.status_code == 403
    assert "partenaires" in response.json()["detail"]
    # Submitting or withdrawing is the partner's: for the commission the referral is not there.
    events = list(submitted.events.values_list("pk", flat=True))
    assert api.post(f"/referrals/{submitted.pk}/withdraw", {"reason": "erreur"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert list(submitted.events.values_list("pk", flat=True)) == events
    assert Referral.objects.count() == 2


# --- list ------------------------------------------------------------------------------------


def test_list_shows_only_the_organisation_s_referrals(api, partner):
    mine = ReferralFactory(membership=partner)
    colleague = ReferralFactory(membership=MembershipFactory(organisation=partner.organisation))
    ReferralFactory(submitted=True)  # another SPIP's
    data = api.get("/referrals").json()
    assert data["count"] == 2
    assert {item["id"] for item in data["items"]} == {str(mine.pk), str(colleague.pk)}
    item = next(i for i in data["items"] if i["id"] == str(mine.pk))
    assert item["reference"] == mine.reference
    assert item["status"] == "draft"
    assert item["status_label"] == "Brouillon"
    assert item["organisation"] == {
        "id": partner.organisation_id,
        "name": partner.organisation.name,
    }
    assert item["target"] == {"id": mine.target_id, "title": mine.target.title}
    assert item["officer"]["email"] == partner.user.email


def test_another_organisation_s_referral_is_404_everywhere(api):
    other = ReferralFactory(submitted=True)
    commission_member(other.target)  # would be told of a message or a withdrawal
    events = list(other.events.values_list("pk", flat=True))
    mail.outbox.clear()
    for path in ("", "/messages", "/events"):
        response = api.get(f"/referrals/{other.pk}{path}")
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Orientation introuvable."}
    for path, body in (
        ("/submit", {}),
        ("/withdraw", {"reason": "erreur"}),
        ("/messages", {"body": "Bonjour"}),
    ):
        assert api.post(f"/referrals/{other.pk}{path}", body).status_code == 404, path
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED
    assert list(other.events.values_list("pk", flat=True)) == events
    assert not Message.objects.exists()
    # Nothing was read; every attempt is journaled as refused, without the referral itself.
    assert set(AccessLog.objects.values_list("action", flat=True)) == {AccessLog.Action.REFUSED}
    assert not AccessLog.objects.filter(referral__isnull=False).exists()
    assert not mail.outbox
    assert api.get("/referrals/pas-un-uuid").status_code == 404
    assert api.get(f"/referrals/{uuid.uuid4()}").status_code == 404


def test_list_filters_and_pagination(api, partner):
    today = timezone.localdate()
    soon = ReferralFactory(
        membership=partner,
        last_name="Durand",
        release_date=today + timedelta(days=3),
        submitted=True,
    )
    later = ReferralFactory(
        membership=partner,
        last_name="Martin",
        release_date=today + timedelta(days=40),
        referral_type=ReferralType.SEMI_LIBERTE,
    )

    def ids(**params):
        response = api.get("/referrals", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids(status="submitted") == [str(soon.pk)]
    assert ids(referral_type="semi_liberte") == [str(later.pk)]
    # Today's DDSE finds the referrals of the former law's PSE too; PSE finds only those.
    former = ReferralFactory(membership=partner, referral_type=ReferralType.PSE)
    assert set(ids(referral_type="ddse")) == {str(soon.pk), str(former.pk)}
    assert ids(referral_type="pse") == [str(former.pk)]
    former.delete()
    assert ids(q="durand") == [str(soon.pk)]
    assert ids(q=later.reference) == [str(later.pk)]
    assert ids(release_before=(today + timedelta(days=10)).isoformat()) == [str(soon.pk)]
    assert ids(release_after=(today + timedelta(days=10)).isoformat()) == [str(later.pk)]
    # Most recent first, and limit/offset.
    assert ids() == [str(later.pk), str(soon.pk)]
    page = api.get("/referrals", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2
    assert (page["limit"], page["offset"]) == (1, 1)
    assert [item["id"] for item in page["items"]] == [str(soon.pk)]


def test_invalid_filters_are_422_in_french(api):
    response = api.get("/referrals", {"status": "perdu", "release_after": "demain", "limit": 0})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["status"][0].startswith("Valeur inconnue.")
    assert errors["release_after"] == ["Date invalide : utilisez le format AAAA-MM-JJ."]
    assert errors["limit"] == ["La valeur doit être au moins 1."]


def test_list_query_count_does_not_grow_with_rows(api, partner, django_assert_max_num_queries):
    targets = [EstablishmentFactory() for _ in range(3)]
    for i in range(3):
        ReferralFactory(membership=partner, target=targets[i % 3])
    api.get("/referrals")  # the token's last use is written once, not on every request
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/referrals", {"limit": 100}).json()["items"]) == 3
    for i in range(27):
        officer = MembershipFactory(organisation=partner.organisation)
        ReferralFactory(membership=officer, target=targets[i % 3])
    with django_assert_max_num_queries(len(few)):
        assert len(api.get("/referrals", {"limit": 100}).json()["items"]) == 30


# --- create ----------------------------------------------------------------------------------


def test_create_a_draft(api, partner, target):
    response = api.post("/referrals", valid_body(target))
    assert response.status_code == 201, response.content
    data = response.json()
    referral = Referral.objects.get()
    assert data["id"] == str(referral.pk)
    assert data["status"] == "draft"
    assert data["reference"] == referral.reference
    assert data["allowed_actions"] == ["submit"]
    assert referral.organisation == partner.organisation
    assert referral.officer == partner.user
    assert referral.target_id == target.pk
    assert referral.creation_key is None
    event = ReferralEvent.objects.get(referral=referral)
    assert (event.action, event.actor, event.organisation) == (
        "created",
        partner.user,
        partner.organisation,
    )
    # Only the fields the schema lists: nothing internal leaks.
    assert "creation_key" not in data
    assert "events" not in data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"birth_date": "2090-01-01"},
            "birth_date",
            "La date de naissance ne peut pas être dans le futur.",
        ),
        (
            {"release_date": "2020-01-01"},
            "release_date",
            "Pour une sortie sèche, la date de sortie prévue ne peut pas être passée.",
        ),
        (
            {"referral_type": ReferralType.TIG.value},
            "target",
            "« CHRS Chemin Vert » n'accepte pas ce type de demande en ligne.",
        ),
        ({"target": 999_999}, "target", "Établissement ou programme inconnu."),
        ({"first_name": ""}, "first_name", REQUIRED),
    ],
)
def test_create_with_bad_input_is_422_and_creates_nothing(api, target, overrides, field, message):
    response = api.post("/referrals", valid_body(target, **overrides))
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["detail"] == "Le brouillon n'a pas été créé : corrigez les champs signalés."
    assert message in data["errors"][field]
    assert not Referral.objects.exists()
    assert not ReferralEvent.objects.exists()


def test_create_with_a_target_that_does_not_take_online_referrals(api, target):
    closed = EstablishmentFactory(title="CHU La Passerelle", accepts_online_referrals=False)
    response = api.post("/referrals", valid_body(target, target=closed.pk))
    assert response.status_code == 422
    assert response.json()["errors"]["target"] == [
        "« CHU La Passerelle » n'accepte pas ce type de demande en ligne."
    ]


def test_create_with_malformed_values_is_422_in_french(api, target):
    body = valid_body(target, gender="inconnu", birth_date="12/03/1985")
    del body["last_name"]
    response = api.post("/referrals", body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["last_name"] == [REQUIRED]
    assert errors["birth_date"] == ["Date invalide : utilisez le format AAAA-MM-JJ."]
    assert errors["gender"][0].startswith("Valeur inconnue.")
    assert not Referral.objects.exists()


def test_second_contact_must_belong_to_the_organisation(api, partner, target):
    colleague = MembershipFactory(organisation=partner.organisation).user
    stranger = MembershipFactory().user
    response = api.post("/referrals", valid_body(target, second_contact=stranger.pk))
    assert response.status_code == 422
    assert response.json()["errors"]["second_contact"] == [
        "Le second contact doit être un membre actif de votre organisation."
    ]
    response = api.post("/referrals", valid_body(target, second_contact=colleague.pk))
    assert response.status_code == 201
    assert response.json()["second_contact"]["email"] == colleague.email


def test_the_schema_requires_what_the_form_requires(partner):
    form = ReferralForm(organisation=partner.organisation)
    form_required = {name for name, field in form.fields.items() if field.required}
    schema_required = {
        name for name, field in ReferralIn.model_fields.items() if field.is_required()
    }
    assert schema_required == form_required
    assert set(ReferralIn.model_fields) == set(form.fields) - {"version", "creation_key"}


def test_idempotent_create(api, target):
    key = str(uuid.uuid4())
    first = api.post("/referrals", valid_body(target), **{"Idempotency-Key": key})
    assert first.status_code == 201
    again = api.post("/referrals", valid_body(target), **{"Idempotency-Key": key})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Referral.objects.count() == 1
    assert ReferralEvent.objects.count() == 1
    assert str(Referral.objects.get().creation_key) == key
    other = api.post("/referrals", valid_body(target), **{"Idempotency-Key": str(uuid.uuid4())})
    assert other.status_code == 201
    assert Referral.objects.count() == 2


def test_idempotency_key_must_be_a_uuid(api, target):
    response = api.post("/referrals", valid_body(target), **{"Idempotency-Key": "essai-1"})
    assert response.status_code == 400
    assert "UUID" in response.json()["detail"]
    assert not Referral.objects.exists()


def test_idempotency_key_of_another_organisation_is_refused(client, api, target):
    key = str(uuid.uuid4())
    other = api_for(client, MembershipFactory().user)
    assert (
        other.post("/referrals", valid_body(target), **{"Idempotency-Key": key}).status_code == 201
    )
    response = api.post("/referrals", valid_body(target), **{"Idempotency-Key": key})
    assert response.status_code == 409
    assert Referral.objects.count() == 1


# --- one referral and its actions ------------------------------------------------------------


def test_detail(api, partner):
    referral = ReferralFactory(membership=partner)
    data = api.get(f"/referrals/{referral.pk}").json()
    assert data["id"] == str(referral.pk)
    assert data["judicial_situation"] == "ddse"
    assert data["judicial_situation_label"].startswith("DDSE")
    assert data["consent"] is True
    assert data["decline_reason"] is None
    assert data["allowed_actions"] == ["submit"]


def test_submit_then_retried_submit_is_409_without_a_second_event(api, partner):
    referral = ReferralFactory(membership=partner)
    response = api.post(f"/referrals/{referral.pk}/submit")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["allowed_actions"] == ["withdraw"]

    again = api.post(f"/referrals/{referral.pk}/submit")
    assert again.status_code == 409
    assert again.json()["detail"].startswith("Action impossible : cette orientation est maintenant")
    assert "« Transmise »" in again.json()["detail"]
    assert (
        ReferralEvent.objects.filter(referral=referral, kind=ReferralEvent.Kind.TRANSITION).count()
        == 1
    )


def test_submit_an_incomplete_draft_is_422_with_the_missing_fields(api, partner):
    referral = ReferralFactory(
        membership=partner, consent=False, consent_date=None, consent_method=""
    )
    response = api.post(f"/referrals/{referral.pk}/submit")
    assert response.status_code == 422
    data = response.json()
    assert data["errors"]["consent"] == [
        "L'accord de la personne est obligatoire pour transmettre."
    ]
    assert data["errors"]["consent_date"] == ["Indiquez la date de l'accord."]
    assert data["errors"]["consent_method"] == ["Indiquez comment l'accord a été recueilli."]
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT
    assert not ReferralEvent.objects.filter(kind=ReferralEvent.Kind.TRANSITION).exists()


def test_withdraw(api, partner):
    referral = ReferralFactory(membership=partner, submitted=True)
    response = api.post(
        f"/referrals/{referral.pk}/withdraw",
        {"reason": "autre_solution", "comment": "Hébergé par sa sœur."},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert response.json()["withdraw_reason"] == "autre_solution"
    event = referral.events.last()
    assert (event.action, event.comment, event.data) == (
        Action.WITHDRAW,
        "Hébergé par sa sœur.",
        {"reason": "autre_solution"},
    )


def test_withdraw_needs_a_reason_and_a_transmitted_referral(api, partner):
    referral = ReferralFactory(membership=partner, submitted=True)
    response = api.post(f"/referrals/{referral.pk}/withdraw", {"comment": "…"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"reason": [REQUIRED]}
    draft = ReferralFactory(membership=partner)
    response = api.post(f"/referrals/{draft.pk}/withdraw", {"reason": "erreur"})
    assert response.status_code == 409
    assert "Brouillon" in response.json()["detail"]


def test_messages(api, partner):
    referral = ReferralFactory(membership=partner, submitted=True)
    response = api.post(f"/referrals/{referral.pk}/messages", {"body": "  Le jugement suit.  "})
    assert response.status_code == 201, response.content
    assert response.json()["body"] == "Le jugement suit."
    assert response.json()["organisation"] == partner.organisation.name

    listed = api.get(f"/referrals/{referral.pk}/messages").json()
    assert [m["body"] for m in listed] == ["Le jugement suit."]
    assert listed[0]["author"] == str(partner.user)


def test_an_empty_message_is_refused(api, partner):
    referral = ReferralFactory(membership=partner, submitted=True)
    response = api.post(f"/referrals/{referral.pk}/messages", {"body": "   "})
    assert response.status_code == 422
    assert response.json()["errors"] == {"body": ["Le message est vide."]}
    response = api.post(f"/referrals/{referral.pk}/messages", {})
    assert response.status_code == 422
    assert response.json()["errors"] == {"body": [REQUIRED]}
    assert not Message.objects.exists()


def test_no_message_on_a_draft(api, partner):
    draft = ReferralFactory(membership=partner)
    response = api.post(f"/referrals/{draft.pk}/messages", {"body": "Bonjour"})
    assert response.status_code == 409
    assert "transmettez-le" in response.json()["detail"]
    assert not Message.objects.exists()


def test_events(api, partner, target):
    created = api.post("/referrals", valid_body(target)).json()
    api.post(f"/referrals/{created['id']}/submit")
    events = api.get(f"/referrals/{created['id']}/events").json()
    assert [(e["action"], e["label"]) for e in events] == [
        ("created", "Brouillon créé"),
        ("submit", "Transmise"),
    ]
    assert events[1]["from_status"] == "draft"
    assert events[1]["to_status"] == "submitted"
    assert events[1]["actor"] == str(partner.user)
    assert events[1]["organisation"] == partner.organisation.name


def test_the_same_key_sent_twice_at_once_creates_one_draft(api, partner, target, monkeypatch):
    """Both requests pass the 'already created?' checks (the API's and the workflow's); the
    other one's draft is committed just before this one's insert, which then hits the unique
    key (the IntegrityError branch of workflow.create_draft) and answers with the other's
    draft."""
    from referrals import workflow

    key = uuid.uuid4()
    race = RivalFirst(lambda: ReferralFactory(membership=partner, target=target, creation_key=key))
    monkeypatch.setattr(workflow, "transaction", race)
    response = api.post("/referrals", valid_body(target), **{"Idempotency-Key": str(key)})
    assert race.endings == [None, IntegrityError]  # the rival's insert, then this one's
    assert response.status_code == 200, response.content
    assert response.json()["id"] == str(race.rival.pk)
    assert response.json()["reference"] == race.rival.reference
    assert list(Referral.objects.values_list("pk", flat=True)) == [race.rival.pk]
    # Only the rival's creation is in the history: the insert that lost left nothing.
    assert list(ReferralEvent.objects.values_list("referral_id", "action")) == [
        (race.rival.pk, Action.CREATED)
    ]


# --- traces -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/messages", "/events"])
def test_every_read_of_a_referral_is_traced(client, api, partner, path):
    referral = ReferralFactory(membership=partner, accepted=True)
    member = commission_member(referral.target)
    response = api.get(f"/referrals/{referral.pk}{path}")
    assert response.status_code == 200, response.content
    assert api_for(client, member.user).get(f"/referrals/{referral.pk}{path}").status_code == 200
    traces = referral.accesses.order_by("at", "pk").values_list("user", "organisation", "action")
    assert list(traces) == [
        (partner.user_id, partner.organisation_id, AccessLog.Action.API_READ),
        (member.user_id, member.organisation_id, AccessLog.Action.API_READ),
    ]
    # A referral one may not read leaves no trace.
    other = ReferralFactory(submitted=True)
    assert api.get(f"/referrals/{other.pk}{path}").status_code == 404
    assert not other.accesses.exists()


def test_too_many_requests_is_429_in_french(api, monkeypatch):
    from referrals.api import router as api_module

    throttle = api_module.api.throttle[0]
    monkeypatch.setattr(throttle, "num_requests", 2)
    assert api.get("/referrals").status_code == 200
    assert api.get("/referrals").status_code == 200
    response = api.get("/referrals")
    assert response.status_code == 429
    assert response.json()["detail"] == "Trop de requêtes : réessayez dans quelques instants."
    assert int(response["Retry-After"]) > 0
