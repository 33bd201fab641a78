"""Property-based tests (hypothesis): whatever a browser (or an attacker) posts to the referral,
message, decision and session forms, the answer is a page or a redirect, never a server error,
and nothing half-written stays behind. Bounded: a few dozen examples per form."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals.models import CommissionSession, Referral
from tests.factories import MembershipFactory
from tests.referrals.factories import (
    CommissionSessionFactory,
    EstablishmentFactory,
    ReferralFactory,
    head_of,
)
from tests.referrals.test_partner_views import form_data
from tests.utils import login

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any text a form can carry (surrogates cannot be encoded by any browser), NUL included.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
HOSTILE = st.one_of(
    TEXT,
    st.sampled_from(["\x00", "0", "-1", str(2**63), "9" * 40, "1e309", "2026-02-30", " ", ""]),
    st.integers().map(str),
    st.dates().map(lambda d: d.isoformat()),
)


def hostile(valid: dict) -> st.SearchStrategy:
    """Each field keeps its valid value or gets a hostile one; some are left out."""
    return st.fixed_dictionaries(
        {},
        optional={name: st.one_of(st.just(value), HOSTILE) for name, value in valid.items()},
    )


@pytest.fixture
def officer(client):
    membership = MembershipFactory()
    login(client, membership.user)
    return membership


@pytest.fixture
def target(db):
    return EstablishmentFactory()


def assert_answered(response):
    assert response.status_code in (200, 302, 404), response.status_code


@given(data=st.data())
@EXAMPLES
def test_the_referral_form(client, officer, target, data):
    before = Referral.objects.count()
    posted = data.draw(hostile(form_data(target)))
    response = client.post(reverse("referrals:create"), posted)
    assert_answered(response)
    if response.status_code == 200:  # refused: nothing was stored
        assert Referral.objects.count() == before


@given(body=HOSTILE)
@EXAMPLES
def test_the_message_form(client, officer, target, body):
    referral = ReferralFactory(membership=officer, target=target, submitted=True)
    response = client.post(reverse("referrals:message", args=[referral.pk]), {"body": body})
    assert_answered(response)
    for message in referral.messages.all():
        assert "\x00" not in message.body and message.body.strip()


@pytest.fixture
def head(client, target):
    membership = head_of(target)
    login(client, membership.user)
    return membership


@given(data=st.data(), action=st.sampled_from(["accept", "decline", "reorient", "request_info"]))
@EXAMPLES
def test_the_decision_forms(client, head, target, data, action):
    referral = ReferralFactory(target=target, scheduled=True)
    session = CommissionSessionFactory(establishment=target)
    valid = {
        "session": str(session.pk),
        "urgent_justification": "",
        "planned_admission_date": "2030-01-15",
        "place_type": "insertion",
        "conditions": "",
        "reason": "pas_de_place",
        "message": "Pas de place.",
        "new_target": str(EstablishmentFactory().pk),
    }
    posted = data.draw(hostile(valid))
    url = reverse("commission:act", args=[referral.pk, action])
    response = client.post(url, posted)
    assert_answered(response)
    referral.refresh_from_db()
    if response.status_code == 200:  # the form came back: the referral did not move
        assert referral.status == "under_review"


@given(data=st.data())
@EXAMPLES
def test_the_session_form(client, head, target, data):
    before = CommissionSession.objects.count()
    valid = {
        "establishment": str(target.pk),
        "date": "2030-03-01",
        "members_present": str(head.user.pk),
        "minutes": "Compte rendu.",
    }
    response = client.post(reverse("commission:session_create"), data.draw(hostile(valid)))
    assert_answered(response)
    if response.status_code == 200:
        assert CommissionSession.objects.count() == before
