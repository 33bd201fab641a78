"""Referral targets are the CMS's establishment and programme pages (cms.models.ReferralTarget)."""

from django.utils.translation import gettext as _
from wagtail.models import Page


def get_target(target_id):
    """The live, specific page for `target_id` if it can receive referrals at all."""
    from cms.models import ReferralTarget

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
