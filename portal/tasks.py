"""The daily jobs, enqueued by `manage.py daily_jobs` (cron, once a day, from one machine)."""

from django_tasks import task

from accounts.digest import send_daily_digests
from referrals import retention
from referrals.tasks import expire_information_requests, send_reminders


@task()
def daily_jobs() -> dict:
    """Expire stale information requests, send reminders, apply the retention delays, then send
    the daily digests (which then include what the purge told partners)."""
    result = {"expired": expire_information_requests(), **send_reminders()}
    result["retention"] = retention.purge().as_dict()
    result["digests"] = send_daily_digests()
    return result
