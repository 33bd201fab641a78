"""ProConnect as an allauth provider: allauth's OpenID Connect provider, with PKCE always on, a
`nonce` and a long `state`, no parameter taken from the browser, and the verified ID token and
userinfo JWT (see `verification`) instead of the generic JSON userinfo."""

import secrets

import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.utils import generate_code_challenge
from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider,
    OpenIDConnectProviderAccount,
)
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from . import verification
from .conf import AMR_CLAIMS_REQUEST, PROVIDER_ID
from .policy import email_verified


class ProConnectAccount(OpenIDConnectProviderAccount):
    def to_str(self):
        return (self.get_user_data() or {}).get("email") or super().to_str()


class ProConnectOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    """The authorisation code exchange, then the checks ProConnect needs."""

    # ProConnect authenticates the client with `client_secret_post`.
    basic_auth = False

    def __init__(self, request):
        super().__init__(request, PROVIDER_ID)
        # The stashed state of this sign-in (its `nonce`), set by `views.CallbackView`.
        self.state = None

    @property
    def openid_config(self):
        if not hasattr(self, "_openid_config"):
            self._openid_config = verification.openid_configuration(self.get_provider().server_url)
        return self._openid_config

    def get_callback_url(self, request, app):
        return build_absolute_uri(
            request, reverse("proconnect_callback"), self.redirect_uri_protocol
        )

    def complete_login(self, request, app, token, **kwargs):
        raw_id_token = kwargs["response"].get("id_token")
        if not raw_id_token:
            raise verification.ProConnectError("no ID token in the token response")
        id_token = verification.verify_id_token(
            raw_id_token,
            config=self.openid_config,
            client_id=app.client_id,
            nonce=(self.state or {}).get("nonce"),
        )
        userinfo = verification.fetch_userinfo(
            config=self.openid_config,
            client_id=app.client_id,
            access_token=token.token,
            sub=id_token["sub"],
        )
        if self.state is not None:
            # Kept for the logout's `id_token_hint` (see signals.py): the session only, never
            # the database.
            self.state["id_token"] = raw_id_token
        return self.get_provider().sociallogin_from_response(
            request, {"id_token": id_token, "userinfo": userinfo}
        )


class ProConnectProvider(OpenIDConnectProvider):
    id = PROVIDER_ID
    name = "ProConnect"
    account_class = ProConnectAccount
    oauth2_adapter_class = ProConnectOAuth2Adapter
    pkce_enabled_default = True
    supports_token_authentication = False

    def get_login_url(self, request, **kwargs):
        url = reverse("proconnect_login")
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def get_callback_url(self):
        return reverse("proconnect_callback")

    def get_oauth2_adapter(self, request):
        return ProConnectOAuth2Adapter(request)

    def get_default_scope(self):
        return list(settings.PROCONNECT_SCOPES)

    def get_pkce_params(self):
        return generate_code_challenge()  # S256, whatever the app's settings say

    def get_auth_params(self):
        # `amr` tells whether the person used several factors (policy.py).
        return {"claims": AMR_CLAIMS_REQUEST}

    def get_auth_params_from_request(self, request, action):
        # Nothing from the query string: ProConnect answers any unknown parameter with an error.
        return self.get_auth_params()

    def get_scope_from_request(self, request):
        return self.get_scope()

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        auth_params["nonce"] = nonce
        try:
            return super().redirect(
                request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
            )
        except (requests.RequestException, ProviderException) as error:
            # The discovery document could not be read: ProConnect is down.
            return render_authentication_error(request, self, exception=error)

    def extract_uid(self, data):
        return str(data["id_token"]["sub"])

    def extract_common_fields(self, data):
        userinfo = data["userinfo"]
        return {
            "email": userinfo.get("email"),
            "email_verified": email_verified(userinfo),
            "first_name": userinfo.get("given_name"),
            "last_name": userinfo.get("usual_name") or userinfo.get("family_name"),
        }

    def extract_email_addresses(self, data):
        userinfo = data["userinfo"]
        email = userinfo.get("email")
        if not email:
            return []
        return [EmailAddress(email=email, verified=email_verified(userinfo), primary=True)]


provider_classes = [ProConnectProvider]
