"""Possible duplicates: the same person (same normalised last and first names, same birth date)
with an open request. Warned about before a draft is created, never blocked.

What a partner learns is limited to what they may know: their own organisation's referrals (with
a link), and, for another organisation's, only that an open request exists at the establishment
they chose and how to reach its commission; never which organisation, which reference, nor
anything of its content. The commission sees the possible duplicates among the referrals it
receives (`commission_duplicates`).

The names are compared through `Referral.identity_key` (lower case, no accents, hyphens, spaces
or apostrophes), computed on save and indexed, so that the comparison is one indexed query on
any database; anonymisation empties it."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from .choices import Status
from .models import Referral, identity_key
from .permissions import OPEN_STATUSES

OPEN = [*OPEN_STATUSES]


@dataclass
class DuplicateWarning:
    own: list = field(default_factory=list)  # the organisation's own open referrals
    at_target: object = None  # the establishment where someone else's request is open
    partial: bool = False  # compared without a birth date

    def __bool__(self):
        return bool(self.own or self.at_target)

    def message(self) -> str:
        parts = []
        if self.own:
            parts.append(
                _("Votre organisation a déjà une demande en cours pour cette personne : %(refs)s.")
                % {"refs": ", ".join(r.reference for r in self.own)}
            )
        if self.at_target is not None:
            parts.append(
                _(
                    "Une demande est déjà en cours pour une personne du même nom%(birth)s à "
                    "« %(target)s ». Pour en savoir plus, contactez sa commission%(contact)s."
                )
                % {
                    "birth": "" if self.partial else _(" née le même jour"),
                    "target": self.at_target.title,
                    "contact": contact_of(self.at_target),
                }
            )
        if self.partial:
            parts.append(_("Sans date de naissance, la comparaison porte sur le nom seul."))
        return " ".join(parts)


def contact_of(page) -> str:
    phone, email = getattr(page, "phone", ""), getattr(page, "email", "")
    details = " — ".join(value for value in (phone, email) if value)
    return f" ({details})" if details else ""


def possible_duplicates(
    organisation_id, last_name, first_name, birth_date, target, exclude_pk=None
) -> DuplicateWarning:
    """The open referrals of the same person: the organisation's own (drafts included), and
    whether another organisation has one open at `target` (two queries at most)."""
    key = identity_key(last_name, first_name)
    warning = DuplicateWarning(partial=birth_date is None)
    if not key:
        return warning
    same = Referral.objects.filter(identity_key=key, anonymised_at__isnull=True)
    if birth_date is not None:
        same = same.filter(birth_date=birth_date)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    warning.own = list(
        same.filter(organisation_id=organisation_id, status__in=[Status.DRAFT, *OPEN])
        .select_related("target")
        .order_by("-created_at")[:5]
    )
    target_id = getattr(target, "pk", target)
    if target_id and not any(r.target_id == target_id for r in warning.own):
        others = same.filter(target_id=target_id, status__in=OPEN).exclude(
            organisation_id=organisation_id
        )
        if others.exists():
            warning.at_target = getattr(target, "specific", target)
    return warning


def commission_duplicates(referrals) -> dict:
    """{referral id: [the other open referrals of the same person sent to the same
    establishment]} for the commission's queue: one query for the whole page."""
    referrals = [r for r in referrals if r.identity_key]
    if not referrals:
        return {}
    condition = Q()
    for key, birth in {(r.identity_key, r.birth_date) for r in referrals}:
        condition |= Q(identity_key=key, birth_date=birth)
    groups = {}
    for row in Referral.objects.filter(
        condition, target_id__in={r.target_id for r in referrals}, status__in=OPEN
    ).select_related("organisation"):
        groups.setdefault((row.identity_key, row.birth_date, row.target_id), []).append(row)
    found = {}
    for referral in referrals:
        others = [
            row
            for row in groups.get(
                (referral.identity_key, referral.birth_date, referral.target_id), []
            )
            if row.pk != referral.pk
        ]
        if others:
            found[referral.pk] = others
    return found
