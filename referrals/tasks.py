"""Daily work on referrals, run by the task worker (see portal.tasks.daily_jobs)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import notifications, workflow
from .choices import Action, Status
from .models import Referral
from .permissions import Actor


def expire_information_requests(now=None) -> int:
    """Information requests left unanswered for REFERRAL_INFO_REQUEST_EXPIRY_DAYS expire; the
    partner is told. Returns how many expired."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.REFERRAL_INFO_REQUEST_EXPIRY_DAYS)
    expired = 0
    stale = Referral.objects.filter(status=Status.INFO_REQUESTED, status_changed_at__lt=limit)
    for referral in stale.iterator():
        try:
            workflow.perform(referral, Action.EXPIRE, Actor.system())
        except workflow.TransitionNotAllowed:
            continue  # answered in the meantime
        expired += 1
    return expired


def send_reminders(now=None) -> dict:
    """Remind the commission of requests waiting for a decision for REFERRAL_REMINDER_DAYS, and
    of admissions whose planned date has passed without an outcome. Each referral is reminded
    at most once every REFERRAL_REMINDER_DAYS."""
    now = now or timezone.now()
    delay = timedelta(days=settings.REFERRAL_REMINDER_DAYS)
    not_recently = Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lt=now - delay)
    waiting = Referral.objects.filter(
        not_recently,
        status__in=[Status.SUBMITTED, Status.UNDER_REVIEW],
        status_changed_at__lt=now - delay,
    )
    overdue = Referral.objects.filter(
        not_recently,
        status=Status.ACCEPTED,
        planned_admission_date__lt=timezone.localdate(now),
    )
    counts = {}
    for name, queryset, notification in [
        ("decision", waiting, notifications.DecisionReminder),
        ("outcome", overdue, notifications.OutcomeReminder),
    ]:
        referrals = list(queryset)
        for referral in referrals:
            notification(referral).send()
        Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(last_reminder_at=now)
        counts[name] = len(referrals)
    return counts
