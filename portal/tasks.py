"""The daily jobs, enqueued by `manage.py daily_jobs` (cron, once a day, from one machine)."""

from django_tasks import task

from accounts.digest import send_daily_digests
from referrals.tasks import expire_information_requests, send_reminders


@task()
def daily_jobs() -> dict:
    """Expire stale information requests, send reminders, then the daily digests."""
    result = {"expired": expire_information_requests(), **send_reminders()}
    result["digests"] = send_daily_digests()
    return result
