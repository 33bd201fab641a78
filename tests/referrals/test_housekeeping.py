from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from referrals.choices import Status
from referrals.models import Referral
from referrals.tasks import expire_information_requests
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def test_unanswered_information_requests_expire_after_the_configured_delay(settings):
    settings.REFERRAL_INFO_REQUEST_EXPIRY_DAYS = 30
    now = timezone.now()
    old = ReferralFactory(status=Status.INFO_REQUESTED, status_changed_at=now - timedelta(days=31))
    recent = ReferralFactory(
        status=Status.INFO_REQUESTED, status_changed_at=now - timedelta(days=29)
    )
    answered = ReferralFactory(status=Status.SUBMITTED, status_changed_at=now - timedelta(days=60))
    assert expire_information_requests(now) == 1
    assert Referral.objects.get(pk=old.pk).status == Status.EXPIRED
    assert Referral.objects.get(pk=recent.pk).status == Status.INFO_REQUESTED
    assert Referral.objects.get(pk=answered.pk).status == Status.SUBMITTED
    assert [m.to for m in mail.outbox] == [[old.officer.email]]
    assert "expiré" in mail.outbox[0].body
    settings.REFERRAL_INFO_REQUEST_EXPIRY_DAYS = 10
    assert expire_information_requests(now) == 1
    assert Referral.objects.get(pk=recent.pk).status == Status.EXPIRED


def test_housekeeping_command_runs_through_the_task_backend(capsys):
    ReferralFactory(
        status=Status.INFO_REQUESTED, status_changed_at=timezone.now() - timedelta(days=40)
    )
    call_command("referral_housekeeping")  # immediate backend in tests: runs now
    assert Referral.objects.get().status == Status.EXPIRED
    call_command("referral_housekeeping", "--now")
    assert "Demandes expirées : 0" in capsys.readouterr().out
