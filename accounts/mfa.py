"""allauth's MFA adapter for the portal: TOTP secrets and recovery-code seeds are encrypted at
rest (Fernet, key ``MFA_ENCRYPTION_KEY``; ``MFA_ENCRYPTION_KEY_FALLBACKS`` still decrypt during a
key rotation), and someone who must use MFA (accounts.security) cannot remove their last
authenticator."""

from functools import cache

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import security

FERNET_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte and timestamp)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet((settings.MFA_ENCRYPTION_KEY, *settings.MFA_ENCRYPTION_KEY_FALLBACKS))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode("ascii")).decode()


def is_encrypted(value: str) -> bool:
    return value.startswith(FERNET_PREFIX)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Votre rôle exige la double authentification : ajoutez une autre méthode "
            "(application ou clé de sécurité) avant de retirer celle-ci."
        ),
    }

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """The last TOTP or security key of someone who must use MFA stays."""
        if authenticator.type not in security.PRIMARY_AUTHENTICATORS:
            return True
        user = authenticator.user
        if not security.mfa_required(user):
            return True
        return (
            Authenticator.objects.filter(user=user, type__in=security.PRIMARY_AUTHENTICATORS)
            .exclude(pk=authenticator.pk)
            .exists()
        )
