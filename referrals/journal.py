"""The access journal: every read of a person's data and every refused attempt, with who (and for
which organisation), what, when, from which address (as seen through the proxies counted in
`ALLAUTH_TRUSTED_PROXY_COUNT`) and which request. Views, the API and exports call `record`;
`permissions.get_visible_or_404` records refusals. The model, append-only, is
`models.AccessLog`."""

from core.ratelimit import client_ip

from .models import AccessLog

Kind = AccessLog.Action


def record(actor, action: str, referral=None, **details) -> AccessLog:
    """One line of the journal. `actor.request` (set by `permissions.actor_for` and the API)
    gives the address and the request id."""
    request = getattr(actor, "request", None)
    return AccessLog.objects.create(
        referral=referral,
        user=actor.user,
        organisation=actor.organisation,
        action=action,
        details=details,
        ip=client_ip(request) if request is not None else None,
        request_id=getattr(request, "request_id", "") if request is not None else "",
    )


def record_page(actor, referral, page: str) -> AccessLog | None:
    """A page about one referral other than its own page (an action's form shows the person's
    name too): journaled when it is displayed, not when it is submitted."""
    request = getattr(actor, "request", None)
    if request is None or request.method != "GET":
        return None
    return record(actor, Kind.VIEW, referral, page=page)


def record_rows(actor, action: str, referrals, **details) -> AccessLog | None:
    """A list, a search, a printable agenda or an export: which referrals were shown (their
    references, never their names)."""
    references = [r.reference for r in referrals]
    if not references:
        return None
    return record(actor, action, references=references, **details)
