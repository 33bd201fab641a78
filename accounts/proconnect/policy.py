"""Who a ProConnect identity signs in as, and when it is refused.

- An identity already linked to an account (its `sub` is stored) signs into that account.
- Otherwise its email, verified by ProConnect, must be the email of an account that was invited
  (it accepted an invitation); the identity is then linked on this first sign-in. An account that
  was not invited (created by hand) links ProConnect from its account page, after signing in with
  its password.
- An unknown email is not given an account: invitations stay the only way in. When the identity's
  SIRET is an organisation's of the portal, the page names that organisation's admins to ask for
  an invitation; it never joins the organisation by itself.
- A deactivated account, or one whose every membership was deactivated, is refused.

MFA: internal staff pass the portal's MFA unless ProConnect's `amr` claim shows a multi-factor
login; partners pass it when they set it up, as with a password. Who must set it up at all is
decided by accounts.security, whatever the way of signing in.
"""

import re

from django.db.models import Q

from ..models import Invitation, Membership, Organisation, User
from .conf import PROVIDER_ID

SIRET = re.compile(r"^\d{14}$")
# RFC 8176 method references: "mfa" says several factors; so does a password with a possession
# factor (ProConnect's values: pwd, mail, totp, pop, mfa).
KNOWLEDGE = {"pwd", "pin"}
POSSESSION = {"totp", "otp", "pop", "hwk", "swk", "sms"}


class Refusal(Exception):
    """A ProConnect identity that signs into no account; `code` picks the explanation shown."""

    def __init__(self, code: str, **context):
        super().__init__(code)
        self.code = code
        self.context = context


def id_token_claims(sociallogin) -> dict:
    return (sociallogin.account.extra_data or {}).get("id_token") or {}


def userinfo_claims(sociallogin) -> dict:
    return (sociallogin.account.extra_data or {}).get("userinfo") or {}


def email_verified(userinfo: dict) -> bool:
    """ProConnect vouches for the professional email its identity providers give; an explicit
    `email_verified: false` is believed."""
    value = userinfo.get("email_verified", True)
    return value is True or str(value).lower() == "true"


def was_invited(user: User) -> bool:
    return Invitation.objects.filter(
        Q(accepted_by=user) | Q(email__iexact=user.email, accepted_at__isnull=False)
    ).exists()


def has_access(user: User) -> bool:
    """An active account with at least one active membership (superusers need none)."""
    if not user.is_active:
        return False
    return user.is_superuser or user.active_memberships().exists()


def account_for(sociallogin) -> User:
    """The account this ProConnect sign-in opens, or `Refusal`."""
    if sociallogin.is_existing:
        user = sociallogin.user
    else:
        userinfo = userinfo_claims(sociallogin)
        email = (userinfo.get("email") or "").strip().lower()
        if not email or not email_verified(userinfo):
            raise Refusal("email_not_verified")
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise Refusal("unknown", **_who_to_ask(email, str(userinfo.get("siret") or "")))
        if not was_invited(user):
            raise Refusal("not_linked", email=email)
    if not has_access(user):
        raise Refusal("deactivated")
    return user


def _who_to_ask(email: str, siret: str) -> dict:
    """The organisations of the portal with that SIRET and their admins; whether an invitation
    for that email waits (the person was authenticated by ProConnect as its owner)."""
    organisations = []
    if SIRET.match(siret):
        for organisation in Organisation.objects.filter(siret=siret, is_active=True):
            admins = [
                membership.user
                for membership in organisation.memberships.filter(
                    role=Membership.Role.ADMIN, is_active=True, user__is_active=True
                )
                .select_related("user")
                .order_by("user__last_name", "user__first_name")
            ]
            organisations.append({"organisation": organisation, "admins": admins})
    pending = [
        invitation
        for invitation in Invitation.objects.pending()
        .filter(email__iexact=email, organisation__is_active=True)
        .select_related("organisation")
        if not invitation.is_expired
    ]
    return {"email": email, "siret": siret, "organisations": organisations, "invitations": pending}


def is_internal_staff(user: User) -> bool:
    return (
        user.is_staff
        or user.is_superuser
        or user.active_memberships().filter(organisation__kind=Organisation.Kind.ILOT).exists()
    )


def amr_is_multi_factor(amr) -> bool:
    if isinstance(amr, str):
        amr = amr.split()
    methods = {str(method).lower() for method in amr or []}
    return "mfa" in methods or bool(methods & KNOWLEDGE and methods & POSSESSION)


def multi_factor_done_at_proconnect(user: User, sociallogin) -> bool:
    """Whether this ProConnect sign-in stands for the portal's MFA: for internal staff only,
    when the ID token's `amr` shows a multi-factor login."""
    if sociallogin is None or sociallogin.account.provider != PROVIDER_ID:
        return False
    return is_internal_staff(user) and amr_is_multi_factor(id_token_claims(sociallogin).get("amr"))


def journal_detail(sociallogin) -> dict:
    """What the access journal keeps of a ProConnect sign-in: no name, no email."""
    id_token = id_token_claims(sociallogin)
    userinfo = userinfo_claims(sociallogin)
    detail = {"idp_id": userinfo.get("idp_id") or id_token.get("idp_id") or ""}
    amr = id_token.get("amr")
    if amr:
        detail["amr"] = amr if isinstance(amr, list) else str(amr).split()
        detail["multi_factor"] = amr_is_multi_factor(amr)
    return detail
