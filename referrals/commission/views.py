"""The commission's side: queue, decisions, outcomes, sessions, internal notes."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from cms.choices import PlaceType
from cms.models import EstablishmentPage, ProgrammePage

from .. import journal, retention, workflow
from ..choices import Action, Status
from ..duplicates import commission_duplicates
from ..filters import ReferralFilter, filter_data
from ..models import Referral, ReferralEvent
from ..permissions import (
    actor_for,
    can_keep_sessions,
    commission_or_404,
    get_visible_or_404,
    plays,
    visible_referrals,
    visible_sessions,
)
from ..targets import get_target
from . import forms as cf

COLUMN_SIZE = 50
CLOSED = [
    Status.DECLINED,
    Status.REORIENTED,
    Status.ARRIVED,
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
    Action.RECORD_NO_SHOW: (cf.NoShowForm, gettext_lazy("Absence enregistrée.")),
    Action.CANCEL: (cf.CancelForm, gettext_lazy("Admission annulée.")),
}
TITLES = {
    Action.REORIENT: gettext_lazy("Réorienter vers un autre établissement"),
    Action.RECORD_NO_SHOW: gettext_lazy("La personne ne s'est pas présentée"),
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
    counts = filtered.aggregate(
        **{
            key: Count("pk", filter=Q(status__in=statuses))
            if key != "closed"
            else Count("pk", filter=Q(status__in=statuses, status_changed_at__gte=recent))
            for key, _label, statuses in COLUMNS
        }
    )
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
    awaiting = dict(
        base.filter(status=Status.ACCEPTED)
        .order_by()
        .values_list("target_id")
        .annotate(n=Count("pk"))
    )
    capacity = [
        {"page": page, "places": page.places_summary(), "awaiting": awaiting.get(page.pk, 0)}
        for page in scope
    ]
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
            "soon": today + timedelta(days=7),
            "today": today,
            "waiting_limit": waiting_limit,
            "waiting_days": settings.REFERRAL_WAITING_DAYS,
            "anonymisation_due": anonymisation_due,
            "batch_form": cf.BatchForm(referral_ids=batchable, establishment_ids=scope_ids),
            "decline_templates": {k: str(v) for k, v in cf.DECLINE_TEMPLATES.items()},
        },
    )


def capacity_warning(referral, place_type=None) -> str | None:
    """A warning (not a refusal) when accepting would go beyond the establishment's places."""
    page = get_target(referral.target_id)
    if page is None:
        return None
    places = dict(page.places_summary())
    total = sum(places.values())
    awaiting = Referral.objects.filter(target_id=referral.target_id, status=Status.ACCEPTED)
    awaiting_total = awaiting.count()
    if total and awaiting_total >= total:
        return _(
            "Attention : %(n)s personnes acceptées attendent déjà leur arrivée pour %(total)s "
            "places au total."
        ) % {"n": awaiting_total, "total": total}
    if place_type in PlaceType.values:  # a posted value outside the vocabulary is the form's error
        label = PlaceType(place_type).label
        of_type = places.get(label, 0)
        awaiting_of_type = awaiting.filter(place_type=place_type).count()
        if of_type == 0:
            return _("Attention : l'établissement n'affiche aucune place de type « %(t)s ».") % {
                "t": label
            }
        if awaiting_of_type >= of_type:
            return _(
                "Attention : %(n)s personnes acceptées attendent déjà une place « %(t)s » "
                "(%(places)s places)."
            ) % {"n": awaiting_of_type, "t": label, "places": of_type}
    return None


@login_required
@sensitive_post_parameters()
def act(request, pk, action):
    """One form per commission action; the workflow decides whether it is allowed."""
    if action not in ACTIONS:
        raise Http404
    action = Action(action)
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
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
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
    sessions = visible_sessions(actor).annotate(
        agenda_size=Count("referrals", filter=Q(referrals__status=Status.UNDER_REVIEW))
    )
    today = timezone.localdate()
    return render(
        request,
        "referrals/commission/sessions.html",
        {
            "upcoming": [s for s in sessions if s.date >= today][::-1],
            "past": [s for s in sessions if s.date < today][:30],
            "can_create": bool(actor.commission_targets),
        },
    )


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


def _session_context(actor, session):
    agenda = list(
        visible_referrals(actor)
        .filter(session=session)
        .select_related("organisation", "target")
        .order_by("release_date", "reference")
    )
    decisions = list(
        ReferralEvent.objects.filter(
            action__in=[Action.ACCEPT, Action.DECLINE, Action.REORIENT], data__session=session.pk
        )
        .select_related("referral", "actor")
        .order_by("created_at")
    )
    return {
        "session": session,
        "agenda": [r for r in agenda if r.status == Status.UNDER_REVIEW],
        "decisions": decisions,
        "members": list(session.members_present.all()),
        "can_edit": can_keep_sessions(actor, session.establishment_id),
    }


def _shown(context) -> list:
    """The referrals a session's page or documents show."""
    return [*context["agenda"], *(event.referral for event in context["decisions"])]


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
