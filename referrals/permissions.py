"""Who may see and do what: the one place for these rules, used by the views, the API, the
workflow and the commands alike. A referral, a page or a session that is not yours is a 404,
never a 403: its existence is not disclosed.

In prose:
- A **partner** (a member of a SPIP, SIAO, France Travail… organisation, acting for the
  organisation chosen in the header or `?organisation=` in the API) reads every referral of that
  organisation, drafts included, and acts on them as the referring side (`Side.PARTNER`).
- A **commission member** of an establishment reads the referrals sent to it (never drafts),
  asks for information, schedules them in its sessions, writes internal notes and keeps its
  sessions (`Side.COMMISSION`). The **head** of the establishment does all that and decides:
  favourable, unfavourable, re-orientation, outcomes (`Side.HEAD`). The stay is the head's
  too: the arrival, the departure, and the "arrivals without referral" (residents entered for
  occupancy and the figures) are recorded by the heads of that establishment only — commission
  members read the stays and occupancy of their establishments but record no outcome.
- **Management** (direction of L'Îlot) reads every submitted referral, every session and every
  establishment's figures and occupancy, and decides nothing (nor records arrivals or
  departures: those are facts the establishment witnesses).
- The **data protection officer** (DPO) reads every submitted referral, the access journal, and
  runs the person's rights (access export, erasure); decides nothing.
- An **editor** only works in the CMS (Wagtail's "Éditeurs" group follows the role, see
  `cms.signals`); the portal's referral pages are closed to them.
- Organisation admins manage members and invitations (`accounts.permissions`).

Figures (`referrals.figures`):
- **Heads and commission members** read the figures of their establishments; **management**
  reads every establishment's and the whole association's, with comparisons.
- A **partner** reads the outcomes of its own organisation's referrals, aggregated, and each
  establishment's usual response time (median delay to a decision) — never another
  organisation's figures (asking for them is a 404). Small numbers are suppressed: a count
  below `SMALL_NUMBER` (5) for a single establishment and month is shown as "< 5", so that no
  one can be recognised from a statistic; the page states the rule.
- **Funders' indicators** (objectives per programme and year) are set by management only; they
  are shown with the figures to whoever reads that programme's figures.
- Organisation admins manage members and invitations (`accounts.permissions`), and reassign
  their organisation's referrals (the officer, the second contact) to another active member of
  the same organisation (`can_reassign`, `reassignable_members`).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from wagtail.models import Page

from accounts.models import InternalRole, Membership, User

from . import journal
from .choices import Status
from .models import CommissionSession, Referral, Stay


class Side:
    PARTNER = "partner"
    COMMISSION = "commission"  # commission member or head of the target
    HEAD = "head"  # head of the target establishment
    SYSTEM = "system"


@dataclass
class Actor:
    """A user acting through one membership (the organisation chosen in the UI or the API)."""

    user: object
    membership: Membership | None
    commission_targets: set[int] = field(default_factory=set)
    head_targets: set[int] = field(default_factory=set)
    is_management: bool = False
    is_dpo: bool = False
    request: object = field(default=None, repr=False, compare=False)  # for the access journal

    @classmethod
    def system(cls) -> "Actor":
        return cls(user=None, membership=None)

    @classmethod
    def for_membership(cls, user, membership: Membership | None) -> "Actor":
        actor = cls(user=user, membership=membership)
        if membership is not None and membership.organisation.is_internal:
            for role, target in membership.internal_roles.values_list("role", "establishment_id"):
                if role == InternalRole.Role.MANAGEMENT:
                    actor.is_management = True
                elif role == InternalRole.Role.DPO:
                    actor.is_dpo = True
                elif role in (InternalRole.Role.COMMISSION_MEMBER, InternalRole.Role.HEAD):
                    actor.commission_targets.add(target)
                    if role == InternalRole.Role.HEAD:
                        actor.head_targets.add(target)
        return actor

    @property
    def organisation(self):
        return self.membership.organisation if self.membership else None

    @property
    def is_system(self) -> bool:
        return self.user is None

    @property
    def is_partner(self) -> bool:
        return self.membership is not None and not self.membership.organisation.is_internal

    @property
    def is_internal(self) -> bool:
        return self.membership is not None and self.membership.organisation.is_internal


def actor_for(request) -> Actor:
    if not hasattr(request, "_referral_actor"):
        request._referral_actor = Actor.for_membership(
            request.user, getattr(request, "current_membership", None)
        )
        request._referral_actor.request = request
    return request._referral_actor


def visibility(actor: Actor) -> Q | None:
    """Which referrals the actor may read, as a condition on their `organisation`, `status` and
    `target` only (so that it filters their counts too, `ReferralCount`): all of their
    organisation's for a partner; for the commission, the non-draft referrals sent to its
    establishments; everything sent for the management. None: nothing."""
    if actor.is_partner:
        return Q(organisation_id=actor.membership.organisation_id)
    if actor.is_internal and (actor.is_management or actor.is_dpo or actor.commission_targets):
        submitted = ~Q(status=Status.DRAFT)
        if actor.is_management or actor.is_dpo:
            return submitted
        return submitted & Q(target_id__in=actor.commission_targets)
    return None


def visible_referrals(actor: Actor):
    """Referrals the actor may read (`visibility`)."""
    condition = visibility(actor)
    if condition is None:
        return Referral.objects.none()
    return Referral.objects.filter(condition)


def get_visible_or_404(actor: Actor, pk, queryset=None) -> Referral:
    """The referral if the actor may read it; otherwise a 404, and the refused attempt is
    journaled (a referral that does not exist and one that is not yours look the same)."""
    queryset = queryset if queryset is not None else visible_referrals(actor)
    try:
        return queryset.get(pk=pk)
    except (Referral.DoesNotExist, ValueError, ValidationError) as error:
        journal.record(actor, journal.Kind.REFUSED, requested=str(pk)[:64])
        raise Http404 from error


def is_own_partner(actor: Actor, referral: Referral) -> bool:
    return actor.is_partner and referral.organisation_id == actor.membership.organisation_id


def plays(actor: Actor, side: str, referral: Referral) -> bool:
    """Whether the actor plays `side` on this referral."""
    if side == Side.SYSTEM:
        return actor.is_system
    if actor.is_system:
        return False
    if side == Side.PARTNER:
        return is_own_partner(actor, referral)
    if side == Side.COMMISSION:
        return referral.target_id in actor.commission_targets
    if side == Side.HEAD:
        return referral.target_id in actor.head_targets
    return False


EDITABLE_STATUSES = {Status.DRAFT}
OPEN_STATUSES = {
    Status.SUBMITTED,
    Status.INFO_REQUESTED,
    Status.UNDER_REVIEW,
    Status.ACCEPTED,
}


def can_edit(actor: Actor, referral: Referral) -> bool:
    return referral.status in EDITABLE_STATUSES and is_own_partner(actor, referral)


def can_delete_draft(actor: Actor, referral: Referral) -> bool:
    return can_edit(actor, referral) and referral.officer_id == actor.user.pk


def can_change_release_date(actor: Actor, referral: Referral) -> bool:
    return is_own_partner(actor, referral) and (
        referral.status in EDITABLE_STATUSES | OPEN_STATUSES
    )


def can_post_message(actor: Actor, referral: Referral) -> bool:
    if referral.status == Status.DRAFT:
        return False
    return is_own_partner(actor, referral) or plays(actor, Side.COMMISSION, referral)


def can_add_document(actor: Actor, referral: Referral) -> bool:
    return is_own_partner(actor, referral) and (
        referral.status in EDITABLE_STATUSES | OPEN_STATUSES
    )


# --- pages -------------------------------------------------------------------------------------


def partner_or_404(actor: Actor) -> Actor:
    """The partner pages (create, edit, submit, answer…) are for partners only."""
    if not actor.is_partner:
        raise Http404
    return actor


def reads_referral_lists(actor: Actor) -> bool:
    """The list of referrals: a partner's own, or what the commission, management or the DPO
    reads; not an editor's (the CMS only)."""
    return actor.is_partner or (
        actor.is_internal and bool(actor.commission_targets or actor.is_management or actor.is_dpo)
    )


def uses_commission_area(actor: Actor) -> bool:
    """The commission's queue, sessions and figures: commission members, heads, management."""
    return actor.is_internal and bool(actor.commission_targets or actor.is_management)


def commission_or_404(actor: Actor) -> Actor:
    if not uses_commission_area(actor):
        raise Http404
    return actor


def visible_sessions(actor: Actor):
    """Commission sessions the actor may read: their establishments', all for management."""
    sessions = CommissionSession.objects.select_related("establishment")
    if actor.is_management:
        return sessions
    return sessions.filter(establishment_id__in=actor.commission_targets)


def can_keep_sessions(actor: Actor, establishment_id) -> bool:
    """Management reads sessions, the commission keeps them (creates, edits, minutes)."""
    return establishment_id in actor.commission_targets


def can_record_stays(actor: Actor, establishment_id) -> bool:
    """Arrivals without referral and the departures of those stays: the establishment's heads."""
    return actor.is_internal and establishment_id in actor.head_targets


def visible_stays(actor: Actor):
    """Stays the actor may read: their establishments' (commission, head), all for management."""
    stays = Stay.objects.all()
    if actor.is_internal and actor.is_management:
        return stays
    if actor.is_internal and actor.commission_targets:
        return stays.filter(establishment_id__in=actor.commission_targets)
    return stays.none()


SMALL_NUMBER = 5  # counts below this are hidden from partners (one establishment, one month)


def figures_establishments(actor: Actor) -> list[tuple[int, str]]:
    """(id, title) of the establishments whose figures the actor may read: their own for the
    commission, every establishment and programme page for management (one indexed query on
    the pages, never a scan of the referrals)."""
    if not actor.is_internal:
        raise Http404
    pages = Page.objects.all()
    if actor.is_management:
        pages = pages.filter(Q(establishmentpage__isnull=False) | Q(programmepage__isnull=False))
    elif actor.commission_targets:
        pages = pages.filter(pk__in=actor.commission_targets)
    else:
        raise Http404
    allowed = list(pages.order_by("title", "pk").values_list("pk", "title"))
    if not allowed and not actor.is_management:
        raise Http404
    return allowed


def manages_indicators(actor: Actor) -> bool:
    return actor.is_internal and actor.is_management


def partner_figures_organisation(actor: Actor, requested=None) -> int:
    """The organisation whose aggregated figures a partner reads: their own. Asking for another
    organisation's (`requested`) is a 404, as is anyone who is not a partner."""
    if not actor.is_partner:
        raise Http404
    own = actor.membership.organisation_id
    if requested not in (None, "") and str(requested) != str(own):
        raise Http404
    return own


def sees_access_log(actor: Actor) -> bool:
    """Who read a referral (on its page): management and the DPO."""
    return actor.is_management or actor.is_dpo


def reads_journal(actor: Actor) -> bool:
    return actor.is_internal and bool(actor.is_management or actor.is_dpo or actor.head_targets)


def journal_scope(actor: Actor):
    """Whose journal entries the actor may read: None for all (management, DPO), the ids of
    their establishments for a head; Http404 for anyone else."""
    if actor.is_management or actor.is_dpo:
        return None
    if actor.is_internal and actor.head_targets:
        return set(actor.head_targets)
    raise Http404


def runs_rights(actor: Actor) -> bool:
    """Who answers a person's rights (access export, erasure): heads for the referrals of their
    establishments, and the DPO for all."""
    return actor.is_internal and bool(actor.is_dpo or actor.head_targets)


def rights_referrals(actor: Actor):
    """The referrals whose person's rights the actor may answer."""
    if not runs_rights(actor):
        raise Http404
    submitted = Referral.objects.exclude(status=Status.DRAFT)
    return submitted if actor.is_dpo else submitted.filter(target_id__in=actor.head_targets)


def can_rectify(actor: Actor, referral: Referral) -> bool:
    """The referring partner corrects the person's details of a submitted referral (the draft is
    edited as a whole); never once anonymised."""
    return (
        is_own_partner(actor, referral)
        and referral.status != Status.DRAFT
        and referral.anonymised_at is None
    )


# --- documents handed out on paper (referrals.documents) ---------------------------------------

# An accepted referral, until the person arrived, is what a housing certificate certifies.
CERTIFIED_STATUSES = {Status.ACCEPTED, Status.ARRIVED}


def can_download_certificate(actor: Actor, referral: Referral) -> bool:
    """The referring partner downloads the housing certificate of an accepted referral (any other
    status, or anyone else: a 404)."""
    return (
        is_own_partner(actor, referral)
        and referral.status in CERTIFIED_STATUSES
        and referral.anonymised_at is None
    )


def can_print_receipt(actor: Actor, referral: Referral) -> bool:
    """The referring partner prints the receipt for the person, from the draft on (the person
    may leave the interview with it); not once anonymised."""
    return is_own_partner(actor, referral) and referral.anonymised_at is None


# --- continuity: reassignment within the referring organisation ----------------------------------


def is_organisation_admin(actor: Actor) -> bool:
    return actor.is_partner and actor.membership.role == Membership.Role.ADMIN


def can_reassign(actor: Actor, referral: Referral) -> bool:
    """An admin of the referring organisation gives its follow-up to another member (an
    officer away or leaving); never once anonymised."""
    return (
        is_organisation_admin(actor)
        and is_own_partner(actor, referral)
        and referral.anonymised_at is None
    )


def reassignable_members(organisation_id):
    """Who may follow an organisation's referrals: its active members with an active account."""
    return User.objects.filter(
        is_active=True,
        memberships__organisation_id=organisation_id,
        memberships__is_active=True,
    ).order_by("last_name", "first_name", "email")
