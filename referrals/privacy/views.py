"""The person's rights and the access journal's page: for heads of establishment (their
establishments' referrals) and the data protection officer (all). Who may do what is decided in
`referrals.permissions`; every access export is journaled."""

import io
import json
import unicodedata
import uuid
import zipfile
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.models import User

from .. import journal, retention
from ..models import PERSON_FIELDS, AccessLog, Referral
from ..permissions import actor_for, journal_scope, rights_referrals
from ..timeline import event_label
from .forms import ErasureForm, JournalFilterForm, PersonForm

READS = [AccessLog.Action.VIEW, AccessLog.Action.DOWNLOAD, AccessLog.Action.API_READ]


def normalised(name: str) -> str:
    """Names compared without accents, case, hyphens or spaces: "Zoé Le-Gall" = "zoe le gall"."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in letters.casefold() if c.isalnum())


def person_referrals(queryset, last_name, first_name, birth_date) -> list[Referral]:
    candidates = queryset.filter(birth_date=birth_date).select_related("target", "organisation")
    wanted = (normalised(last_name), normalised(first_name))
    return [
        r
        for r in candidates.order_by("created_at")
        if (normalised(r.last_name), normalised(r.first_name)) == wanted
    ]


def _chosen(request, actor) -> list[Referral]:
    ids = []
    for value in request.POST.getlist("referral"):
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return list(rights_referrals(actor).filter(pk__in=ids).select_related("target", "organisation"))


@login_required
@sensitive_post_parameters()
def rights(request):
    """Find a person's files (by name and birth date, POSTed), then export or erase them."""
    actor = actor_for(request)
    queryset = rights_referrals(actor)
    form = PersonForm(request.POST or None)
    found = None
    if request.method == "POST" and form.is_valid():
        found = person_referrals(queryset, **form.cleaned_data)
        journal.record_rows(actor, journal.Kind.LIST, found, what="rights")
    return render(
        request,
        "referrals/privacy/rights.html",
        {"form": form, "found": found, "erasure_form": ErasureForm(), "actor": actor},
    )


def _person_data(referral) -> dict:
    return {
        "reference": referral.reference,
        "etablissement": referral.target.title,
        "organisation": referral.organisation.name,
        "statut": referral.get_status_display(),
        "type": referral.get_referral_type_display(),
        "numero_si_siao": referral.siao_request_number,
        "creee_le": referral.created_at,
        "transmise_le": referral.submitted_at,
        "anonymisee_le": referral.anonymised_at,
        "personne": {
            name: (
                getattr(referral, f"get_{name}_display")()
                if hasattr(referral, f"get_{name}_display")
                else getattr(referral, name)
            )
            for name in PERSON_FIELDS
        },
        "situation_judiciaire": referral.get_judicial_situation_display(),
        "date_de_sortie": referral.release_date,
        "besoins": {
            "hebergement": referral.get_housing_need_display(),
            "hebergement_precision": referral.housing_comment,
            "emploi": referral.get_employment_need_display(),
            "emploi_precision": referral.employment_comment,
            "accompagnement_soins": referral.needs_care_support,
            "soins_precision": referral.health_note,
            "liens": referral.get_ties_need_display(),
            "liens_precision": referral.ties_comment,
            "souhaits": referral.wishes,
        },
        "accord": {
            "donne": referral.consent,
            "date": referral.consent_date,
            "recueilli": referral.get_consent_method_display(),
        },
        "decision": {
            "admission_prevue": referral.planned_admission_date,
            "motif_refus": referral.get_decline_reason_display(),
            "message": referral.decision_message,
            "arrivee": referral.arrival_date,
        },
        "attestations_d_hebergement": [
            {
                "delivree_le": c.issued_at,
                "retiree_le": c.revoked_at,
                "remplacee": c.superseded_by_id is not None,
            }
            for c in referral.certificates.all()
        ],
        "historique": [
            {"date": e.created_at, "evenement": event_label(e), "commentaire": e.comment}
            for e in referral.events.all()
        ],
        "messages": [
            {"date": m.created_at, "auteur": str(m.organisation or ""), "texte": m.body}
            for m in referral.messages.select_related("organisation")
        ],
        "notes_internes": [
            {"date": n.created_at, "texte": n.body} for n in referral.internal_notes.all()
        ],
        "documents": [
            {"nom": a.original_name, "type": a.get_kind_display(), "ajoute_le": a.created_at}
            for a in referral.attachments.all()
        ],
    }


@login_required
@require_POST
def access_export(request):
    """Everything held about the person in the chosen files, as one ZIP: a readable summary
    (HTML), the data (JSON) and the documents themselves."""
    actor = actor_for(request)
    referrals = _chosen(request, actor)
    if not referrals:
        messages.error(request, _("Aucun dossier choisi : cherchez d'abord la personne."))
        return redirect("privacy:rights")
    data = [_person_data(r) for r in referrals]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "resume.html",
            render_to_string(
                "referrals/privacy/access_export.html",
                {"files": data, "generated_at": timezone.now()},
            ),
        )
        archive.writestr(
            "donnees.json",
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for referral in referrals:
            for attachment in referral.attachments.all():
                with attachment.file.open("rb") as content:
                    archive.writestr(
                        f"documents/{referral.reference}/{attachment.pk}-"
                        f"{attachment.original_name}",
                        content.read(),
                    )
    journal.record_rows(actor, journal.Kind.ACCESS_EXPORT, referrals)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="droit-d-acces-{stamp}.zip"'
    return response


@login_required
@require_POST
def erasure(request):
    """Erase the person from the chosen files on their request, where the law allows: the same
    anonymisation as the retention purge, so the figures do not change."""
    actor = actor_for(request)
    referrals = _chosen(request, actor)
    form = ErasureForm(request.POST)
    if not referrals or not form.is_valid():
        messages.error(request, _("Choisissez les dossiers et confirmez la demande d'effacement."))
        return redirect("privacy:rights")
    erased = sum(retention.anonymise(referral, actor) for referral in referrals)
    messages.success(
        request,
        _("%(n)s dossier(s) anonymisé(s). Les statistiques restent inchangées.") % {"n": erased},
    )
    return redirect("privacy:rights")


@login_required
def journal_view(request):
    """Who accessed what: filterable by referral, user and dates; with, for management and the
    DPO, the users who read an unusual number of files in a day."""
    actor = actor_for(request)
    scope = journal_scope(actor)
    entries = AccessLog.objects.select_related("user", "organisation", "referral")
    if scope is not None:
        entries = entries.filter(referral__target_id__in=scope)
    users = User.objects.filter(pk__in=entries.order_by().values("user_id")).order_by(
        "last_name", "first_name", "email"
    )
    form = JournalFilterForm(request.GET or None, users=users)
    if form.is_valid():
        data = form.cleaned_data
        if data["reference"]:
            entries = entries.filter(
                Q(referral__reference=data["reference"].strip())
                | Q(details__icontains=data["reference"].strip())
            )
        if data["user"]:
            entries = entries.filter(user=data["user"])
        if data["start"]:
            entries = entries.filter(at__date__gte=data["start"])
        if data["end"]:
            entries = entries.filter(at__date__lte=data["end"])
    page = Paginator(entries.order_by("-at"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/privacy/journal.html",
        {
            "form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "alerts": unusual_reads() if scope is None else None,
            "threshold": settings.JOURNAL_ALERT_READS,
        },
    )


def unusual_reads(days=7) -> list[dict]:
    """Users who read more distinct files in one day than JOURNAL_ALERT_READS, over the last
    `days` days."""
    since = timezone.now() - timedelta(days=days)
    return list(
        AccessLog.objects.filter(action__in=READS, at__gte=since, user__isnull=False)
        .annotate(day=TruncDate("at"))
        .values("user__email", "day")
        .annotate(files=Count("referral_id", distinct=True))
        .filter(files__gt=settings.JOURNAL_ALERT_READS)
        .order_by("-day", "-files")
    )
