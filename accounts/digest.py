"""Daily digests: people who chose one get their notifications as one email a day.

`hold_for_digest` is the `NOTIFICATION_DIGEST_HOLDER` that core.notifications calls for every
notification that may wait; `send_daily_digests` runs in the daily jobs."""

from django.db import transaction

from .models import PendingNotification, User
from .notifications import DailyDigest


def hold_for_digest(recipients: list[str], subject: str, text: str) -> set[str]:
    """Keep the notification for the recipients who chose a daily digest; return their
    addresses (they get no email now)."""
    users = list(User.objects.filter(email__in=recipients, daily_digest=True))
    PendingNotification.objects.bulk_create(
        PendingNotification(user=user, subject=subject, body=text) for user in users
    )
    return {user.email for user in users}


def send_daily_digests() -> int:
    """One email per user with held-back notifications; returns how many were sent."""
    sent = 0
    for user in User.objects.filter(pending_notifications__isnull=False).distinct():
        with transaction.atomic():
            items = list(user.pending_notifications.select_for_update())
            if not items:
                continue
            DailyDigest(user, items).send()
            PendingNotification.objects.filter(pk__in=[item.pk for item in items]).delete()
        sent += 1
    return sent
