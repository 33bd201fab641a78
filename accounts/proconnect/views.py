import hmac
import secrets

import requests
from allauth.decorators import rate_limit
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal.flows import connect as connect_flow
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.base import AuthError, ProviderException
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import conf, verification
from .provider import ProConnectOAuth2Adapter

# --- sign-in: allauth's OAuth2 views with ProConnect's adapter ---------------------------------


class CallbackView(OAuth2CallbackView):
    def _get_state(self, request, provider):
        # allauth takes the state out of the session (a replayed `state` finds nothing); the
        # adapter needs its `nonce` to check the ID token.
        state, response = super()._get_state(request, provider)
        self.adapter.state = state
        return state, response


_login_view = OAuth2LoginView.adapter_view(ProConnectOAuth2Adapter)
_callback_view = CallbackView.adapter_view(ProConnectOAuth2Adapter)


def _require_enabled():
    if not conf.is_enabled():
        raise Http404


@rate_limit(action="login")
def login(request):
    """The ProConnect button's form: a POST (CSRF-protected), counted with allauth's login rate
    limit, that redirects to ProConnect (a GET shows a page with that button).
    `process=connect` links ProConnect to the account that is signed in."""
    _require_enabled()
    return _login_view(request)


def callback(request):
    _require_enabled()
    return _callback_view(request)


# --- pages shown instead of allauth's generic ones -----------------------------------------------


def refused(request, refusal):
    """A ProConnect identity that opens no account (policy.Refusal): why, and who to ask."""
    return render(
        request,
        "accounts/proconnect/refused.html",
        {"code": refusal.code, "support_email": settings.SUPPORT_EMAIL, **refusal.context},
        status=403,
    )


def authentication_error(request, error, exception):
    if error == AuthError.CANCELLED:
        messages.info(request, _("Connexion avec ProConnect annulée."))
        return redirect("account_login")
    unavailable = isinstance(exception, requests.RequestException)
    return render(
        request,
        "accounts/proconnect/error.html",
        {"unavailable": unavailable},
        status=503 if unavailable else 401,
    )


# --- the account page: link, unlink, last sign-ins ----------------------------------------------


@login_required
def account(request):
    _require_enabled()
    linked = SocialAccount.objects.filter(user=request.user, provider=conf.PROVIDER_ID).order_by(
        "date_joined"
    )
    if request.method == "POST":
        socialaccount = get_object_or_404(linked, pk=request.POST.get("account"))
        try:
            connect_flow.validate_disconnect(request, socialaccount)
        except ValidationError:
            messages.error(
                request,
                _(
                    "Votre compte n'a pas de mot de passe : choisissez-en un avant de délier "
                    "ProConnect, sinon vous ne pourriez plus vous connecter."
                ),
            )
        else:
            connect_flow.disconnect(request, socialaccount)
        return redirect("proconnect_account")
    return render(
        request,
        "accounts/proconnect/account.html",
        {
            "linked": [(socialaccount, socialaccount.extra_data) for socialaccount in linked],
            "events": request.user.login_events.all()[:10],
        },
    )


# --- logout through ProConnect's end_session_endpoint -------------------------------------------


def logout(request):
    """After the portal's logout (accounts.adapter.AccountAdapter.logout) of a ProConnect
    sign-in: end the ProConnect session too, with the ID token and a new `state`."""
    id_token = request.session.pop(conf.SESSION_LOGOUT_ID_TOKEN, None)
    if not id_token or not conf.is_enabled():
        return redirect(settings.ACCOUNT_LOGOUT_REDIRECT_URL)
    provider = get_adapter().get_provider(request, conf.PROVIDER_ID)
    try:
        endpoint = verification.openid_configuration(provider.server_url).get(
            "end_session_endpoint"
        )
    except (requests.RequestException, ProviderException):
        endpoint = None
    if not endpoint:
        messages.warning(
            request,
            _(
                "ProConnect ne répond pas : votre session ProConnect reste peut-être ouverte. "
                "Fermez votre navigateur pour la terminer."
            ),
        )
        return redirect(settings.ACCOUNT_LOGOUT_REDIRECT_URL)
    state = secrets.token_urlsafe(32)
    request.session[conf.SESSION_LOGOUT_STATE] = state
    params = {
        "id_token_hint": id_token,
        "state": state,
        "post_logout_redirect_uri": build_absolute_uri(
            request, reverse("proconnect_logout_callback")
        ),
    }
    return HttpResponseRedirect(f"{endpoint}?{urlencode(params)}")


def logout_callback(request):
    expected = request.session.pop(conf.SESSION_LOGOUT_STATE, None)
    if expected and hmac.compare_digest(request.GET.get("state", ""), expected):
        messages.success(request, _("Votre session ProConnect est terminée."))
    return redirect(settings.ACCOUNT_LOGOUT_REDIRECT_URL)
