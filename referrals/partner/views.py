"""The partner's side of the referral portal."""

import uuid
from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from cms.choices import Public
from cms.models import referral_targets
from core.exports import csv_response, xlsx_response

from .. import journal, work, workflow
from ..choices import Action, Status
from ..counts import status_counts
from ..documents import certificates
from ..duplicates import possible_duplicates
from ..filters import SEARCH_FIELD, ReferralFilter, filter_data
from ..models import Referral, Stay
from ..permissions import (
    OPEN_STATUSES,
    Side,
    actor_for,
    can_add_document,
    can_change_release_date,
    can_delete_draft,
    can_download_certificate,
    can_edit,
    can_post_message,
    can_print_receipt,
    can_reassign,
    can_rectify,
    get_visible_or_404,
    is_organisation_admin,
    is_own_partner,
    partner_or_404,
    plays,
    reads_referral_lists,
    reassignable_members,
    sees_access_log,
    visible_referrals,
)
from ..targets import fit_warnings
from .forms import (
    AnswerInfoForm,
    AttachmentForm,
    ContestForm,
    MessageForm,
    ReassignForm,
    RectificationForm,
    ReferralForm,
    ReleaseDateForm,
    WithdrawForm,
)

# What a document upload adds to the file itself (the other fields, multipart boundaries).
UPLOAD_FORM_OVERHEAD = 64 * 1024

PAGE_SIZE = 25
EXPORT_LIMIT = 5000


def _target_info(targets) -> dict:
    """What the form shows about the chosen target: public, places, admission criteria."""
    return {
        str(pk): {
            "title": page.title,
            "publics": ", ".join(str(Public(code).label) for code in page.publics or []),
            "places": ", ".join(f"{label} : {count}" for label, count in page.places_summary()),
            "criteria": " ".join(
                strip_tags(str(page.admission_criteria or "").replace("</", " </")).split()
            )[:500],
        }
        for pk, page in targets.items()
    }


@login_required
@sensitive_post_parameters()
def referral_list(request):
    actor = actor_for(request)
    if not reads_referral_lists(actor):
        raise Http404
    data, redirect_to = filter_data(request, "partner")
    if redirect_to:
        return redirect_to
    base = visible_referrals(actor)
    targets = [page.pk for page in referral_targets()]
    filterset = ReferralFilter(
        data,
        queryset=base.with_list_data(),
        organisation=actor.organisation if actor.is_partner else None,
        targets=targets,
    )
    queryset = (
        filterset.qs if filterset.is_bound and filterset.is_valid() else base.with_list_data()
    )
    if not (filterset.is_bound and filterset.form.cleaned_data.get("ordering")):
        queryset = queryset.order_by("-created_at")
    export = request.GET.get("format")
    if export in ("csv", "xlsx") and actor.is_partner:
        return _export(actor, queryset, export)
    queryset = work.with_unread(queryset, actor.user)
    counts = status_counts(actor)  # kept at write time: does not grow with the history
    filters = (
        {
            name: value
            for name, value in filterset.form.cleaned_data.items()
            if name != "ordering" and value not in (None, "", [])
        }
        if filterset.is_bound and filterset.is_valid()
        else {}
    )
    # Unfiltered, or by status only, the list's length is in the status counts: no count.
    paginator = Paginator(queryset, PAGE_SIZE)
    if set(filters) <= {"status"}:
        paginator.count = counts.get(filters["status"], 0) if filters else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    soon = (
        base.filter(
            release_date__gte=today,
            release_date__lte=today + timedelta(days=7),
            status__in=[
                Status.SUBMITTED,
                Status.INFO_REQUESTED,
                Status.UNDER_REVIEW,
                Status.ACCEPTED,
            ],
        )
        .with_list_data()
        .order_by("release_date")[:10]
    )
    waiting = (
        base.filter(status=Status.INFO_REQUESTED)
        .with_list_data()
        .order_by("status_changed_at")[:10]
    )
    query = (data or QueryDict()).copy()
    query.pop("page", None)
    query.pop(SEARCH_FIELD, None)
    query.pop("format", None)
    soon, waiting = list(soon), list(waiting)
    journal.record_rows(actor, journal.Kind.LIST, [*page.object_list, *soon, *waiting])
    return render(
        request,
        "referrals/list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "total": sum(counts.values()),
            "soon": soon,
            "waiting": waiting,
            "query": query.urlencode(),
            "actor": actor,
            "today": today,
        },
    )


EXPORT_COLUMNS = [
    (_lazy("Référence"), lambda r: r.reference),
    (_lazy("Nom"), lambda r: r.last_name),
    (_lazy("Prénom"), lambda r: r.first_name),
    (_lazy("Date de naissance"), lambda r: r.birth_date),
    (_lazy("Situation judiciaire"), lambda r: r.get_judicial_situation_display()),
    (_lazy("Type de demande"), lambda r: r.get_referral_type_display()),
    (_lazy("Établissement ou programme"), lambda r: r.target.title),
    (_lazy("Statut"), lambda r: r.get_status_display()),
    (_lazy("Sortie prévue"), lambda r: r.release_date),
    (
        _lazy("Transmise le"),
        lambda r: timezone.localdate(r.submitted_at) if r.submitted_at else None,
    ),
    (_lazy("Admission prévue"), lambda r: r.planned_admission_date),
    (_lazy("Motif de l'avis défavorable"), lambda r: r.get_decline_reason_display()),
    (_lazy("Professionnel référent"), lambda r: str(r.officer)),
    (_lazy("Second contact"), lambda r: str(r.second_contact or "")),
]


def _export(actor, queryset, export: str):
    """The organisation's referrals shown by the list's filters, as a spreadsheet: the follow-up
    data only (no needs, health or free text, nothing of the commission's internal notes)."""
    referrals = list(queryset.select_related("second_contact")[:EXPORT_LIMIT])
    journal.record_rows(actor, journal.Kind.EXPORT, referrals, format=export)
    rows = [
        [str(title) for title, _value in EXPORT_COLUMNS],
        *([value(r) for _title, value in EXPORT_COLUMNS] for r in referrals),
    ]
    filename = f"orientations-{timezone.localdate().isoformat()}.{export}"
    if export == "xlsx":
        return xlsx_response(filename, rows, title=_("Orientations"))
    return csv_response(filename, rows)


@login_required
@sensitive_post_parameters()
def referral_create(request):
    actor = partner_or_404(actor_for(request))
    form = ReferralForm(
        request.POST or None,
        organisation=actor.organisation,
        initial={"creation_key": uuid.uuid4()},
    )
    duplicate = None
    if request.method == "POST":
        duplicate = _duplicate_warning(form, actor)
    if (
        request.method == "POST"
        and form.is_valid()
        and (not duplicate or duplicate.partial or request.POST.get("confirm_duplicate"))
    ):
        try:
            referral, created = workflow.create_draft(
                form.save(commit=False), actor, form.cleaned_data.get("creation_key")
            )
        except ValidationError:
            # The key was another organisation's: the form comes back with a fresh one.
            data = request.POST.copy()
            data["creation_key"] = str(uuid.uuid4())
            form = ReferralForm(data, organisation=actor.organisation)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Ce formulaire a déjà servi. Vérifiez les informations puis enregistrez "
                    "à nouveau le brouillon."
                ),
            )
            return render(
                request,
                "referrals/form.html",
                {"form": form, "target_info": _target_info(form.targets), "duplicate": None},
            )
        if not created:
            messages.info(request, _("Ce brouillon était déjà enregistré."))
            return redirect("referrals:detail", pk=referral.pk)
        messages.success(
            request,
            _("Brouillon %(ref)s enregistré. Relisez-le puis transmettez-le à la commission.")
            % {"ref": referral.reference},
        )
        return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/form.html",
        {"form": form, "target_info": _target_info(form.targets), "duplicate": duplicate},
    )


def _duplicate_warning(form, actor):
    """The same person's open referrals, from what the form holds (even when it has errors:
    names without a birth date warn too)."""
    if not form.is_bound:  # an empty POST
        return None
    form.is_valid()
    data = form.cleaned_data
    if not (data.get("last_name") and data.get("first_name")):
        return None
    key = data.get("creation_key")
    if (
        key
        and Referral.objects.filter(
            creation_key=key, organisation_id=actor.membership.organisation_id
        ).exists()
    ):
        return None  # the same form sent twice: its draft, not a duplicate
    return possible_duplicates(
        actor.membership.organisation_id,
        data["last_name"],
        data["first_name"],
        data.get("birth_date"),
        data.get("target"),
    )


@login_required
@sensitive_post_parameters()
def referral_edit(request, pk):
    actor = partner_or_404(actor_for(request))
    referral = get_visible_or_404(actor, pk)
    if not can_edit(actor, referral):
        messages.error(request, _("Seul un brouillon peut être modifié."))
        return redirect("referrals:detail", pk=referral.pk)
    journal.record_page(actor, referral, "edit")
    form = ReferralForm(request.POST or None, instance=referral, organisation=actor.organisation)
    if request.method == "POST" and form.is_valid():
        sent_version = form.cleaned_data.get("version")
        with transaction.atomic():
            current = Referral.objects.select_for_update().get(pk=referral.pk)
            if sent_version != current.version or current.status != Status.DRAFT:
                last = current.events.select_related("actor").last()
                form.add_error(
                    None,
                    _(
                        "Ce brouillon a été modifié par %(who)s pendant que vous l'éditiez. "
                        "Vos changements n'ont pas été enregistrés : rechargez la page pour "
                        "voir la nouvelle version, puis refaites vos modifications."
                    )
                    % {"who": last.actor if last and last.actor else _("quelqu'un d'autre")},
                )
            else:
                referral = form.save(commit=False)
                referral.version = current.version + 1
                referral.save()
                messages.success(request, _("Brouillon enregistré."))
                return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/form.html",
        {
            "form": form,
            "referral": referral,
            "target_info": _target_info(form.targets),
            "duplicate": None,
        },
    )


@login_required
@require_POST
def referral_delete(request, pk):
    actor = partner_or_404(actor_for(request))
    referral = get_visible_or_404(actor, pk)
    if not can_delete_draft(actor, referral):
        messages.error(request, _("Seul l'auteur d'un brouillon peut le supprimer."))
        return redirect("referrals:detail", pk=referral.pk)
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != Status.DRAFT:
            messages.error(request, _("Cette demande a déjà été transmise."))
            return redirect("referrals:detail", pk=referral.pk)
        locked.events.all()._raw_delete(locked.events.db)
        locked.delete()
    messages.success(request, _("Brouillon supprimé."))
    return redirect("referrals:list")


@login_required
def referral_detail(request, pk):
    actor = actor_for(request)
    referral = get_visible_or_404(
        actor, pk, visible_referrals(actor).select_related("organisation", "officer", "target")
    )
    journal.record(actor, journal.Kind.VIEW, referral)
    seen_before = work.mark_seen(actor.user, referral)
    events = list(referral.events.select_related("actor", "organisation"))
    history = []
    previous = referral.reoriented_from
    while previous is not None:
        history.append((previous, list(previous.events.select_related("actor", "organisation"))))
        previous = previous.reoriented_from
    thread = list(referral.messages.select_related("author", "organisation"))
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "events": events,
            "stay": Stay.objects.filter(referral=referral).first(),
            "history": history,
            "thread": thread,
            "news": work.news_since(actor.user, seen_before, events, thread),
            "attachments": referral.attachments.all(),
            "actions": (actions := workflow.allowed_actions(actor, referral)),
            "commission_actions": [
                a for a in actions if workflow.TRANSITIONS[a].side != Side.PARTNER
            ],
            "can_edit": can_edit(actor, referral),
            "can_delete": can_delete_draft(actor, referral),
            "can_message": can_post_message(actor, referral),
            "can_upload": can_add_document(actor, referral),
            "can_change_date": can_change_release_date(actor, referral),
            "can_rectify": can_rectify(actor, referral),
            "can_certificate": can_download_certificate(actor, referral),
            "last_certificate": (
                certificates.latest_state(referral) if is_own_partner(actor, referral) else None
            ),
            "can_receipt": can_print_receipt(actor, referral),
            "can_reassign": can_reassign(actor, referral),
            "warnings": fit_warnings(referral) if actor.is_partner else [],
            "notes": (
                referral.internal_notes.select_related("author") if actor.is_internal else None
            ),
            "can_note": plays(actor, Side.COMMISSION, referral),
            "accesses": (
                referral.accesses.select_related("user", "organisation")[:50]
                if sees_access_log(actor)
                else None
            ),
            "can_day_centre": plays(actor, Side.HEAD, referral)
            and referral.status == Status.NO_SHOW,
            "message_form": MessageForm(),
            "attachment_form": AttachmentForm(),
            "actor": actor,
            "seen_before": seen_before,
            "next": work.next_step(actor, referral),
        },
    )


@login_required
def referral_print(request, pk):
    """One referral on paper, for the partner's file: journaled as a printable document."""
    actor = actor_for(request)
    referral = get_visible_or_404(
        actor, pk, visible_referrals(actor).select_related("organisation", "officer", "target")
    )
    journal.record(actor, journal.Kind.PRINT, referral)
    return render(
        request,
        "referrals/print.html",
        {
            "referral": referral,
            "events": referral.events.select_related("actor", "organisation"),
            "thread": referral.messages.select_related("author", "organisation"),
            "attachments": referral.attachments.all(),
            "printed_at": timezone.now(),
        },
    )


def _run(request, referral, action, **data):
    """Run a workflow action; returns an error message, or None when it succeeded."""
    actor = actor_for(request)
    try:
        workflow.perform(referral, action, actor, **data)
    except PermissionDenied as error:
        raise Http404 from error
    except workflow.TransitionNotAllowed as error:
        return str(error)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


@login_required
@require_POST
def referral_submit(request, pk):
    actor = partner_or_404(actor_for(request))
    referral = get_visible_or_404(actor, pk)
    if referral.status == Status.SUBMITTED and referral.submitted_at:
        messages.info(request, _("Cette demande a déjà été transmise."))
        return redirect("referrals:detail", pk=referral.pk)
    error = _run(request, referral, Action.SUBMIT)
    if error:
        messages.error(request, _("La demande n'a pas été transmise. %(error)s") % {"error": error})
    else:
        messages.success(
            request,
            _("Demande transmise à la commission de « %(t)s ».") % {"t": referral.target.title},
        )
    return redirect("referrals:detail", pk=referral.pk)


# What each of the partner's action buttons does, said on the button.
SUBMIT_LABELS = {
    Action.ANSWER_INFO: _lazy("Envoyer la réponse"),
    Action.WITHDRAW: _lazy("Retirer la demande"),
    Action.CONTEST: _lazy("Envoyer la contestation"),
}


def _form_action(request, pk, action, form_class, template, title, success):
    actor = partner_or_404(actor_for(request))
    referral = get_visible_or_404(actor, pk)
    journal.record_page(actor, referral, action)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = _run(request, referral, action, **form.cleaned_data)
        if error is None:
            messages.success(request, success)
            return redirect("referrals:detail", pk=referral.pk)
        form.add_error(None, error)
    return render(
        request,
        template,
        {
            "form": form,
            "referral": referral,
            "title": title,
            "action": action,
            "submit_label": SUBMIT_LABELS[action],
        },
    )


@login_required
@sensitive_post_parameters()
def referral_answer(request, pk):
    return _form_action(
        request,
        pk,
        Action.ANSWER_INFO,
        AnswerInfoForm,
        "referrals/action.html",
        _("Répondre à la demande d'informations"),
        _("Réponse envoyée : la demande revient à la commission."),
    )


@login_required
@sensitive_post_parameters()
def referral_withdraw(request, pk):
    return _form_action(
        request,
        pk,
        Action.WITHDRAW,
        WithdrawForm,
        "referrals/action.html",
        _("Retirer la demande"),
        _("Demande retirée. La commission en est informée."),
    )


@login_required
@sensitive_post_parameters()
def referral_contest(request, pk):
    return _form_action(
        request,
        pk,
        Action.CONTEST,
        ContestForm,
        "referrals/action.html",
        _("Contester l'avis défavorable"),
        _("Contestation envoyée : la demande revient en commission."),
    )


@login_required
@sensitive_post_parameters()
def referral_rectify(request, pk):
    """The referring partner corrects the person's details; the history keeps old and new."""
    actor = partner_or_404(actor_for(request))
    referral = get_visible_or_404(actor, pk)
    journal.record_page(actor, referral, "rectify")
    if not can_rectify(actor, referral):
        messages.error(request, _("Les données de cette demande ne peuvent plus être rectifiées."))
        return redirect("referrals:detail", pk=referral.pk)
    form = RectificationForm(request.POST or None, instance=Referral.objects.get(pk=referral.pk))
    if request.method == "POST" and form.is_valid():
        try:
            workflow.rectify(referral, actor, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, _("Données rectifiées. L'historique garde l'ancienne valeur.")
            )
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/action.html",
        {
            "form": form,
            "referral": referral,
            "title": _("Rectifier les données de la personne"),
            "submit_label": _("Enregistrer la rectification"),
        },
    )


@login_required
@sensitive_post_parameters()
def referral_release_date(request, pk):
    actor = partner_or_404(actor_for(request))
    referral = get_visible_or_404(actor, pk)
    journal.record_page(actor, referral, "release_date")
    form = ReleaseDateForm(request.POST or None, initial={"release_date": referral.release_date})
    if request.method == "POST" and form.is_valid():
        try:
            workflow.change_release_date(
                referral, actor, form.cleaned_data["release_date"], form.cleaned_data["comment"]
            )
        except PermissionDenied:
            form.add_error(None, _("La date ne peut plus être modifiée pour cette demande."))
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Date modifiée. La commission en est informée."))
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/action.html",
        {
            "form": form,
            "referral": referral,
            "title": _("Modifier la date de sortie ou de début de mesure"),
            "submit_label": _("Enregistrer la nouvelle date"),
        },
    )


@login_required
@sensitive_post_parameters()
@require_POST
def referral_message(request, pk):
    actor = actor_for(request)
    referral = get_visible_or_404(actor, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le message est vide : rien n'a été envoyé."))
        return redirect("referrals:detail", pk=referral.pk)
    try:
        workflow.post_message(referral, actor, form.cleaned_data["body"])
    except PermissionDenied:
        messages.error(request, _("Vous ne pouvez pas écrire sur cette demande."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Message envoyé."))
    return redirect("referrals:detail", pk=referral.pk)


@login_required
@require_POST
def referral_upload(request, pk):
    actor = actor_for(request)
    referral = get_visible_or_404(actor, pk)
    if not can_add_document(actor, referral):
        messages.error(request, _("Vous ne pouvez pas ajouter de document à cette demande."))
        return redirect("referrals:detail", pk=referral.pk)
    # Refused from its announced size with a French message (the CSRF check has spooled the body
    # to a temporary file by then, at most the proxy's client_max_body_size).
    length = request.META.get("CONTENT_LENGTH", "")
    announced = int(length) if length.isdigit() else 0
    if announced > settings.DOCUMENT_MAX_UPLOAD_SIZE + UPLOAD_FORM_OVERHEAD:
        messages.error(request, _("Document refusé : le fichier dépasse 10 Mo."))
        return redirect("referrals:detail", pk=referral.pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, _("Document refusé : %(errors)s") % {"errors": " ".join(errors)})
        return redirect("referrals:detail", pk=referral.pk)
    workflow.add_attachment(referral, actor, form.cleaned_data["file"], form.cleaned_data["kind"])
    messages.success(request, _("Document ajouté."))
    return redirect("referrals:detail", pk=referral.pk)


@login_required
def attachment_download(request, pk, attachment_id):
    actor = actor_for(request)
    referral = get_visible_or_404(actor, pk)
    attachment = get_object_or_404(referral.attachments, pk=attachment_id)
    journal.record(actor, journal.Kind.DOWNLOAD, referral, attachment=str(attachment.pk))
    accel_prefix = settings.PRIVATE_FILES_X_ACCEL_PREFIX
    if accel_prefix:
        # The proxy sends the file (from an `internal` location): the check above still decides.
        response = HttpResponse(content_type=attachment.content_type)
        response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + quote(attachment.file.name)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=attachment.original_name
        )
    else:
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    return response


FOLLOWED_STATUSES = [Status.DRAFT, *OPEN_STATUSES, Status.DECLINED]


@login_required
@sensitive_post_parameters()
def referral_reassign(request):
    """An organisation admin reassigns referrals: those followed by one member (`?de=<id>`, e.g.
    a member who leaves), one referral (`?orientation=<id>`), or all that are still followed."""
    actor = partner_or_404(actor_for(request))
    if not is_organisation_admin(actor):
        raise Http404
    organisation = actor.organisation
    everyone = (
        organisation.memberships.select_related("user")
        .order_by("-is_active", "user__last_name", "user__first_name")
        .distinct()
    )
    followed = visible_referrals(actor).filter(anonymised_at__isnull=True)
    listed = followed.filter(status__in=FOLLOWED_STATUSES)
    departing = None
    wanted = request.GET.get("de", "")
    if wanted.isdigit():
        departing = next((m for m in everyone if m.user_id == int(wanted)), None)
        if departing is None:
            raise Http404
        listed = listed.filter(
            Q(officer_id=departing.user_id) | Q(second_contact_id=departing.user_id)
        )
    one = request.GET.get("orientation", "")
    initial = {}
    if one:
        referral = get_visible_or_404(actor, one)
        listed = followed.filter(pk=referral.pk)
        initial["referrals"] = [referral.pk]
    form = ReassignForm(
        request.POST or None,
        initial=initial,
        referrals=followed.select_related("target", "officer").order_by("-created_at"),
        members=reassignable_members(organisation.pk),
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = workflow.reassign(
                list(form.cleaned_data["referrals"]),
                actor,
                officer=form.cleaned_data["officer"],
                second_contact=form.cleaned_data["second_contact"],
            )
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                _(
                    "%(n)s demande(s) réattribuée(s). Les nouvelles personnes en charge sont "
                    "prévenues."
                )
                % {"n": len(changed)},
            )
            return redirect(request.get_full_path())
    listed = list(listed.with_list_data().select_related("second_contact").order_by("-created_at"))
    journal.record_rows(actor, journal.Kind.LIST, listed)
    if request.method == "POST":
        checked = set(request.POST.getlist("referrals"))
    else:  # a departing member's or the one referral's: all ticked
        checked = {str(r.pk) for r in listed} if (departing or one) else set()
    return render(
        request,
        "referrals/reassign.html",
        {
            "form": form,
            "listed": listed,
            "checked": checked,
            "members": everyone,
            "departing": departing,
            "actor": actor,
        },
    )
