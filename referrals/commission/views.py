"""The commission's side: queue, decisions, outcomes, sessions, internal notes."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from cms.choices import PlaceType
from cms.models import EstablishmentPage, ProgrammePage

from .. import journal, occupancy, retention, workflow
from ..choices import Action, Status
from ..duplicates import commission_duplicates
from ..filters import ReferralFilter, filter_data
from ..models import QUEUE_OPEN_STATUSES, Referral, ReferralEvent
from ..permissions import (
    actor_for,
    can_keep_sessions,
    can_record_stays,
    commission_or_404,
    get_visible_or_404,
    plays,
    visible_referrals,
    visible_sessions,
    visible_stays,
)
from . import forms as cf

COLUMN_SIZE = 50
CLOSED = [
    Status.DECLINED,
    Status.REORIENTED,
    Status.ARRIVED,
    Status.DEPARTED,
    Status.NO_SHOW,
    Status.CANCELLED,
    Status.WITHDRAWN,
    Status.EXPIRED,
]
COLUMNS = [
    ("new", gettext_lazy("Nouvelles demandes"), [Status.SUBMITTED]),
    ("info", gettext_lazy("Informations demandées"), [Status.INFO_REQUESTED]),
    ("scheduled", gettext_lazy("Inscrites en commission"), [Status.UNDER_REVIEW]),
    ("accepted", gettext_lazy("Acceptées, en attente d'arrivée"), [Status.ACCEPTED]),
    ("closed", gettext_lazy("Closes ces 30 derniers jours"), CLOSED),
]

# The commission's action pages: action → (form, success message). A page is titled with the
# action's label, or with the sentence in TITLES.
ACTIONS = {
    Action.REQUEST_INFO: (
        cf.RequestInfoForm,
        gettext_lazy("Demande d'informations envoyée au partenaire."),
    ),
    Action.SCHEDULE: (cf.ScheduleForm, gettext_lazy("Demande inscrite à l'ordre du jour.")),
    Action.ACCEPT: (
        cf.AcceptForm,
        gettext_lazy("Avis favorable enregistré ; le partenaire est prévenu."),
    ),
    Action.DECLINE: (
        cf.DeclineForm,
        gettext_lazy("Avis défavorable enregistré ; le partenaire est prévenu."),
    ),
    Action.REORIENT: (
        cf.ReorientForm,
        gettext_lazy("Demande réorientée ; l'autre commission et le partenaire sont prévenus."),
    ),
    Action.RECORD_ARRIVAL: (cf.ArrivalForm, gettext_lazy("Arrivée enregistrée.")),
    Action.RECORD_DEPARTURE: (
        cf.DepartureForm,
        gettext_lazy("Sortie enregistrée ; le partenaire est prévenu."),
    ),
    Action.RECORD_NO_SHOW: (cf.NoShowForm, gettext_lazy("Absence enregistrée.")),
    Action.CANCEL: (cf.CancelForm, gettext_lazy("Admission annulée.")),
}
TITLES = {
    Action.REORIENT: gettext_lazy("Réorienter vers un autre établissement"),
    Action.RECORD_NO_SHOW: gettext_lazy("La personne ne s'est pas présentée"),
}
# What each action page's button does.
SUBMIT_LABELS = {
    Action.REQUEST_INFO: gettext_lazy("Envoyer la demande d'informations"),
    Action.SCHEDULE: gettext_lazy("Inscrire à cette séance"),
    Action.ACCEPT: gettext_lazy("Rendre un avis favorable"),
    Action.DECLINE: gettext_lazy("Rendre un avis défavorable"),
    Action.REORIENT: gettext_lazy("Réorienter la demande"),
    Action.RECORD_ARRIVAL: gettext_lazy("Enregistrer l'arrivée"),
    Action.RECORD_DEPARTURE: gettext_lazy("Enregistrer la sortie"),
    Action.RECORD_NO_SHOW: gettext_lazy("Enregistrer l'absence"),
    Action.CANCEL: gettext_lazy("Annuler l'admission"),
}


def _targets(actor):
    pages = [
        *EstablishmentPage.objects.prefetch_related("places"),
        *ProgrammePage.objects.all(),
    ]
    if not actor.is_management:
        pages = [p for p in pages if p.pk in actor.commission_targets]
    return sorted(pages, key=lambda p: p.title)


@login_required
@sensitive_post_parameters()
def queue(request):
    actor = commission_or_404(actor_for(request))
    targets = _targets(actor)
    target_ids = [p.pk for p in targets]
    chosen = request.GET.get("etablissement", "")
    scope = [p for p in targets if str(p.pk) == chosen] or targets
    scope_ids = [p.pk for p in scope]
    data, redirect_to = filter_data(request, "commission")
    if redirect_to:
        return redirect_to
    base = visible_referrals(actor).filter(target_id__in=scope_ids)
    filterset = ReferralFilter(data, queryset=base, targets=target_ids)
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    now = timezone.now()
    today = timezone.localdate()
    recent = now - timedelta(days=30)
    # Only the rows the columns can show are counted (open ones, and those closed lately): the
    # closed past, most of the table, stays out of the scan (partial indexes, see Referral.Meta).
    # Two queries, one per partial index: joined by OR in one, PostgreSQL may prefer reading the
    # whole table once it is vacuumed (EXPLAIN at 100,000 referrals: 40 ms instead of 2).
    counts = filtered.filter(status__in=QUEUE_OPEN_STATUSES).aggregate(
        **{
            key: Count("pk", filter=Q(status__in=statuses))
            for key, _label, statuses in COLUMNS
            if key != "closed"
        }
    )
    counts["closed"] = filtered.filter(status__in=CLOSED, status_changed_at__gte=recent).count()
    ordering = (
        filterset.form.cleaned_data.get("ordering")
        if filterset.is_bound and filterset.is_valid()
        else None
    )
    columns = []
    for key, label, statuses in COLUMNS:
        rows = filtered.filter(status__in=statuses)
        if key == "closed":
            rows = rows.filter(status_changed_at__gte=recent).order_by("-status_changed_at")
        elif not ordering:
            rows = rows.order_by("release_date", "status_changed_at")
        rows = list(rows.select_related("organisation", "target")[:COLUMN_SIZE])
        columns.append({"key": key, "label": label, "count": counts[key], "rows": rows})
    waiting_limit = now - timedelta(days=settings.REFERRAL_WAITING_DAYS)
    projection_form = cf.ProjectionForm(request.GET or None)
    projection = (
        projection_form.cleaned_data["a_la_date"]
        if projection_form.is_bound and projection_form.is_valid()
        else None
    ) or today + timedelta(days=PROJECTION_DAYS)
    capacity = occupancy.occupancy(scope, until=projection)
    batchable = [r.pk for c in columns if c["key"] in ("new", "scheduled") for r in c["rows"]]
    journal.record_rows(actor, journal.Kind.LIST, [r for c in columns for r in c["rows"]])
    still_open = [r.pk for c in columns if c["key"] != "closed" for r in c["rows"]]
    duplicates = commission_duplicates(
        [r for c in columns if c["key"] != "closed" for r in c["rows"]]
    )
    for column in columns:
        for row in column["rows"]:
            row.possible_duplicates = duplicates.get(row.pk, [])
    anonymisation_due = set(
        retention.last_activity(Referral.objects.filter(pk__in=still_open))
        .filter(last_activity__lt=retention.notice_limit(now))
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "referrals/commission/queue.html",
        {
            "actor": actor,
            "targets": targets,
            "chosen": chosen,
            "filter": filterset,
            "columns": columns,
            "capacity": capacity,
            "projection": projection,
            "projection_form": projection_form,
            "soon": today + timedelta(days=7),
            "today": today,
            "waiting_limit": waiting_limit,
            "waiting_days": settings.REFERRAL_WAITING_DAYS,
            "anonymisation_due": anonymisation_due,
            "batch_form": cf.BatchForm(referral_ids=batchable, establishment_ids=scope_ids),
            "decline_templates": {k: str(v) for k, v in cf.DECLINE_TEMPLATES.items()},
        },
    )


# The queue projects free places this many days ahead unless another date is chosen.
PROJECTION_DAYS = 14


def capacity_warning(referral, place_type=None) -> str | None:
    """A warning (not a refusal) when accepting would go beyond the establishment's places:
    the people present (stays without departure) and those accepted awaiting their arrival."""
    state = occupancy.of_target(referral.target_id)
    if state is None or not state.capacity:
        return None
    if state.free_then <= 0:
        return _(
            "Attention : %(present)s personnes présentes et %(n)s acceptées en attente d'arrivée "
            "pour %(total)s places au total."
        ) % {"present": state.occupied, "n": state.awaiting, "total": state.capacity}
    if place_type in PlaceType.values:  # a posted value outside the vocabulary is the form's error
        label = PlaceType(place_type).label
        line = state.line(place_type)
        if line is None or not line.capacity:
            return _("Attention : l'établissement n'affiche aucune place de type « %(t)s ».") % {
                "t": label
            }
        if line.free_then <= 0:
            return _(
                "Attention : %(present)s personnes présentes et %(n)s acceptées en attente "
                "d'arrivée pour %(places)s places « %(t)s »."
            ) % {
                "present": line.occupied,
                "n": line.awaiting,
                "t": label,
                "places": line.capacity,
            }
    return None


@login_required
def legacy_action(request, pk, action):
    """The first version's English action addresses: a permanent redirect to the French one."""
    if action not in ACTIONS:
        raise Http404
    return HttpResponsePermanentRedirect(
        reverse("commission:act", args=[pk, Action(action)])
        + (f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else "")
    )


@login_required
@sensitive_post_parameters()
def act(request, pk, action):
    """One form per commission action; the workflow decides whether it is allowed."""
    if action not in ACTIONS:
        raise Http404
    actor = commission_or_404(actor_for(request))
    referral = get_visible_or_404(actor, pk, visible_referrals(actor).select_related("target"))
    form_class, success = ACTIONS[action]
    title = TITLES.get(action, action.label)
    transition = workflow.TRANSITIONS[action]
    if not plays(actor, transition.side, referral):
        return render(
            request,
            "403.html",
            {"reason": _("Cette action revient au chef d'établissement.")},
            status=403,
        )
    journal.record_page(actor, referral, action)
    form = form_class(request.POST if request.method == "POST" else None, referral=referral)
    warning = None
    if action == Action.ACCEPT:
        warning = capacity_warning(referral, form.data.get("place_type") if form.is_bound else None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.perform(referral, action, actor, **form.cleaned_data)
        except workflow.TransitionNotAllowed as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            raise Http404 from error
        else:
            messages.success(request, success)
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/commission/action.html",
        {
            "form": form,
            "referral": referral,
            "title": title,
            "action": action,
            "submit_label": SUBMIT_LABELS[action],
            "warning": warning,
            "decline_templates": {k: str(v) for k, v in cf.DECLINE_TEMPLATES.items()},
        },
    )


@login_required
@sensitive_post_parameters()
@require_POST
def add_note(request, pk):
    actor = commission_or_404(actor_for(request))
    referral = get_visible_or_404(actor, pk)
    form = cf.NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("La note est vide : rien n'a été enregistré."))
    else:
        try:
            workflow.add_internal_note(referral, actor, form.cleaned_data["body"])
        except PermissionDenied:
            messages.error(request, _("Seule la commission concernée écrit des notes internes."))
        else:
            messages.success(request, _("Note interne enregistrée."))
    return redirect("referrals:detail", pk=referral.pk)


@login_required
@require_POST
def day_centre(request, pk):
    actor = commission_or_404(actor_for(request))
    referral = get_visible_or_404(actor, pk)
    form = cf.DayCentreForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez une date valide."))
        return redirect("referrals:detail", pk=referral.pk)
    try:
        workflow.record_day_centre_contact(
            referral, actor, form.cleaned_data["day_centre_contact_date"]
        )
    except PermissionDenied:
        messages.error(request, _("Cette information est enregistrée par le chef d'établissement."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Venue à l'accueil de jour enregistrée."))
    return redirect("referrals:detail", pk=referral.pk)


@login_required
@sensitive_post_parameters()
@require_POST
def batch(request):
    actor = commission_or_404(actor_for(request))
    ids = request.POST.getlist("referrals")
    referrals = {
        str(r.pk): r
        for r in visible_referrals(actor).filter(pk__in=_valid_uuids(ids)).select_related("target")
    }
    form = cf.BatchForm(
        request.POST,
        referral_ids=list(referrals),
        establishment_ids=list(actor.commission_targets),
    )
    back = request.POST.get("next") or "commission:queue"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _redirect_back(back)
    action = form.cleaned_data["action"]
    data = {
        key: form.cleaned_data[key]
        for key in ("session", "reason", "message", "urgent_justification")
    }
    done, refused = [], []
    for pk in form.cleaned_data["referrals"]:
        referral = referrals[pk]
        try:
            workflow.perform(referral, action, actor, **data)
        except (workflow.TransitionNotAllowed, ValidationError, PermissionDenied) as error:
            reason = (
                " ".join(error.messages)
                if isinstance(error, ValidationError)
                else str(error) or _("action non autorisée")
            )
            refused.append(f"{referral.reference} : {reason}")
        else:
            done.append(referral.reference)
    if done:
        messages.success(request, _("Fait pour %(refs)s.") % {"refs": ", ".join(sorted(done))})
    for line in refused:
        messages.error(request, _("Non fait — %(line)s") % {"line": line})
    return _redirect_back(back)


def _valid_uuids(values):
    valid = []
    for value in values:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    return valid


def _redirect_back(target):
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("commission:queue")


# --- commission sessions --------------------------------------------------------------------


@login_required
def session_list(request):
    actor = commission_or_404(actor_for(request))
    today = timezone.localdate()
    sessions = visible_sessions(actor)
    upcoming = list(sessions.filter(date__gte=today).order_by("date", "establishment__title"))
    past = list(sessions.filter(date__lt=today).order_by("-date")[:30])
    sizes = _agenda_sizes([s.pk for s in [*upcoming, *past]])
    for session in [*upcoming, *past]:
        session.agenda_size = sizes.get(session.pk, 0)
        session.minutes_missing = session.date < today and not session.minutes.strip()
    return render(
        request,
        "referrals/commission/sessions.html",
        {"upcoming": upcoming, "past": past, "can_create": bool(actor.commission_targets)},
    )


def _scheduled_events(session_ids):
    """The SCHEDULE events that put referrals on these sessions' agendas: the agenda is what
    was scheduled, whatever happened to the referral since."""
    return ReferralEvent.objects.filter(action=Action.SCHEDULE, data__session__in=session_ids)


def _agenda_sizes(session_ids) -> dict[int, int]:
    sizes: dict[int, set] = {}
    for session_id, referral_id in _scheduled_events(session_ids).values_list(
        "data__session", "referral_id"
    ):
        sizes.setdefault(int(session_id), set()).add(referral_id)
    return {pk: len(ids) for pk, ids in sizes.items()}


@login_required
def session_edit(request, pk=None):
    actor = commission_or_404(actor_for(request))
    session = get_object_or_404(visible_sessions(actor), pk=pk) if pk else None
    if session is not None and not can_keep_sessions(actor, session.establishment_id):
        raise Http404
    establishments = [p for p in _targets(actor) if can_keep_sessions(actor, p.pk)]
    if not establishments:
        raise Http404
    form = cf.SessionForm(request.POST or None, instance=session, establishments=establishments)
    if request.method == "POST" and form.is_valid():
        session = form.save(commit=False)
        if session.created_by_id is None:
            session.created_by = request.user
        session.save()
        form.save_m2m()
        messages.success(request, _("Séance enregistrée."))
        return redirect("commission:session", pk=session.pk)
    return render(
        request, "referrals/commission/session_form.html", {"form": form, "session": session}
    )


DECISIONS = [Action.ACCEPT, Action.DECLINE, Action.REORIENT]


def _session_context(actor, session):
    """A session's record as it was: its agenda is every referral scheduled to it (kept after
    the decision, a re-scheduling or a contest), each with the decision taken in this session;
    its decision record, those decisions, by whom, with the members present."""
    scheduled = _scheduled_events([session.pk]).values("referral_id")
    decisions = list(
        ReferralEvent.objects.filter(action__in=DECISIONS, data__session=session.pk)
        .select_related("referral", "actor")
        .order_by("created_at")
    )
    decided = {event.referral_id: event for event in decisions}
    agenda = list(
        visible_referrals(actor)
        .filter(Q(pk__in=scheduled) | Q(session=session))
        .select_related("organisation", "target")
        .order_by("release_date", "reference")
    )
    for referral in agenda:
        referral.session_decision = decided.get(referral.pk)
    return {
        "session": session,
        "agenda": agenda,
        "decisions": decisions,
        "members": list(session.members_present.all()),
        "can_edit": can_keep_sessions(actor, session.establishment_id),
        "held": session.date <= timezone.localdate(),
    }


def _shown(context) -> list:
    """The referrals a session's page or documents show."""
    return list(
        {
            r.pk: r for r in [*context["agenda"], *(e.referral for e in context["decisions"])]
        }.values()
    )


@login_required
def session_detail(request, pk):
    actor = commission_or_404(actor_for(request))
    session = get_object_or_404(visible_sessions(actor), pk=pk)
    context = _session_context(actor, session)
    journal.record_rows(actor, journal.Kind.LIST, _shown(context), session=session.pk)
    return render(request, "referrals/commission/session.html", context)


@login_required
def session_print(request, pk, document):
    if document not in ("ordre-du-jour", "releve-de-decisions"):
        raise Http404
    actor = commission_or_404(actor_for(request))
    session = get_object_or_404(visible_sessions(actor), pk=pk)
    context = _session_context(actor, session)
    context["document"] = document
    journal.record_rows(actor, journal.Kind.PRINT, _shown(context), document=document)
    return render(request, "referrals/commission/session_print.html", context)


# --- stays ----------------------------------------------------------------------------------


@login_required
def stays(request):
    """Who is in the establishments now (stays without departure), beside their places; heads
    record arrivals without referral and their departures here."""
    actor = commission_or_404(actor_for(request))
    targets = _targets(actor)
    current = list(
        visible_stays(actor)
        .filter(departure_date__isnull=True, establishment_id__in=[p.pk for p in targets])
        .select_related("referral", "establishment")
        .order_by("establishment__title", "arrival_date")
    )
    journal.record_rows(actor, journal.Kind.LIST, [s.referral for s in current if s.referral])
    return render(
        request,
        "referrals/commission/stays.html",
        {
            "stays": current,
            "capacity": occupancy.occupancy(targets),
            "head_targets": actor.head_targets,
            "can_add": any(can_record_stays(actor, p.pk) for p in targets),
        },
    )


@login_required
@sensitive_post_parameters()
def stay_create(request):
    """An "arrivée sans orientation": a resident entered by the head."""
    actor = commission_or_404(actor_for(request))
    establishments = [p for p in _targets(actor) if can_record_stays(actor, p.pk)]
    if not establishments:
        raise Http404
    form = cf.StayWithoutReferralForm(request.POST or None, establishments=establishments)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.record_arrival_without_referral(actor, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            raise Http404 from error
        else:
            messages.success(request, _("Arrivée sans orientation enregistrée."))
            return redirect("commission:stays")
    return render(request, "referrals/commission/stay_form.html", {"form": form})


@login_required
@sensitive_post_parameters()
def stay_departure(request, pk):
    """The departure of a stay entered without referral (a referral's goes through its page)."""
    actor = commission_or_404(actor_for(request))
    stay = get_object_or_404(visible_stays(actor), pk=pk, referral__isnull=True)
    if not can_record_stays(actor, stay.establishment_id):
        raise Http404
    form = cf.DepartureFields(request.POST or None, stay=stay)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.record_departure_without_referral(stay, actor, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            raise Http404 from error
        else:
            messages.success(request, _("Sortie enregistrée."))
            return redirect("commission:stays")
    return render(request, "referrals/commission/stay_departure.html", {"form": form, "stay": stay})


def _add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
