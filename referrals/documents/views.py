"""The documents a partner hands out on paper (housing certificate, receipt for the person) and
the certificate's public verification page."""

from datetime import date
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.ratelimit import over_rate

from .. import journal
from ..models import Certificate
from ..permissions import (
    actor_for,
    can_download_certificate,
    can_print_receipt,
    get_visible_or_404,
    partner_or_404,
    visible_referrals,
)
from . import certificates, receipts
from .pdf import pdf_response, render_pdf

# The verification page answers at most this many lookups per address and minute.
VERIFY_RATE = 30


def _dates(snapshot: dict, *names) -> dict:
    return {n: date.fromisoformat(snapshot[n]) if snapshot.get(n) else None for n in names}


def certificate_context(certificate: Certificate) -> dict:
    snapshot = certificate.snapshot
    url = certificates.verification_url(certificate)
    return {
        "certificate": certificate,
        "snapshot": snapshot,
        "person": snapshot.get("person", {}),
        "birth_date": _dates(snapshot.get("person", {}), "birth_date")["birth_date"],
        **_dates(snapshot, "release_date", "decision_date"),
        "planned_admission_date": _dates(snapshot["public"], "planned_admission_date")[
            "planned_admission_date"
        ],
        "verification_url": url,
        "qr_code": certificates.qr_svg(url),
    }


def certificate_for_partner(actor, pk) -> Certificate:
    """The partner's own accepted referral's current certificate; a 404 otherwise (not theirs,
    or not accepted: there is nothing to certify)."""
    partner_or_404(actor)
    referral = get_visible_or_404(actor, pk)
    if not can_download_certificate(actor, referral):
        raise Http404
    certificate = certificates.current_certificate(referral, actor.user)
    journal.record(actor, journal.Kind.PRINT, referral, document="certificate")
    return certificate


@login_required
@require_GET
def certificate_download(request, pk):
    certificate = certificate_for_partner(actor_for(request), pk)
    content = render_pdf(
        "referrals/documents/certificate.html", certificate_context(certificate), request
    )
    filename = f"attestation-hebergement-{certificate.referral.reference}.pdf"
    return pdf_response(content, filename)


@never_cache
@require_GET
def certificate_verify(request, token):
    """Public: valid or not, the reference, the establishment, the planned admission date, the
    date of issue; "attestation inconnue" for any other token. Not journaled: it shows no
    personal data and no user reads it."""
    if over_rate(request, "certificate-verify", VERIFY_RATE):
        response = render(request, "referrals/documents/verify.html", {"too_many": True})
        response.status_code = 429
        return response
    certificate = (
        Certificate.objects.select_related("referral").filter(token=token[:64]).first()
        if token
        else None
    )
    if certificate is None:
        response = render(request, "referrals/documents/verify.html", {"unknown": True})
        response.status_code = 404
        return response
    public = certificate.snapshot.get("public", {})
    return render(
        request,
        "referrals/documents/verify.html",
        {
            "validity": certificates.validity(certificate),
            "reference": public.get("reference", ""),
            "establishment": public.get("establishment", ""),
            "planned_admission_date": _dates(public, "planned_admission_date")[
                "planned_admission_date"
            ],
            "issued_at": timezone.localtime(certificate.issued_at),
        },
    )


def _receipt(request, pk):
    actor = actor_for(request)
    partner_or_404(actor)
    referral = get_visible_or_404(
        actor, pk, visible_referrals(actor).select_related("organisation", "officer", "target")
    )
    if not can_print_receipt(actor, referral):
        raise Http404
    journal.record(actor, journal.Kind.PRINT, referral, document="receipt")
    return referral


@login_required
@require_GET
def receipt(request, pk):
    """The receipt as a page to print from the browser (print CSS)."""
    referral = _receipt(request, pk)
    return render(
        request, "referrals/documents/receipt.html", {**receipts.context(referral), "pdf": False}
    )


@login_required
@require_GET
def receipt_pdf(request, pk):
    referral = _receipt(request, pk)
    css = Path(finders.find("portal/css/receipt.css")).read_text()  # inlined: no fetch
    content = render_pdf(
        "referrals/documents/receipt.html",
        {**receipts.context(referral), "pdf": True, "receipt_css": mark_safe(css)},
        request,
    )
    return pdf_response(content, f"recepisse-{referral.reference}.pdf")
