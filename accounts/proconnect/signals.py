"""The access journal (accounts.models.LoginEvent) and the ID token kept for the logout."""

from allauth.account.signals import user_logged_in
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.dispatch import receiver

from ..models import LoginEvent
from . import policy
from .conf import PROVIDER_ID, SESSION_ID_TOKEN


@receiver(user_logged_in)
def journal_proconnect_login(sender, request, user, sociallogin=None, **kwargs):
    """Sent by allauth once every stage (MFA included) is passed."""
    if sociallogin is None or sociallogin.account.provider != PROVIDER_ID:
        return
    id_token = sociallogin.state.get("id_token")
    if id_token:
        request.session[SESSION_ID_TOKEN] = id_token
    LoginEvent.objects.create(
        user=user, kind=LoginEvent.Kind.PROCONNECT_LOGIN, detail=policy.journal_detail(sociallogin)
    )


@receiver(social_account_added)
def journal_proconnect_linked(sender, request, sociallogin, **kwargs):
    if sociallogin.account.provider == PROVIDER_ID:
        LoginEvent.objects.create(
            user=sociallogin.user,
            kind=LoginEvent.Kind.PROCONNECT_LINKED,
            detail=policy.journal_detail(sociallogin),
        )


@receiver(social_account_removed)
def journal_proconnect_unlinked(sender, request, socialaccount, **kwargs):
    if socialaccount.provider == PROVIDER_ID:
        LoginEvent.objects.create(user=socialaccount.user, kind=LoginEvent.Kind.PROCONNECT_UNLINKED)
