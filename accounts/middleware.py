import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from wagtail.api.v3.errors import problem_response
from wagtail.models import APIToken

from . import security
from .models import Membership

SESSION_KEY = "current_organisation_id"


def current_membership(request) -> Membership | None:
    """The membership the user acts through, chosen in the UI and kept in the session.

    Only active memberships of active organisations count, so a deactivated member loses access
    on their next request."""
    memberships = list(request.user.active_memberships().order_by("organisation__name"))
    request.memberships = memberships
    wanted = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.organisation_id == wanted:
            return membership
    if memberships:
        request.session[SESSION_KEY] = memberships[0].organisation_id
        return memberships[0]
    request.session.pop(SESSION_KEY, None)
    return None


class CurrentOrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        request.current_membership = None
        if request.user.is_authenticated:
            request.current_membership = current_membership(request)
        return self.get_response(request)


# Pages someone who must set up MFA may still open: signing in and out, the MFA pages
# themselves, password, re-authentication, sessions, ProConnect's callbacks.
MFA_SETUP_URL_NAMES = ("account_", "mfa_", "usersessions_", "socialaccount_", "proconnect_")
SESSION_AUTH_AT = "ilot_authenticated_at"
SESSION_SEEN_AT = "ilot_seen_at"
SEEN_AT_RESOLUTION = 60  # seconds: the last activity is saved at most once a minute


class SecurityMiddleware:
    """Session lifetimes and enforced MFA (the rules: accounts.security). After
    CurrentOrganisationMiddleware (it reuses `request.memberships`) and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not request.path_info.startswith("/api/"):
            request.is_internal_staff = security.is_internal(request.user, request.memberships)
            expired = self._session_expired(request)
            if expired:
                return expired
        return self.get_response(request)

    def _session_expired(self, request):
        now = int(time.time())
        session = request.session
        authenticated_at = session.setdefault(SESSION_AUTH_AT, now)
        seen_at = session.get(SESSION_SEEN_AT, authenticated_at)
        idle = security.idle_timeout(request.is_internal_staff)
        if now - authenticated_at <= settings.SESSION_ABSOLUTE_LIFETIME and now - seen_at <= idle:
            if now - seen_at >= SEEN_AT_RESOLUTION or SESSION_SEEN_AT not in session:
                session[SESSION_SEEN_AT] = now
            return None
        logout(request)
        messages.info(
            request, _("Votre session a expiré. Identifiez-vous à nouveau pour continuer.")
        )
        login_url = reverse("account_login")
        if request.method == "GET":
            login_url = f"{login_url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(login_url)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.path_info.startswith("/api/"):
            return None
        name = request.resolver_match.url_name or ""
        if name.startswith(MFA_SETUP_URL_NAMES) or name in {"healthz", "choose_language"}:
            return None
        required = security.mfa_required(user, request.memberships, request.is_internal_staff)
        if not required or security.has_mfa(user):
            return None
        messages.warning(
            request,
            _(
                "Votre rôle exige la double authentification : activez une application "
                "d'authentification ou une clé de sécurité pour continuer."
            ),
        )
        return redirect("mfa_index")


class APITokenMiddleware:
    """The one check of personal API tokens beyond wagtail's BearerTokenAuth (which the partner
    API and Wagtail's v3 API both use, and which only checks the token and `is_active`): on any
    path under /api/, a bearer token that is unknown, revoked, expired, or whose owner may no
    longer use the API (accounts.security.token_refusal) answers 401 before any view runs —
    also on the endpoints that anonymous visitors may read."""

    MESSAGES = {
        "invalid": _lazy("Jeton d'API inconnu ou révoqué."),
        "expired": _lazy("Ce jeton d'API a expiré : créez-en un nouveau dans Mon compte."),
        "no_access": _lazy(
            "Ce jeton d'API ne donne plus accès : son titulaire n'est plus membre actif d'une "
            "organisation."
        ),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        if request.path_info.startswith("/api/") and scheme.lower() == "bearer":
            api_token = (
                APIToken.objects.select_related("user")
                .filter(
                    key_hash__in=APIToken.candidate_key_hashes(token.strip()),
                    revoked_at__isnull=True,
                )
                .first()
            )
            reason = "invalid" if api_token is None else security.token_refusal(api_token)
            if reason:
                # RFC 7807, as Wagtail's API answers; `detail` as the partner API's errors.
                response = problem_response(
                    status=401, title=_("Jeton refusé"), detail=str(self.MESSAGES[reason])
                )
                response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                return response
        return self.get_response(request)
