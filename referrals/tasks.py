"""Periodic work on referrals, run by the task worker (enqueued daily by
`manage.py referral_housekeeping`, from cron or a systemd timer)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import workflow
from .choices import Status
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
            workflow.perform(referral, "expire", Actor.system())
        except workflow.TransitionNotAllowed:
            continue  # answered in the meantime
        expired += 1
    return expired


@task()
def daily_housekeeping() -> dict:
    return {"expired": expire_information_requests()}
