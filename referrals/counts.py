"""How many referrals an actor may read, by status: the list's counts and total, the API's
total. Read from `ReferralCount` (a few rows per organisation and establishment, kept by
PostgreSQL triggers, see migration `0017_referral_counts`) through the very condition that
`permissions.visible_referrals` applies, so that the cost does not grow with the history. SQLite
(`make run`, no trigger) counts the referrals themselves."""

from django.db import connection
from django.db.models import Count, Sum

from .models import Referral, ReferralCount
from .permissions import Actor, visibility


def status_counts(actor: Actor) -> dict[str, int]:
    """{status: number of the actor's visible referrals in it}, statuses without any left out."""
    condition = visibility(actor)
    if condition is None:
        return {}
    if connection.vendor == "postgresql":
        rows = ReferralCount.objects.filter(condition).values_list("status").annotate(n=Sum("n"))
    else:
        rows = Referral.objects.filter(condition).values_list("status").annotate(n=Count("*"))
    return {status: n for status, n in rows.order_by() if n}
