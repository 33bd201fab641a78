import json
import logging
from urllib.parse import urlsplit

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .ratelimit import over_rate

logger = logging.getLogger("csp")

MAX_REPORT_SIZE = 16 * 1024
# Reports accepted per address and minute: a page blocked in a loop, or someone filling the logs,
# is answered 429 beyond.
REPORT_RATE = 60


def _without_query(value: str) -> str:
    if not isinstance(value, str) or "://" not in value:
        return str(value)[:100]  # "inline", "eval", "data"…
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:300]


@csrf_exempt
@require_POST
def csp_report(request):
    """Where browsers report what the Content-Security-Policy blocked (``report-uri``).

    Logged as a warning with the directive, what was blocked and where, without query strings
    and without the sample of the blocked code (it could quote personal data)."""
    if over_rate(request, "csp-report", REPORT_RATE):
        return HttpResponse(status=429)
    length = request.META.get("CONTENT_LENGTH", "")
    if not length.isdigit() or int(length) > MAX_REPORT_SIZE:
        return HttpResponseBadRequest()
    try:
        report = json.loads(request.body or b"{}").get("csp-report", {})
    except (ValueError, AttributeError):
        return HttpResponseBadRequest()
    if not isinstance(report, dict):
        return HttpResponseBadRequest()
    logger.warning(
        "CSP violation: %s blocked %s on %s (%s:%s)",
        str(report.get("effective-directive") or report.get("violated-directive", ""))[:100],
        _without_query(report.get("blocked-uri", "")),
        _without_query(report.get("document-uri", "")),
        _without_query(report.get("source-file", "")),
        str(report.get("line-number", ""))[:10],
    )
    return HttpResponse(status=204)
