"""Referral targets are the CMS's establishment and programme pages (cms.models.ReferralTarget):
whether a page can receive a referral, and whether a person fits its public."""

from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from accounts.models import Organisation
from cms.choices import ReferralType
from cms.models import ReferralTarget

from .choices import Gender, Status


def get_target(target_id):
    """The live, specific page for `target_id` if it can receive referrals at all."""
    page = Page.objects.live().filter(pk=target_id).specific().first()
    if page is None or not isinstance(page, ReferralTarget):
        return None
    return page


def check_target(target_id, referral_type) -> str | None:
    """Why `target_id` cannot receive a referral of `referral_type`, or None if it can."""
    page = get_target(target_id) if target_id else None
    if page is None:
        return _("Établissement ou programme inconnu.")
    if not page.accepts(referral_type):
        return _("« %(target)s » n'accepte pas ce type de demande en ligne.") % {
            "target": page.title
        }
    return None


def fit_warnings(referral) -> list[str]:
    """Warnings, not errors: the person may not fit the target's public."""
    page = get_target(referral.target_id)
    if page is None:
        return []
    warnings = []
    publics = set(page.publics or [])
    if publics:
        men_only = publics <= {"hommes_seuls"}
        women_only = publics <= {"femmes_seules", "parents_isoles", "familles"} and (
            "hommes_seuls" not in publics and "couples_sans_enfant" not in publics
        )
        if referral.gender == Gender.WOMAN and men_only:
            warnings.append(
                _("« %(t)s » accueille des hommes seuls : vérifiez que l'orientation convient.")
                % {"t": page.title}
            )
        if referral.gender == Gender.MAN and women_only:
            warnings.append(
                _("« %(t)s » accueille des femmes et des familles : vérifiez l'orientation.")
                % {"t": page.title}
            )
    if (
        referral.release_date
        and referral.status == Status.DRAFT
        and referral.release_date < timezone.localdate()
        and referral.referral_type != ReferralType.SORTIE_SECHE
    ):
        warnings.append(_("La date de sortie ou de début de mesure est passée."))
    if referral.organisation.kind == Organisation.Kind.SIAO and not referral.siao_request_number:
        warnings.append(
            _(
                "Orientation par le SIAO sans numéro de demande SI-SIAO : ajoutez-le pour que la "
                "commission retrouve la demande."
            )
        )
    return warnings
