"""The housing certificate ("attestation d'hébergement") for the judge, and its verification.

A DDSE, a semi-liberté or an LSC is granted only if an address is secured: once a referral is
accepted, its partner downloads a PDF certificate saying so, signed for the head of the
establishment. The PDF carries a verification URL (and its QR code) built on a random token, not
on the referral's id: whoever holds the paper (a court clerk) opens it without an account.

What the verification page says, and nothing more: valid or no longer valid, the reference, the
establishment, the planned admission date and the date of issue. No name, not even initials: the
clerk already holds the paper that names the person, and the URL, if it leaks, must not tell
anyone who is housed where. A token that does not exist says "attestation inconnue", like a
forged one.

A certificate is valid (`validity`) while it has not been revoked (anonymisation) nor superseded
by a newer one, the referral is still accepted (or the person has arrived), and the facts it
certifies have not moved: the decision it quotes, the planned admission date and the release
date. A cancelled admission, a re-orientation, a new decision or a moved release date therefore
make it "n'est plus valable" at once, without any hook in the workflow. Downloading again gives
the same certificate while it is valid, a new one (superseding the old) once it is not.
"""

import base64
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import Action
from ..models import Certificate, Referral, ReferralEvent
from ..permissions import CERTIFIED_STATUSES


def _decision(referral: Referral) -> ReferralEvent | None:
    return (
        referral.events.filter(kind=ReferralEvent.Kind.TRANSITION, action=Action.ACCEPT)
        .select_related("actor")
        .last()
    )


def _facts(referral: Referral, decision: ReferralEvent | None) -> dict:
    """What the certificate certifies and must not move for it to stay valid."""
    return {
        "decision": decision.pk if decision else None,
        "planned_admission_date": _iso(referral.planned_admission_date),
        "release_date": _iso(referral.release_date),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _address(target) -> dict:
    page = target.specific
    lines = [getattr(page, "street", "")]
    city = " ".join(x for x in [getattr(page, "postcode", ""), getattr(page, "city", "")] if x)
    lines.append(city)
    return {
        "lines": [line for line in lines if line],
        "phone": getattr(page, "phone", ""),
        "email": getattr(page, "email", ""),
    }


def snapshot_for(referral: Referral) -> dict:
    decision = _decision(referral)
    signer = decision.actor if decision and decision.actor else None
    return {
        "facts": _facts(referral, decision),
        "public": {
            "reference": referral.reference,
            "establishment": referral.target.title,
            "planned_admission_date": _iso(referral.planned_admission_date),
        },
        "person": {
            "first_name": referral.first_name,
            "last_name": referral.last_name,
            "birth_date": _iso(referral.birth_date),
        },
        "address": _address(referral.target),
        "release_date": _iso(referral.release_date),
        "judicial_situation": referral.get_judicial_situation_display(),
        "referral_type": referral.get_referral_type_display(),
        "place_type": referral.get_place_type_display() if referral.place_type else "",
        "conditions": referral.decision_message,
        "decision_date": _iso(timezone.localdate(decision.created_at)) if decision else None,
        "signer": (signer.get_full_name() or str(signer)) if signer else "",
        "organisation": referral.organisation.name,
    }


@dataclass(frozen=True)
class Validity:
    valid: bool
    reason: str = ""


def validity(certificate: Certificate) -> Validity:
    """The one rule for "is this certificate still valid" (see the module's docstring)."""
    referral = certificate.referral
    if certificate.revoked_at is not None or referral.anonymised_at is not None:
        return Validity(False, _("Cette attestation a été retirée."))
    if certificate.superseded_by_id is not None:
        return Validity(False, _("Une attestation plus récente la remplace."))
    if referral.status not in CERTIFIED_STATUSES:
        return Validity(False, _("L'admission n'est plus d'actualité."))
    if certificate.snapshot.get("facts") != _facts(referral, _decision(referral)):
        return Validity(False, _("La décision ou les dates attestées ont changé."))
    return Validity(True)


def latest_state(referral: Referral) -> tuple[Certificate, Validity] | None:
    """The last certificate handed out for the referral and whether it is still valid (for the
    partner's page: a moved date means printing a new one)."""
    latest = referral.certificates.filter(superseded_by__isnull=True).first()
    return (latest, validity(latest)) if latest is not None else None


def current_certificate(referral: Referral, user) -> Certificate:
    """The certificate the partner downloads: the valid one, or a new one that supersedes the
    previous. The caller has checked that the referral is its own and `certifiable`."""
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        latest = locked.certificates.filter(superseded_by__isnull=True).first()
        if latest is not None and validity(latest).valid:
            return latest
        certificate = Certificate.objects.create(
            referral=locked, issued_by=user, snapshot=snapshot_for(locked)
        )
        if latest is not None:
            latest.superseded_by = certificate
            latest.save(update_fields=["superseded_by"])
        return certificate


def verification_url(certificate: Certificate) -> str:
    path = reverse("certificate_verify", kwargs={"token": certificate.token})
    return settings.SITE_URL.rstrip("/") + path


def qr_svg(url: str) -> str:
    """The URL as an inline SVG QR code (as a data URI, for an <img> with its text alternative)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def revoke_for_anonymisation(referral: Referral):
    """Anonymisation: every certificate of the referral is withdrawn and forgets the person."""
    for certificate in referral.certificates.all():
        snapshot = {k: v for k, v in certificate.snapshot.items() if k in ("facts", "public")}
        Certificate.objects.filter(pk=certificate.pk).update(
            revoked_at=certificate.revoked_at or timezone.now(), snapshot=snapshot
        )
