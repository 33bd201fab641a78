from allauth.mfa.stages import AuthenticateStage as AllauthAuthenticateStage

from .policy import multi_factor_done_at_proconnect


class AuthenticateStage(AllauthAuthenticateStage):
    """allauth's MFA stage (same key, same pages), skipped when ProConnect already did a
    multi-factor login of internal staff (policy.py). Set in accounts.adapter."""

    def _should_handle(self, request) -> bool:
        if not super()._should_handle(request):
            return False
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        return not multi_factor_done_at_proconnect(self.login.user, sociallogin)
