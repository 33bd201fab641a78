from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.digest import send_daily_digests
from referrals.choices import Status
from referrals.models import Referral
from referrals.notifications import DecisionReminder, ReferralSubmitted
from referrals.tasks import expire_information_requests, send_reminders
from tests.referrals.factories import (
    EstablishmentFactory,
    ReferralFactory,
    commission_member,
    head_of,
)

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


def test_daily_jobs_command_runs_through_the_task_backend(capsys):
    ReferralFactory(
        status=Status.INFO_REQUESTED, status_changed_at=timezone.now() - timedelta(days=40)
    )
    call_command("daily_jobs")  # immediate backend in tests: runs now
    assert Referral.objects.get().status == Status.EXPIRED
    call_command("daily_jobs", "--now")
    assert "Demandes expirées : 0" in capsys.readouterr().out


def test_reminders_to_the_commission_at_most_every_n_days(settings):
    settings.REFERRAL_REMINDER_DAYS = 10
    now = timezone.now()
    waiting = ReferralFactory(submitted=True, status_changed_at=now - timedelta(days=11))
    ReferralFactory(
        submitted=True, target=waiting.target, status_changed_at=now - timedelta(days=9)
    )
    overdue = ReferralFactory(
        status=Status.ACCEPTED,
        target=waiting.target,
        planned_admission_date=timezone.localdate() - timedelta(days=1),
    )
    member = commission_member(waiting.target)
    head = head_of(waiting.target)  # who decided `overdue`
    commission_member(EstablishmentFactory())  # another establishment's commission
    assert send_reminders(now) == {"decision": 1, "outcome": 1}
    received = {}
    for message in mail.outbox:
        (recipient,) = message.to
        received.setdefault(recipient, []).append(message.subject)
    assert set(received) == {member.user.email, head.user.email}
    for subjects in received.values():
        decision, outcome = sorted(subjects)
        assert "décision attendue" in decision and waiting.reference in decision
        assert "suite de l'admission" in outcome and overdue.reference in outcome
    # Not again the next day…
    assert send_reminders(now + timedelta(days=1)) == {"decision": 0, "outcome": 0}
    # …but again after the delay (and the younger request is now overdue as well).
    assert send_reminders(now + timedelta(days=11)) == {"decision": 2, "outcome": 1}


def test_daily_digest_instead_of_immediate_emails():
    referral = ReferralFactory(submitted=True)
    member = commission_member(referral.target)
    member.user.daily_digest = True
    member.user.save()
    other = commission_member(referral.target)
    mail.outbox.clear()
    ReferralSubmitted(referral).send()
    DecisionReminder(referral).send()
    assert [m.to for m in mail.outbox] == [[other.user.email]] * 2
    assert member.user.pending_notifications.count() == 2
    mail.outbox.clear()
    assert send_daily_digests() == 1
    assert [m.to for m in mail.outbox] == [[member.user.email]]
    digest = mail.outbox[0]
    assert "2 notifications" in digest.subject
    assert referral.reference in digest.body
    assert f"/orientations/{referral.pk}/" in digest.body
    assert referral.last_name not in digest.body
    assert not member.user.pending_notifications.exists()
