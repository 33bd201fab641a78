"""The counts by status kept at write time (`ReferralCount`, PostgreSQL triggers): they equal
the referrals' own counts after every kind of write, for every reader, and the list and the API
take their totals from them."""

from datetime import date

import pytest
from django.db.models import Count
from django.urls import reverse

from referrals import workflow
from referrals.choices import Action, Status
from referrals.counts import status_counts
from referrals.models import Referral, ReferralCount
from referrals.permissions import visible_referrals
from tests.factories import MembershipFactory
from tests.referrals.factories import (
    EstablishmentFactory,
    ReferralFactory,
    actor,
    head_of,
    management_member,
)
from tests.referrals.test_api import api_for
from tests.utils import login, text

pytestmark = pytest.mark.django_db


def counted(reader) -> dict:
    """The reader's visible referrals counted one by one, as the list did before."""
    rows = visible_referrals(reader).order_by().values_list("status").annotate(n=Count("*"))
    return dict(rows)


def assert_counts_follow(*readers):
    kept = {
        (row.organisation_id, row.target_id, row.status): row.n
        for row in ReferralCount.objects.exclude(n=0)
    }
    truth = {
        (organisation, target, status): n
        for organisation, target, status, n in Referral.objects.order_by()
        .values_list("organisation", "target", "status")
        .annotate(n=Count("*"))
    }
    assert kept == truth
    for reader in readers:
        assert status_counts(reader) == counted(reader)


def test_counts_follow_every_write():
    spip, siao = MembershipFactory(), MembershipFactory()
    chemin_vert, augustins = EstablishmentFactory(), EstablishmentFactory()
    readers = [
        actor(spip),
        actor(siao),
        actor(head_of(chemin_vert)),
        actor(head_of(augustins)),
        actor(management_member()),
    ]

    # Through the workflow: drafts, transitions, a re-orientation (a new referral).
    draft = ReferralFactory(membership=spip, target=chemin_vert)
    ReferralFactory(membership=spip, target=chemin_vert, declined=True)
    ReferralFactory(membership=spip, target=augustins, reoriented=True, reorient_to=chemin_vert)
    waiting = ReferralFactory(membership=siao, target=augustins, info_requested=True)
    ReferralFactory(membership=siao, target=chemin_vert, arrived=True)
    assert_counts_follow(*readers)

    workflow.perform(waiting, Action.WITHDRAW, actor(siao), reason="autre_solution")
    assert_counts_follow(*readers)

    # Behind the workflow: a queryset update (status and establishment), bulk_create, deletion.
    Referral.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED, target=augustins)
    Referral.objects.bulk_create(
        Referral(
            reference=f"T{i:011d}",
            organisation=siao.organisation,
            officer=siao.user,
            target=chemin_vert,
            first_name="Karim",
            last_name=f"Nom{i}",
            birth_date=date(1990, 1, 1),
            status=Status.DEPARTED,
        )
        for i in range(3)
    )
    assert_counts_follow(*readers)
    Referral.objects.filter(reference__startswith="T").delete()
    new_draft = ReferralFactory(membership=spip, target=augustins)
    new_draft.delete()
    assert_counts_follow(*readers)
    assert status_counts(actor(spip)) == {
        Status.SUBMITTED: 2,  # the former draft, and the re-oriented copy at Chemin Vert
        Status.DECLINED: 1,
        Status.REORIENTED: 1,
    }


def test_list_and_api_totals_come_from_the_counts(client):
    officer = MembershipFactory()
    target = EstablishmentFactory()
    for _ in range(3):
        ReferralFactory(membership=officer, target=target, submitted=True)
    ReferralFactory(membership=officer, target=target, declined=True)
    login(client, officer.user)
    words = " ".join(text(client.get(reverse("referrals:list"))).split())
    assert "4 orientations" in words and "3</span> Transmise" in words

    api = api_for(client, officer.user)
    assert api.get("/referrals").json()["count"] == 4
    assert api.get("/referrals", {"status": "submitted"}).json()["count"] == 3
    assert api.get("/referrals", {"status": "accepted"}).json()["count"] == 0
    # Any other filter: counted on the referrals.
    declined = Referral.objects.get(status=Status.DECLINED)
    assert api.get("/referrals", {"q": declined.reference}).json()["count"] == 1
    both = {"q": declined.reference, "status": "submitted"}
    assert api.get("/referrals", both).json()["count"] == 0  # not the 3 submitted
