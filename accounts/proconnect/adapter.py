import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.urls import reverse
from django.utils.crypto import get_random_string

from . import policy, views
from .conf import PROVIDER_ID

logger = logging.getLogger(__name__)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's hooks for ProConnect: which account a sign-in opens (policy.py), and French
    pages for every refusal or failure."""

    def is_open_for_signup(self, request, sociallogin):
        """No account is ever created from a ProConnect identity: invitations only."""
        return False

    def generate_state_param(self, state):
        # ProConnect wants a `state` of at least 32 characters (allauth's default is 16).
        return get_random_string(48)

    def pre_social_login(self, request, sociallogin):
        if sociallogin.account.provider != PROVIDER_ID:
            return
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            # Linking from the account page, signed in: allauth refuses an identity that is
            # already another account's.
            return
        try:
            user = policy.account_for(sociallogin)
        except policy.Refusal as refusal:
            logger.info("ProConnect sign-in refused: %s", refusal.code)
            raise ImmediateHttpResponse(views.refused(request, refusal)) from None
        if not sociallogin.is_existing:
            # First sign-in of an invited account: its `sub` is stored from now on.
            sociallogin.connect(request, user)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        if provider.id != PROVIDER_ID:
            return
        if exception is None:
            reason = error
        else:
            reason = getattr(exception, "reason", None) or exception.__class__.__name__
        logger.warning("ProConnect sign-in failed: %s", reason)
        raise ImmediateHttpResponse(views.authentication_error(request, error, exception))

    def get_requests_session(self):
        """allauth's session (its timeout), where a 5xx from the provider is an HTTP error like
        a network one, so that the person reads "ProConnect is unavailable" (views.py)."""
        session = super().get_requests_session()

        def raise_for_server_error(response, *args, **kwargs):
            if response.status_code >= 500:
                response.raise_for_status()

        session.hooks["response"].append(raise_for_server_error)
        return session

    def get_connect_redirect_url(self, request, socialaccount):
        return reverse("proconnect_account")
