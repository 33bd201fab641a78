"""How long personal data is kept, and the daily purge that applies it (CNIL guidance for
social-support files). The delays are settings, in days (README, "Sécurité et données
personnelles"):

- `RETENTION_UNANSWERED_DAYS`: a request left without any decision is closed (`close_unanswered`,
  the partner is told);
- `RETENTION_ATTACHMENTS_DAYS` after the decision or the closure, the documents are deleted from
  the storage and the database (an event says so);
- `RETENTION_DRAFTS_DAYS` after their last change, drafts never submitted are deleted;
- `RETENTION_REFERRALS_DAYS` after the last activity of a referral and of the referrals linked to
  it by re-orientation, the file is anonymised: everything that names or describes the person is
  erased (with the duplicate check's key and the users' "seen" markers), what the yearly
  figures need (dates, statuses, establishment, organisation, type, judicial situation,
  reasons) is kept, so that every figure stays the same; the referral's stay
  (`models.Stay`: dates, place type, coded exit, measure, and the birth year, gender and justice
  public that the anonymised referral keeps too) is kept as it is, so the stay figures stay the
  same too. A person still hosted (a stay without departure) is never anonymised: their file
  is in use until they leave, whatever its last event;
- `RETENTION_JOURNAL_DAYS` after it was written, an access-journal entry is deleted.

Every step is idempotent and safe on two machines at once: each referral is handled in its own
transaction on a row locked with SKIP LOCKED, and what is done is recorded, so that an interrupted
run resumes where it stopped. Each run writes its counts (never a name) to the access journal.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from . import workflow
from .choices import Action, Status
from .documents import certificates
from .models import (
    AccessLog,
    Attachment,
    InternalNote,
    Message,
    Referral,
    ReferralEvent,
    ReferralSeen,
)
from .permissions import Actor

OPEN = [Status.SUBMITTED, Status.INFO_REQUESTED, Status.UNDER_REVIEW, Status.ACCEPTED]
UNDECIDED = [Status.DRAFT, Status.SUBMITTED, Status.INFO_REQUESTED, Status.UNDER_REVIEW]

# What anonymisation erases on the referral (set to ""), and what replaces the texts.
ERASED_FIELDS = [
    "contact",
    "location_detail",
    "housing_comment",
    "employment_comment",
    "health_note",
    "ties_comment",
    "wishes",
    "decision_message",
]
ANONYMOUS_FIRST_NAME = "Personne"
ANONYMOUS_LAST_NAME = "anonymisée"
ERASED_TEXT = "[Texte effacé : durée de conservation échue]"
# Free text that the workflow keeps in an event's data; the rest (dates, reasons, ids) is kept.
FREE_TEXT_DATA = ["urgent_justification"]


@dataclass
class PurgeReport:
    closed_unanswered: int = 0
    attachments_deleted: int = 0
    drafts_deleted: int = 0
    referrals_anonymised: int = 0
    journal_deleted: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def last_activity(queryset=None):
    """Referrals annotated with `last_activity`: the latest of their last change, event and
    message."""
    queryset = Referral.objects.all() if queryset is None else queryset

    def latest(rows):
        return Coalesce(
            Subquery(
                rows.filter(referral=OuterRef("pk"))
                .order_by("-created_at")
                .values("created_at")[:1],
                output_field=DateTimeField(),
            ),
            "updated_at",
        )

    return queryset.annotate(
        last_activity=Greatest(
            "updated_at",
            # The purge's own events (documents deleted) are not activity.
            latest(ReferralEvent.objects.exclude(kind=ReferralEvent.Kind.RETENTION)),
            latest(Message.objects.all()),
        )
    )


def anonymisation_limit(now=None):
    """Referrals whose last activity is older than this are anonymised."""
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_REFERRALS_DAYS)


def notice_limit(now=None):
    """Open referrals whose last activity is older than this are shown in the commission's queue
    as "anonymised soon"."""
    return anonymisation_limit(now) + timedelta(days=settings.RETENTION_NOTICE_DAYS)


def purge(now=None, dry_run=False) -> PurgeReport:
    """The daily purge (see the module's docstring). With `dry_run`, only counts."""
    now = now or timezone.now()
    report = PurgeReport(
        closed_unanswered=close_unanswered(now, dry_run),
        attachments_deleted=delete_old_attachments(now, dry_run),
        drafts_deleted=delete_stale_drafts(now, dry_run),
        referrals_anonymised=anonymise_inactive(now, dry_run),
        journal_deleted=purge_journal(now, dry_run),
    )
    if not dry_run:
        AccessLog.objects.create(action=AccessLog.Action.PURGE, details=report.as_dict())
    return report


# --- requests left without a decision -------------------------------------------------------


def unanswered(now):
    limit = now - timedelta(days=settings.RETENTION_UNANSWERED_DAYS)
    return Referral.objects.filter(
        status__in=[Status.SUBMITTED, Status.UNDER_REVIEW], status_changed_at__lt=limit
    ).exclude(session__date__gte=timezone.localdate(now))  # still on an upcoming agenda


def close_unanswered(now, dry_run=False) -> int:
    if dry_run:
        return unanswered(now).count()
    closed = 0
    for referral in unanswered(now).iterator():
        try:
            workflow.perform(referral, Action.CLOSE_UNANSWERED, Actor.system())
        except workflow.TransitionNotAllowed:
            continue  # decided in the meantime
        closed += 1
    return closed


# --- documents ------------------------------------------------------------------------------


def _locked(pk, **filters):
    """The referral, locked for this transaction, or None when another run holds it or it no
    longer matches."""
    return (
        Referral.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=pk, **filters)
        .first()
    )


def _delete_files(attachments) -> int:
    """Delete the attachments and their files; a file still used by another referral (a
    re-orientation shares it) stays for that one. Files go first: an interruption leaves rows
    without files, which the next run deletes, never files without rows."""
    attachments = list(attachments)
    if not attachments:
        return 0
    names = {a.file.name for a in attachments}
    shared = set(
        Attachment.objects.filter(file__in=names)
        .exclude(pk__in=[a.pk for a in attachments])
        .values_list("file", flat=True)
    )
    for attachment in attachments:
        if attachment.file.name not in shared:
            attachment.file.storage.delete(attachment.file.name)
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    return len(attachments)


def _event(referral, action, data=None):
    ReferralEvent.objects.create(
        referral=referral, kind=ReferralEvent.Kind.RETENTION, action=action, data=data or {}
    )


def old_attachments(now):
    limit = now - timedelta(days=settings.RETENTION_ATTACHMENTS_DAYS)
    return Attachment.objects.filter(
        referral__status_changed_at__lt=limit, referral__anonymised_at__isnull=True
    ).exclude(referral__status__in=UNDECIDED)


def delete_old_attachments(now, dry_run=False) -> int:
    if dry_run:
        return old_attachments(now).count()
    deleted = 0
    referral_ids = set(old_attachments(now).values_list("referral_id", flat=True))
    for pk in referral_ids:
        with transaction.atomic():
            referral = _locked(pk)
            if referral is None:
                continue
            count = _delete_files(old_attachments(now).filter(referral=referral))
            if count:
                _event(referral, Action.ATTACHMENTS_DELETED, {"count": count})
            deleted += count
    return deleted


# --- drafts ----------------------------------------------------------------------------------


def stale_drafts(now):
    limit = now - timedelta(days=settings.RETENTION_DRAFTS_DAYS)
    return last_activity(Referral.objects.filter(status=Status.DRAFT)).filter(
        last_activity__lt=limit
    )


def delete_stale_drafts(now, dry_run=False) -> int:
    if dry_run:
        return stale_drafts(now).count()
    deleted = 0
    for pk in list(stale_drafts(now).values_list("pk", flat=True)):
        with transaction.atomic():
            referral = _locked(pk, status=Status.DRAFT)
            if referral is None:
                continue
            _delete_files(referral.attachments.all())
            referral.events.all()._raw_delete(referral.events.db)  # events refuse delete()
            referral.delete()
            deleted += 1
    return deleted


# --- anonymisation ---------------------------------------------------------------------------


def chain(referral) -> list[Referral]:
    """The referral and those linked to it by re-orientation, in both directions: each holds a
    copy of the person's data."""
    members = [referral]
    previous = referral.reoriented_from
    while previous is not None:
        members.insert(0, previous)
        previous = previous.reoriented_from
    following = Referral.objects.filter(reoriented_from=referral).first()
    while following is not None:
        members.append(following)
        following = Referral.objects.filter(reoriented_from=following).first()
    return members


def inactive(now):
    """Submitted referrals not anonymised yet whose last activity is past the limit, and whose
    person is not hosted any more (a stay still open keeps the file)."""
    return (
        last_activity(Referral.objects.exclude(status=Status.DRAFT))
        .filter(anonymised_at__isnull=True)
        .filter(last_activity__lt=anonymisation_limit(now))
        .exclude(stay__isnull=False, stay__departure_date__isnull=True)
    )


def anonymise_inactive(now, dry_run=False) -> int:
    candidates = {r.pk: r for r in inactive(now).select_related("reoriented_from")}
    done = 0
    for referral in candidates.values():
        members = chain(referral)
        # A copy still active elsewhere keeps the whole chain until it is inactive too.
        if any(m.pk not in candidates and m.anonymised_at is None for m in members):
            continue
        if dry_run:
            done += referral.anonymised_at is None
            continue
        done += anonymise(referral)
    return done


def anonymise(referral, actor: Actor | None = None) -> bool:
    """Erase what names or describes the person in this referral and its history, keep what the
    figures need. Returns False when it was done already (or another run is doing it)."""
    with transaction.atomic():
        locked = _locked(referral.pk, anonymised_at__isnull=True)
        if locked is None:
            return False
        _delete_files(locked.attachments.all())
        locked.first_name = ANONYMOUS_FIRST_NAME
        locked.last_name = ANONYMOUS_LAST_NAME
        locked.birth_date = date(locked.birth_date.year, 1, 1)  # the year stays for age bands
        for name in ERASED_FIELDS:
            setattr(locked, name, "")
        locked.anonymised_at = timezone.now()
        locked.save()
        certificates.revoke_for_anonymisation(locked)
        Message.objects.filter(referral=locked).update(body=ERASED_TEXT)
        # Who had read what, and when, goes too (the access journal keeps the reads).
        ReferralSeen.objects.filter(referral=locked).delete()
        InternalNote.objects.filter(referral=locked).update(body=ERASED_TEXT)
        events = ReferralEvent.objects.filter(referral=locked)
        events.exclude(comment="").update(comment="")
        for event in events.filter(action=Action.RECTIFIED):
            fields = sorted(event.data.get("changes", {}))
            ReferralEvent.objects.filter(pk=event.pk).update(data={"fields": fields})
        for event in events.filter(data__has_any_keys=FREE_TEXT_DATA):
            data = {k: v for k, v in event.data.items() if k not in FREE_TEXT_DATA}
            ReferralEvent.objects.filter(pk=event.pk).update(data={**data, "urgent": True})
        ReferralEvent.objects.create(
            referral=locked,
            kind=ReferralEvent.Kind.RETENTION,
            action=Action.ANONYMISED,
            actor=actor.user if actor else None,
            organisation=actor.organisation if actor else None,
            data={"on_request": actor is not None},
        )
    return True


# --- the access journal ----------------------------------------------------------------------


def purge_journal(now, dry_run=False) -> int:
    """Journal entries older than RETENTION_JOURNAL_DAYS. On PostgreSQL the journal refuses
    deletes (a trigger) unless the transaction says it is the retention purge."""
    old = AccessLog.objects.filter(at__lt=now - timedelta(days=settings.RETENTION_JOURNAL_DAYS))
    if dry_run:
        return old.count()
    with transaction.atomic():
        allow_journal_purge()
        deleted, _ = old.delete()
    return deleted


def allow_journal_purge():
    """Inside the current transaction only, let the journal's trigger accept deletes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL ilot.retention_purge = 'on'")
