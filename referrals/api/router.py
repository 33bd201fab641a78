"""The partner API: partner systems (a SPIP's or a SIAO's software) follow and send referrals.

Authentication is by personal API token only (wagtail's APIToken, created in the account area):
a session cookie never authenticates here. Every rule comes from the same places as the portal's
pages: permissions (who sees what), the workflow (what may happen), the form (what a valid draft
is). A referral that is not yours is a 404, never a 403."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import DateTimeField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Header, NinjaAPI, Query, Router, Schema, UploadedFile
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as RequestValidationError
from ninja.responses import Status
from ninja.throttling import UserRateThrottle
from wagtail.api.v3.auth import BearerTokenAuth

from accounts.models import Membership
from cms.choices import ReferralType

from .. import journal, workflow
from ..choices import HISTORICAL, Action, AttachmentKind, refusal_message
from ..choices import Status as ReferralStatus
from ..counts import status_counts
from ..documents import certificates
from ..documents.pdf import pdf_response, render_pdf
from ..documents.views import certificate_context
from ..duplicates import possible_duplicates
from ..figures.definitions import DEFINITIONS, Figures, Period, period_figures
from ..figures.views import PeriodForm, partner_figures
from ..filters import ReferralFilter
from ..models import Message, Referral, ReferralEvent
from ..partner.forms import AttachmentForm, ReferralForm
from ..permissions import (
    Actor,
    can_add_document,
    can_change_release_date,
    can_download_certificate,
    figures_establishments,
    get_visible_or_404,
    is_own_partner,
    visible_referrals,
)
from ..targets import check_target, fit_warnings
from .schemas import (
    AnswerIn,
    AttachmentOut,
    CertificateOut,
    ChangesOut,
    ContestIn,
    ErrorOut,
    EventOut,
    FiguresOut,
    InputSchema,
    MessageIn,
    MessageOut,
    ReferralIn,
    ReferralOut,
    ReferralPageOut,
    ReleaseDateIn,
    StatisticsOut,
    StaysOut,
    WithdrawIn,
)

DESCRIPTION = """
API des orientations de L'Îlot, pour les logiciels des partenaires (SPIP, SIAO, France Travail…).

**Authentification** : un jeton d'API personnel, créé dans *Mon compte → Jetons d'API*, envoyé
dans l'en-tête `Authorization: Bearer <jeton>`. Le jeton agit au nom de la personne qui l'a créé,
avec ses droits. Une session ouverte dans le navigateur ne suffit pas.

**Organisation** : les demandes sont faites au nom de votre organisation partenaire. Si vous êtes
membre de plusieurs organisations, précisez laquelle avec le paramètre `organisation`
(son identifiant).

**Création sans doublon** : envoyez un en-tête `Idempotency-Key` (un UUID que vous générez) avec
`POST /referrals`. Si la même clé revient (par exemple après une coupure réseau), l'API renvoie
le brouillon déjà créé (code 200) au lieu d'en créer un second.

**Erreurs** : toujours un objet `{"detail": "…"}` en français ; pour une erreur de validation
(code 422), `errors` donne les messages champ par champ. Une orientation qui n'existe pas ou qui
n'est pas visible pour vous donne 404 ; une action impossible dans l'état actuel donne 409.
"""


class ApiError(Exception):
    def __init__(self, status: int, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


api = NinjaAPI(
    title="API des orientations — L'Îlot",
    version="1",
    description=DESCRIPTION,
    urls_namespace="referrals_api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=BearerTokenAuth(),
    throttle=[UserRateThrottle("300/m")],
)
router = Router(tags=["Orientations"])


# --- errors -----------------------------------------------------------------------------------


def _error(request, status: int, detail: str, errors=None, headers=None):
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _error(request, exc.status, exc.detail, exc.errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(
        request,
        401,
        _(
            "Authentification requise : envoyez un jeton d'API valide dans l'en-tête "
            "« Authorization: Bearer <jeton> ». Les jetons se créent dans Mon compte → "
            "Jetons d'API."
        ),
        headers={"WWW-Authenticate": 'Bearer realm="orientations"'},
    )


@api.exception_handler(Throttled)
def _throttled(request, exc):
    return _error(request, 429, _("Trop de requêtes : réessayez dans quelques instants."))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
@api.exception_handler(PermissionDenied)
def _not_found(request, exc):
    return _error(request, 404, _("Orientation introuvable."))


@api.exception_handler(workflow.TransitionNotAllowed)
def _conflict(request, exc):
    return _error(request, 409, str(exc))


def _django_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        detail = _("Action impossible : des informations manquent ou ne sont pas valides.")
    else:
        detail = " ".join(exc.messages)
    return _error(request, 422, detail, _django_errors(exc))


def _french(error: dict) -> str:
    """Pydantic's message for one invalid parameter, in French."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "null_character":
        return str(ProhibitNullCharactersValidator.message)  # as the portal's forms say
    if kind == "missing":
        return str(forms.Field.default_error_messages["required"])  # as the portal's forms say
    if kind.startswith("datetime"):
        return _(
            "Date et heure invalides : utilisez le format ISO 8601, par exemple "
            "2026-03-01T08:00:00+01:00."
        )
    if kind.startswith("date"):
        return _("Date invalide : utilisez le format AAAA-MM-JJ.")
    if kind == "enum":
        return _("Valeur inconnue. Valeurs possibles : %(values)s.") % {
            "values": ctx.get("expected", "")
        }
    if kind.startswith("int"):
        return _("Nombre entier attendu.")
    if kind.startswith("bool"):
        return _("Valeur attendue : true ou false.")
    if kind == "string_too_long":
        return _("%(max)s caractères au plus.") % {"max": ctx.get("max_length")}
    if kind.startswith("string"):
        return _("Texte attendu.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("La valeur doit être au moins %(min)s.") % {
            "min": ctx.get("ge", ctx.get("gt", ""))
        }
    if kind in {"less_than_equal", "less_than"}:
        return _("La valeur doit être au plus %(max)s.") % {"max": ctx.get("le", ctx.get("lt", ""))}
    if kind == "json_invalid":
        return _("Le corps de la requête n'est pas du JSON valide.")
    if kind in {"model_attributes_type", "dict_type"}:
        return _("Un objet JSON est attendu.")
    return _("Valeur invalide.")


@api.exception_handler(RequestValidationError)
def _invalid_request(request, exc: RequestValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] == "path":
            # A malformed identifier cannot name a referral you may see.
            return _error(request, 404, _("Orientation introuvable."))
        if loc and loc[0] == "body":
            field = ".".join(loc[2:]) or "body"
        else:
            field = loc[-1] if loc else "non_field_errors"
        if field in HISTORICAL and error.get("type") == "enum":
            message = refusal_message(field) % {"value": error.get("input")}
        else:
            message = _french(error)
        errors.setdefault(field, []).append(message)
    return _error(
        request, 422, _("Requête invalide : corrigez les champs signalés."), errors=errors
    )


COMMON_ERRORS = {
    401: ErrorOut,
    404: ErrorOut,
}


# --- who acts ---------------------------------------------------------------------------------


ORGANISATION_HELP = (
    "Identifiant de l'organisation au nom de laquelle vous agissez : obligatoire seulement si "
    "vous êtes membre de plusieurs organisations."
)


def _membership(user, organisation: int | None) -> Membership:
    memberships = list(user.active_memberships().order_by("organisation__name"))
    if organisation is not None:
        for membership in memberships:
            if membership.organisation_id == organisation:
                return membership
        raise ApiError(
            404,
            _("Organisation inconnue, ou vous n'en êtes pas membre actif (%(id)s).")
            % {"id": organisation},
        )
    if not memberships:
        raise ApiError(403, _("Votre compte n'est rattaché à aucune organisation active."))
    partners = [m for m in memberships if not m.organisation.is_internal]
    candidates = partners or memberships
    if len(candidates) > 1:
        raise ApiError(
            400,
            _(
                "Vous êtes membre de plusieurs organisations : précisez laquelle avec le "
                "paramètre « organisation » (%(choices)s)."
            )
            % {
                "choices": ", ".join(
                    f"{m.organisation_id} = {m.organisation.name}" for m in candidates
                )
            },
        )
    return candidates[0]


def _actor(request, organisation: int | None) -> Actor:
    if not hasattr(request, "_api_actor"):
        membership = _membership(request.user, organisation)
        request._api_actor = Actor.for_membership(request.user, membership)
        request._api_actor.request = request
    return request._api_actor


def _partner(request, organisation: int | None) -> Actor:
    actor = _actor(request, organisation)
    if not actor.is_partner:
        raise ApiError(
            403,
            _("Seules les organisations partenaires peuvent créer ou transmettre une orientation."),
        )
    return actor


DETAIL_RELATED = ("organisation", "officer", "target", "second_contact")


def _get(actor: Actor, referral_id, *, related=False) -> Referral:
    queryset = visible_referrals(actor)
    if related:
        queryset = queryset.select_related(*DETAIL_RELATED)
    return get_visible_or_404(actor, referral_id, queryset)


def _read(request, referral_id, organisation, *, related=False, **details):
    """A read of one referral through the API: fetched if visible (404 otherwise), journaled."""
    actor = _actor(request, organisation)
    referral = _get(actor, referral_id, related=related)
    journal.record(actor, journal.Kind.API_READ, referral, **details)
    return actor, referral


def _detail(referral: Referral, actor: Actor) -> Referral:
    """The referral with what the reader may do on it now."""
    referral.allowed_actions = workflow.allowed_actions(actor, referral)
    referral.warnings = [str(w) for w in fit_warnings(referral)] if actor.is_partner else []
    return referral


# --- list -------------------------------------------------------------------------------------


# No organisation has that many referrals; past it the database could not even count the offset.
MAX_OFFSET = 1_000_000


class ReferralFilters(InputSchema):
    status: ReferralStatus | None = Field(None, description="Statut.")
    referral_type: ReferralType | None = Field(None, description="Type de demande.")
    q: str | None = Field(None, max_length=100, description="Nom, prénom ou référence.")
    release_after: date | None = Field(None, description="Sortie prévue à partir du.")
    release_before: date | None = Field(None, description="Sortie prévue jusqu'au.")
    limit: int = Field(25, ge=1, le=100, description="Nombre de résultats (100 au plus).")
    offset: int = Field(
        0, ge=0, le=MAX_OFFSET, description="Position du premier résultat (1 000 000 au plus)."
    )


@router.get(
    "/referrals",
    response={200: ReferralPageOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut, **COMMON_ERRORS},
    summary="Lister les orientations",
    description="Les orientations de votre organisation, les plus récentes d'abord.",
)
def list_referrals(
    request,
    filters: Query[ReferralFilters],
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    actor = _actor(request, organisation)
    data = {
        name: value.isoformat() if isinstance(value, date) else str(value)
        for name, value in filters.model_dump(
            include={"status", "referral_type", "q", "release_after", "release_before"}
        ).items()
        if value not in (None, "")
    }
    filterset = ReferralFilter(data, queryset=visible_referrals(actor).with_list_data())
    if not filterset.is_valid():
        raise ApiError(
            422,
            _("Requête invalide : corrigez les champs signalés."),
            {
                f: [e["message"] for e in errs]
                for f, errs in filterset.errors.get_json_data().items()
            },
        )
    queryset = filterset.qs.order_by("-created_at", "pk")
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    journal.record_rows(actor, journal.Kind.API_READ, items, what="list")
    if set(data) <= {"status"}:  # all, or one status: the counts kept at write time
        counts = status_counts(actor)
        count = counts.get(data["status"], 0) if data else sum(counts.values())
    else:
        count = queryset.count()
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": items,
    }


# --- create -----------------------------------------------------------------------------------


def _creation_key(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise ApiError(
            400,
            _(
                "L'en-tête Idempotency-Key doit être un UUID (par exemple "
                "« 3f2b8c4e-5d1a-4e8b-9c7d-2a6f0e1b3c4d »)."
            ),
        ) from None


def _already_created(key: uuid.UUID | None, actor: Actor) -> Referral | None:
    if key is None:
        return None
    existing = Referral.objects.filter(creation_key=key).first()
    if existing is None:
        return None
    if existing.organisation_id != actor.membership.organisation_id:
        raise ApiError(409, _("Cette clé Idempotency-Key a déjà servi : générez-en une autre."))
    return _get(actor, existing.pk, related=True)


def _form_errors(form: ReferralForm, payload: ReferralIn) -> dict[str, list[str]]:
    errors = {}
    for field, items in form.errors.get_json_data().items():
        messages = []
        for item in items:
            if field == "target" and item["code"] == "invalid_choice":
                messages.append(
                    check_target(payload.target, payload.referral_type)
                    or _("Établissement ou programme inconnu.")
                )
            elif field == "second_contact" and item["code"] == "invalid_choice":
                messages.append(
                    _("Le second contact doit être un membre actif de votre organisation.")
                )
            else:
                messages.append(item["message"])
        errors["non_field_errors" if field == "__all__" else field] = messages
    return errors


@router.post(
    "/referrals",
    response={
        200: ReferralOut,
        201: ReferralOut,
        400: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        **COMMON_ERRORS,
    },
    summary="Créer un brouillon",
    description=(
        "Crée un brouillon au nom de votre organisation, avec les mêmes règles que le formulaire "
        "du portail (201). Avec un en-tête `Idempotency-Key` déjà utilisé, renvoie le brouillon "
        "créé la première fois (200). Le brouillon se transmet ensuite avec `…/submit`. Si la "
        "même personne a déjà une demande en cours, le brouillon est créé et la réponse porte "
        "`duplicate_warning`."
    ),
)
def create_referral(
    request,
    payload: ReferralIn,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="UUID que vous générez, pour pouvoir renvoyer la requête sans doublon.",
    ),
):
    actor = _partner(request, organisation)
    key = _creation_key(idempotency_key)
    existing = _already_created(key, actor)
    if existing is not None:
        return Status(200, _detail(existing, actor))
    data = {name: value for name, value in payload.model_dump().items() if value is not None}
    form = ReferralForm(data, organisation=actor.organisation)
    if not form.is_valid():
        raise ApiError(
            422,
            _("Le brouillon n'a pas été créé : corrigez les champs signalés."),
            _form_errors(form, payload),
        )
    duplicate = possible_duplicates(
        actor.membership.organisation_id,
        form.cleaned_data["last_name"],
        form.cleaned_data["first_name"],
        form.cleaned_data.get("birth_date"),
        form.cleaned_data["target"],
    )
    referral, created = workflow.create_draft(form.save(commit=False), actor, key)
    if not created:
        # The same key, sent twice at the same time: the other request created it.
        return Status(200, _detail(_get(actor, referral.pk, related=True), actor))
    out = _detail(_get(actor, referral.pk, related=True), actor)
    if duplicate:
        out.duplicate_warning = {
            "message": duplicate.message(),
            "own_references": [r.reference for r in duplicate.own],
            "own_ids": [r.pk for r in duplicate.own],
            "establishment": duplicate.at_target.title if duplicate.at_target else None,
            "partial": duplicate.partial,
        }
    return Status(201, out)


# --- one referral -----------------------------------------------------------------------------


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralOut, 400: ErrorOut, 403: ErrorOut, **COMMON_ERRORS},
    summary="Lire une orientation",
)
def get_referral(
    request,
    referral_id: uuid.UUID,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    actor, referral = _read(request, referral_id, organisation, related=True)
    return _detail(referral, actor)


@router.post(
    "/referrals/{referral_id}/submit",
    response={
        200: ReferralOut,
        400: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        **COMMON_ERRORS,
    },
    summary="Transmettre un brouillon à la commission",
    description=(
        "Vérifie que la demande est complète (accord de la personne compris) et la transmet. "
        "Une demande déjà transmise donne 409, sans rien changer."
    ),
)
def submit_referral(
    request,
    referral_id: uuid.UUID,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    actor = _actor(request, organisation)
    referral = _get(actor, referral_id)
    workflow.perform(referral, Action.SUBMIT, actor)
    return _detail(_get(actor, referral_id, related=True), actor)


@router.post(
    "/referrals/{referral_id}/withdraw",
    response={
        200: ReferralOut,
        400: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        **COMMON_ERRORS,
    },
    summary="Retirer une demande transmise",
)
def withdraw_referral(
    request,
    referral_id: uuid.UUID,
    payload: WithdrawIn,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    actor = _actor(request, organisation)
    referral = _get(actor, referral_id)
    workflow.perform(
        referral, Action.WITHDRAW, actor, reason=payload.reason.value, comment=payload.comment
    )
    return _detail(_get(actor, referral_id, related=True), actor)


@router.get(
    "/referrals/{referral_id}/messages",
    response={200: list[MessageOut], 400: ErrorOut, 403: ErrorOut, **COMMON_ERRORS},
    summary="Lire les messages échangés avec la commission",
)
def list_messages(
    request,
    referral_id: uuid.UUID,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    referral = _read(request, referral_id, organisation, what="messages")[1]
    return list(referral.messages.select_related("author", "organisation"))


@router.post(
    "/referrals/{referral_id}/messages",
    response={
        201: MessageOut,
        400: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        **COMMON_ERRORS,
    },
    summary="Écrire à la commission",
)
def post_message(
    request,
    referral_id: uuid.UUID,
    payload: MessageIn,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    actor = _actor(request, organisation)
    referral = _get(actor, referral_id)
    if referral.status == ReferralStatus.DRAFT and payload.body.strip():
        raise ApiError(
            409, _("Ce brouillon n'est pas encore transmis : transmettez-le avant d'écrire.")
        )
    message = workflow.post_message(referral, actor, payload.body)
    return Status(201, message)


@router.get(
    "/referrals/{referral_id}/events",
    response={200: list[EventOut], 400: ErrorOut, 403: ErrorOut, **COMMON_ERRORS},
    summary="Lire l'historique",
    description="Chaque étape de la demande : création, transmission, décision, arrivée…",
)
def list_events(
    request,
    referral_id: uuid.UUID,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    referral = _read(request, referral_id, organisation, what="events")[1]
    return list(referral.events.select_related("actor", "organisation"))


# --- the partner's other actions ----------------------------------------------------------------

ACTION_ERRORS = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut, **COMMON_ERRORS}


@router.post(
    "/referrals/{referral_id}/answer",
    response={200: ReferralOut, **ACTION_ERRORS},
    summary="Répondre à une demande d'informations",
    description=(
        "Quand la commission demande des informations (statut `info_requested`) : votre "
        "réponse est envoyée dans les messages et la demande revient à la commission "
        "(`submitted`). Dans un autre statut : 409."
    ),
)
def answer_info(
    request,
    referral_id: uuid.UUID,
    payload: AnswerIn,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    actor = _actor(request, organisation)
    referral = _get(actor, referral_id)
    workflow.perform(referral, Action.ANSWER_INFO, actor, message=payload.message)
    return _detail(_get(actor, referral_id, related=True), actor)


@router.post(
    "/referrals/{referral_id}/contest",
    response={200: ReferralOut, **ACTION_ERRORS},
    summary="Contester un avis défavorable",
    description=(
        "Une seule fois par demande, après un avis défavorable (`declined`) : la demande "
        "revient en commission (`under_review`). Une deuxième contestation : 422 ; dans un "
        "autre statut : 409."
    ),
)
def contest_decline(
    request,
    referral_id: uuid.UUID,
    payload: ContestIn,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    actor = _actor(request, organisation)
    referral = _get(actor, referral_id)
    workflow.perform(referral, Action.CONTEST, actor, message=payload.message)
    return _detail(_get(actor, referral_id, related=True), actor)


@router.post(
    "/referrals/{referral_id}/release-date",
    response={200: ReferralOut, **ACTION_ERRORS},
    summary="Modifier la date de sortie",
    description=(
        "Du brouillon à l'avis favorable : la commission est prévenue, l'historique garde "
        "l'ancienne date. Une attestation d'hébergement déjà délivrée cesse d'être valable. "
        "Une demande close : 409."
    ),
)
def change_release_date(
    request,
    referral_id: uuid.UUID,
    payload: ReleaseDateIn,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    actor = _actor(request, organisation)
    referral = _get(actor, referral_id)
    if is_own_partner(actor, referral) and not can_change_release_date(actor, referral):
        raise ApiError(
            409,
            _("La date de sortie ne se modifie plus : cette orientation est « %(status)s ».")
            % {"status": referral.get_status_display()},
        )
    workflow.change_release_date(referral, actor, payload.release_date, payload.comment)
    return _detail(_get(actor, referral_id, related=True), actor)


# --- documents ----------------------------------------------------------------------------------


@router.get(
    "/referrals/{referral_id}/documents",
    response={200: list[AttachmentOut], 400: ErrorOut, 403: ErrorOut, **COMMON_ERRORS},
    summary="Lister les documents joints",
)
def list_documents(
    request,
    referral_id: uuid.UUID,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    referral = _read(request, referral_id, organisation, what="documents")[1]
    return list(referral.attachments.all())


@router.post(
    "/referrals/{referral_id}/documents",
    response={201: AttachmentOut, **ACTION_ERRORS},
    summary="Joindre un document",
    description=(
        "Envoi `multipart/form-data` : `kind` (decision, identite, rapport_social, autre) et "
        "`file` (PDF, JPEG, PNG, ODT ou DOCX, 10 Mo au plus, type reconnu d'après le contenu : "
        "les mêmes vérifications que le portail). Possible du brouillon à l'avis favorable ; "
        "ensuite : 409."
    ),
)
def upload_document(
    request,
    referral_id: uuid.UUID,
    kind: Form[AttachmentKind],
    file: File[UploadedFile],
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    actor = _actor(request, organisation)
    referral = _get(actor, referral_id)
    if not is_own_partner(actor, referral):
        raise Http404
    if not can_add_document(actor, referral):
        raise ApiError(
            409,
            _("On ne joint plus de document : cette orientation est « %(status)s ».")
            % {"status": referral.get_status_display()},
        )
    form = AttachmentForm({"kind": kind.value}, {"file": file})
    if not form.is_valid():
        raise ApiError(
            422,
            _("Document refusé : corrigez les champs signalés."),
            {f: [e["message"] for e in errs] for f, errs in form.errors.get_json_data().items()},
        )
    attachment = workflow.add_attachment(
        referral, actor, form.cleaned_data["file"], form.cleaned_data["kind"]
    )
    return Status(201, attachment)


# --- the housing certificate ------------------------------------------------------------------


def _certificate(request, referral_id, organisation):
    """The current certificate of the reader's own accepted referral; 404 for any other (not
    yours, or not accepted: there is nothing to certify)."""
    actor, referral = _read(request, referral_id, organisation, what="certificate")
    if not can_download_certificate(actor, referral):
        raise Http404
    return referral, certificates.current_certificate(referral, actor.user)


@router.get(
    "/referrals/{referral_id}/certificate",
    response={200: CertificateOut, 400: ErrorOut, 403: ErrorOut, **COMMON_ERRORS},
    summary="Lire l'attestation d'hébergement",
    description=(
        "Pour une orientation acceptée (`accepted`, ou `arrived`) : l'attestation en cours et "
        "son adresse publique de vérification. Si la décision ou les dates ont changé depuis, "
        "une nouvelle attestation remplace l'ancienne (qui n'est plus valable). Une orientation "
        "qui n'est pas acceptée : 404."
    ),
)
def get_certificate(
    request,
    referral_id: uuid.UUID,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    referral, certificate = _certificate(request, referral_id, organisation)
    return {
        "reference": referral.reference,
        "issued_at": certificate.issued_at,
        "valid": certificates.validity(certificate).valid,
        "verification_url": certificates.verification_url(certificate),
        "pdf_url": request.build_absolute_uri(
            reverse("referrals_api:certificate_pdf", args=[referral.pk])
        ),
    }


@router.get(
    "/referrals/{referral_id}/certificate.pdf",
    response={200: None, 400: ErrorOut, 403: ErrorOut, **COMMON_ERRORS},
    url_name="certificate_pdf",
    summary="Télécharger l'attestation d'hébergement (PDF)",
    description="Le même PDF que dans le portail (`application/pdf`).",
    openapi_extra={
        "responses": {200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}}
    },
)
def get_certificate_pdf(
    request,
    referral_id: uuid.UUID,
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    referral, certificate = _certificate(request, referral_id, organisation)
    content = render_pdf(
        "referrals/documents/certificate.html", certificate_context(certificate), request
    )
    return pdf_response(content, f"attestation-hebergement-{referral.reference}.pdf")


# --- the feed of changes ------------------------------------------------------------------------


def _latest(model, field="created_at"):
    return Subquery(
        model.objects.filter(referral=OuterRef("pk"))
        .order_by()
        .values("referral")
        .annotate(last=Max(field))
        .values("last"),
        output_field=DateTimeField(),
    )


class ChangesQuery(Schema):
    updated_since: datetime = Field(
        description="Instant ISO 8601, par exemple 2026-03-01T08:00:00+01:00.",
        examples=["2026-03-01T08:00:00+01:00"],
    )
    limit: int = Field(100, ge=1, le=500, description="Nombre de résultats (500 au plus).")


@router.get(
    "/changes",
    response={200: ChangesOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut, **COMMON_ERRORS},
    summary="Lire les changements depuis un instant",
    description=(
        "Pour synchroniser votre logiciel sans relire chaque orientation : les orientations "
        "visibles pour vous qui ont changé (la demande, son historique ou ses messages) à "
        "partir de `updated_since` (inclus), de la plus ancienne à la plus récente. Relisez "
        "ensuite avec `next_updated_since` : une orientation peut revenir une fois de plus, "
        "aucune ne manque. Une date dans le futur ou mal écrite : 422. Sans fuseau horaire, "
        "l'heure est celle de Paris."
    ),
)
def list_changes(
    request,
    params: Query[ChangesQuery],
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    updated_since, limit = params.updated_since, params.limit
    if timezone.is_naive(updated_since):
        updated_since = timezone.make_aware(updated_since)
    if updated_since > timezone.now() + timedelta(minutes=1):
        raise ApiError(
            422,
            _("Requête invalide : corrigez les champs signalés."),
            {"updated_since": [_("Cette date est dans le futur.")]},
        )
    actor = _actor(request, organisation)
    queryset = (
        visible_referrals(actor)
        .with_list_data()
        .annotate(
            changed_at=Greatest(
                "updated_at",
                Coalesce(_latest(ReferralEvent), "updated_at"),
                Coalesce(_latest(Message), "updated_at"),
            )
        )
        .filter(changed_at__gte=updated_since)
        .order_by("changed_at", "pk")
    )
    items = list(queryset[: limit + 1])
    has_more = len(items) > limit
    items = items[:limit]
    journal.record_rows(actor, journal.Kind.API_READ, items, what="changes")
    return {
        "items": items,
        "next_updated_since": items[-1].changed_at if items else updated_since,
        "has_more": has_more,
    }


api.add_router("/", router)


# --- statistics -------------------------------------------------------------------------------

statistics_router = Router(tags=["Statistiques"])


def _period(year, start, end) -> Period:
    form = PeriodForm({"year": year, "start": start, "end": end})
    if not form.is_valid():
        errors = {
            field: [str(message) for message in messages] for field, messages in form.errors.items()
        }
        raise ApiError(422, _("Période invalide : corrigez les paramètres signalés."), errors)
    return form.cleaned_data["period"]


def _figures_out(figures: Figures, count=lambda n: n) -> dict:
    data = {name: count(getattr(figures, name)) for name in FiguresOut.model_fields}
    data["distinct_processed"] = count(figures.distinct_processed)
    for name in ("decline_reasons", "cancel_reasons"):
        data[name] = dict(getattr(figures, name))
    data["reoriented_to"] = {str(k): v for k, v in figures.reoriented_to.items()}
    return data


def _stays_out(stays) -> dict:
    return {
        **{name: getattr(stays, name) for name in StaysOut.model_fields if name != "measures"},
        "measures": {
            group: {
                "people": m.people,
                "new_entries": m.new_entries,
                "ended": m.ended,
                "completed": m.completed,
                "employed": m.employed,
                "completed_share": m.completed_share,
                "employed_share": m.employed_share,
            }
            for group, m in stays.measures.items()
        },
    }


class StatisticsFilters(Schema):
    year: int | None = Field(None, description="Année civile (par défaut l'année en cours).")
    start: date | None = Field(None, description="Début de la période.")
    end: date | None = Field(None, description="Fin de la période (incluse).")
    establishment: int | None = Field(None, description="Un seul établissement (commission).")


@statistics_router.get(
    "/statistics",
    response={200: StatisticsOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut, **COMMON_ERRORS},
    summary="Lire les statistiques",
    description=(
        "Les chiffres de la page de statistiques, avec les mêmes règles : pour un partenaire, "
        "les suites données aux demandes de son organisation (un nombre de 1 à 4 pour un seul "
        "établissement est remplacé par « < 5 ») et le délai habituel de réponse de chaque "
        "établissement ; pour la commission, ses établissements ; pour la direction, tous. "
        "Une année civile (par défaut l'année en cours) ou une période `start`–`end` de dix "
        "ans au plus."
    ),
)
def get_statistics(
    request,
    filters: Query[StatisticsFilters],
    organisation: int | None = Query(None, description=ORGANISATION_HELP),
):
    year, start, end = filters.year, filters.start, filters.end
    establishment = filters.establishment
    actor = _actor(request, organisation)
    period = _period(year, start, end)
    definitions = {str(term): str(text) for term, text in DEFINITIONS}
    journal.record(actor, journal.Kind.EXPORT, what="statistics-api", period=str(period))
    if actor.is_partner:
        if establishment is not None:
            raise ApiError(404, _("Statistiques introuvables."))
        data = partner_figures(period, actor.membership.organisation_id)
        return {
            "period": period.__dict__,
            "scope": "organisation",
            "establishments": [
                {
                    "id": row["id"],
                    "title": row["title"],
                    "figures": {
                        **{name: row["values"][name] for name in row["values"]},
                        "received": row["received"],
                    },
                    "by_month": {m["month"]: m["processed"] for m in row["months"]},
                }
                for row in data["establishments"]
            ],
            "total": {**data["total"], "received": data["total_received"]},
            "response_times": data["response_times"],
            "definitions": definitions,
        }
    try:
        allowed = [pk for pk, _title in figures_establishments(actor)]
    except Http404:
        raise ApiError(404, _("Statistiques introuvables.")) from None
    if establishment is not None and establishment not in allowed:
        raise ApiError(404, _("Statistiques introuvables."))
    ids = allowed if not actor.is_management else None
    if establishment is not None:
        ids = [establishment]
    result = period_figures(period, ids)
    return {
        "period": period.__dict__,
        "scope": "établissements",
        "establishments": [
            {
                "id": e.id,
                "title": e.title,
                "figures": _figures_out(e.total),
                "delays": e.delays.__dict__,
                "stays": _stays_out(e.stays) if e.stays.hosted else None,
                "by_month": {key: f.processed for key, f in sorted(e.by_month.items())},
            }
            for e in result.establishments
        ],
        "total": _figures_out(result.total),
        "response_times": [
            {
                "id": e.id,
                "title": e.title,
                "median_days": e.delays.decision_median,
                "decisions": e.delays.decision_n,
            }
            for e in result.establishments
        ],
        "definitions": definitions,
    }


api.add_router("/", statistics_router)
