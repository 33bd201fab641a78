"""What needs action now: the items of "Mon espace" and the header's badge, the unread markers,
and the "what happens next" block of a referral's page.

Unread: a referral is unread for a user when an event of its history or a message was written
by someone else after the user last opened its page (`ReferralSeen`, set by the page) and within
the last REFERRAL_NEWS_DAYS days (the news horizon). The retention's own events (documents
deleted, anonymisation) are not news.

The horizon keeps every computation to what happened lately: the badge and the items read the
referrals still open (a few hundred at most) and those with news since the horizon
(`Referral.news_at`, indexed), never the organisation's whole history; the list reads the
unread markers of its page only. The counts run in one query (`work_counts`)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import Status
from .figures.definitions import usual_decision_delay
from .models import Message, Referral, ReferralEvent, ReferralSeen
from .permissions import OPEN_STATUSES, Actor, is_own_partner, visible_referrals

SOON_DAYS = 7  # releases and admissions "near": within this many days
DECIDED = [Status.ACCEPTED, Status.DECLINED, Status.REORIENTED]


def news_horizon() -> datetime:
    """Nothing older than this is news (REFERRAL_NEWS_DAYS days ago)."""
    return timezone.now() - timedelta(days=settings.REFERRAL_NEWS_DAYS)


def with_unread(queryset, user):
    """Annotate `unread` (any news since the user's last visit and the horizon) and
    `unread_messages`. A few index lookups a row: annotate a page of rows, or `with_work`'s
    candidates, never a whole history."""
    horizon = news_horizon()
    queryset = queryset.annotate(
        seen=FilteredRelation("seen_by", condition=Q(seen_by__user=user)),
        seen_at=Greatest(
            Coalesce(F("seen__seen_at"), Value(horizon)),
            Value(horizon),
            output_field=DateTimeField(),
        ),
    )
    news_event = (
        ReferralEvent.objects.filter(referral=OuterRef("pk"), created_at__gt=OuterRef("seen_at"))
        .exclude(kind=ReferralEvent.Kind.RETENTION)
        .exclude(actor=user)
    )
    news_message = Message.objects.filter(
        referral=OuterRef("pk"), created_at__gt=OuterRef("seen_at")
    ).exclude(author=user)
    return queryset.annotate(
        unread_messages=Exists(news_message),
        unread=Exists(news_event) | Exists(news_message),
    )


def with_work(actor: Actor):
    """The actor's referrals that may hold a work item: those still open (the information
    requests, releases, admissions, acceptances) and those with news since the horizon (the
    decisions to read, the unread messages), through the indexes on `status` and `news_at`.
    Bounded by the work in flight and the recent activity, whatever the size of the history."""
    return visible_referrals(actor).filter(
        Q(status__in=OPEN_STATUSES) | Q(news_at__gt=news_horizon())
    )


def mark_seen(user, referral) -> datetime | None:
    """The user opens the referral's page: returns when they had last seen it (None: never)."""
    now = timezone.now()
    seen, created = ReferralSeen.objects.get_or_create(
        user=user, referral=referral, defaults={"seen_at": now}
    )
    if created:
        return None
    previous = seen.seen_at
    ReferralSeen.objects.filter(pk=seen.pk).update(seen_at=now)
    return previous


def news_key(row) -> str:
    return f"{row._meta.model_name}:{row.pk}"


def news_since(user, seen_before, events, messages) -> set:
    """The events and messages of a referral's page that are news to the user: written by
    someone else since their last visit (everything by someone else on a first visit) and
    since the news horizon."""
    since = news_horizon() if seen_before is None else max(seen_before, news_horizon())

    def new(row, author_id) -> bool:
        return author_id != user.pk and row.created_at > since

    return {
        news_key(row)
        for row in events
        if row.kind != ReferralEvent.Kind.RETENTION and new(row, row.actor_id)
    } | {news_key(row) for row in messages if new(row, row.author_id)}


# --- the items of "Mon espace" ----------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    key: str
    label: str  # plural label, with its count before it
    help: str
    partner_only: bool = True


ITEMS = [
    Item(
        "info",
        gettext_lazy("demande(s) d'informations attendent votre réponse"),
        gettext_lazy("La commission attend votre réponse pour étudier la demande."),
    ),
    Item(
        "decisions",
        gettext_lazy("décision(s) à lire"),
        gettext_lazy(
            "Avis rendus depuis votre dernière visite. Un avis défavorable peut être contesté une "
            "fois, depuis la page de la demande."
        ),
    ),
    Item(
        "releases",
        gettext_lazy("sortie(s) dans les 7 prochains jours, demande toujours en cours"),
        gettext_lazy("Vérifiez que la date de sortie est à jour."),
    ),
    Item(
        "admissions",
        gettext_lazy("admission(s) prévue(s) dans les 7 prochains jours"),
        gettext_lazy("Personnes acceptées dont l'admission approche."),
    ),
    Item(
        "messages",
        gettext_lazy("demande(s) avec des messages non lus"),
        gettext_lazy("Nouveaux messages depuis votre dernière visite."),
        partner_only=False,
    ),
]


def _conditions(today) -> dict[str, Q]:
    soon = today + timedelta(days=SOON_DAYS)
    return {
        "info": Q(status=Status.INFO_REQUESTED),
        "decisions": Q(status__in=DECIDED, unread=True),
        "releases": Q(
            status__in=OPEN_STATUSES - {Status.ACCEPTED},
            release_date__gte=today,
            release_date__lte=soon,
        ),
        "admissions": Q(
            status=Status.ACCEPTED,
            planned_admission_date__gte=today,
            planned_admission_date__lte=soon,
        ),
        "messages": Q(unread_messages=True),
    }


def _items_for(actor: Actor) -> list[Item]:
    if actor.is_partner:
        return ITEMS
    if actor.is_internal and not actor.is_system:
        return [item for item in ITEMS if not item.partner_only]
    return []


def work_counts(actor: Actor) -> dict[str, int]:
    """{item key: count} for the actor's items, in one query."""
    items = _items_for(actor)
    if not items:
        return {}
    conditions = _conditions(timezone.localdate())
    queryset = with_unread(with_work(actor).order_by(), actor.user)
    return queryset.aggregate(
        **{item.key: Count("pk", filter=conditions[item.key]) for item in items}
    )


def badge_count(actor: Actor) -> int:
    return sum(work_counts(actor).values())


def work_items(actor: Actor, limit: int = 5) -> list[dict]:
    """The dashboard's items with a count, a link to the filtered list and the first referrals."""
    counts = work_counts(actor)
    conditions = _conditions(timezone.localdate())
    # The newest first, as everywhere; NULLS LAST (created_at is never null) so that the
    # (organisation, -created_at) index cannot give the order: PostgreSQL then sorts the few
    # candidates instead of walking the organisation's history newest first until it has found
    # `limit` matching rows (EXPLAIN at 100,000 referrals: 98,000 rows read for 5).
    base = (
        with_unread(with_work(actor), actor.user)
        .with_list_data()
        .order_by(F("created_at").desc(nulls_last=True))
    )
    today = timezone.localdate()
    list_filters = {  # the list's filters closest to each item (the list has no "unread" one)
        "info": {"status": Status.INFO_REQUESTED},
        "releases": {
            "release_after": today.isoformat(),
            "release_before": (today + timedelta(days=SOON_DAYS)).isoformat(),
        },
        "admissions": {"status": Status.ACCEPTED},
    }
    rows = []
    for item in _items_for(actor):
        count = counts[item.key]
        referrals = list(base.filter(conditions[item.key])[:limit]) if count else []
        query = urlencode(list_filters.get(item.key, {"ordering": "-status_changed_at"}))
        rows.append(
            {
                "item": item,
                "count": count,
                "referrals": referrals,
                "list_url": f"{reverse('referrals:list')}?{query}",
            }
        )
    return rows


# --- what happens next ------------------------------------------------------------------------


@dataclass
class NextStep:
    step: str
    who: str
    session_date: object = None
    deadline: object = None
    usual_delay_days: int | None = None
    new_referral: Referral | None = None
    new_referral_visible: bool = False


def next_step(actor: Actor, referral: Referral) -> NextStep:
    """The next step of the referral, who must act, and what to expect."""
    status = referral.status
    commission = _("La commission de « %(t)s »") % {"t": referral.target.title}
    partner = (
        _("Vous (votre organisation)")
        if is_own_partner(actor, referral)
        else _("Le partenaire orienteur")
    )
    result = NextStep(step="", who="")
    if status in (Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFO_REQUESTED):
        result.usual_delay_days = usual_decision_delay(referral.target_id)
    if status == Status.DRAFT:
        result.step, result.who = _("Compléter puis transmettre la demande."), partner
    elif status == Status.SUBMITTED:
        result.step = _(
            "La commission étudie la demande : elle l'inscrit en séance ou demande des "
            "informations."
        )
        result.who = commission
    elif status == Status.INFO_REQUESTED:
        result.step = _("Répondre à la demande d'informations de la commission.")
        result.who = partner
        result.deadline = referral.status_changed_at + timedelta(
            days=settings.REFERRAL_INFO_REQUEST_EXPIRY_DAYS
        )
    elif status == Status.UNDER_REVIEW:
        result.step = _("La commission rend son avis en séance.")
        result.who = commission
        result.session_date = referral.session.date if referral.session_id else None
    elif status == Status.ACCEPTED:
        result.step = _(
            "Accueil de la personne à la date d'admission prévue ; l'établissement enregistre "
            "son arrivée."
        )
        result.who = _("La personne et l'établissement")
    elif status == Status.DECLINED:
        if referral.contested:
            result.step = _("Avis déjà contesté : aucune autre suite sur cette demande.")
            result.who = "—"
        else:
            result.step = _(
                "Vous pouvez contester cet avis une fois (bouton « Contester cet avis ») ou "
                "orienter la personne ailleurs."
            )
            result.who = partner
    elif status == Status.REORIENTED:
        result.step = _("La demande continue dans l'établissement vers lequel elle est réorientée.")
        result.who = _("La commission du nouvel établissement")
        new = Referral.objects.filter(reoriented_from=referral).select_related("target").first()
        if new is not None:
            result.new_referral = new
            result.new_referral_visible = visible_referrals(actor).filter(pk=new.pk).exists()
    else:
        result.step, result.who = _("Aucune : la demande est close."), "—"
    return result
