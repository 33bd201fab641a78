"""Demo organisations and accounts (demo only: the shared password is in the README)."""

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP

from . import security
from .models import InternalRole, Membership, Organisation, User

DEMO_PASSWORD = "ilot-demo-2026"
# The demo accounts that must use MFA (accounts.security) share this authenticator-app key
# (demo only): add it to an app, or print the current code with `manage.py demo_totp`.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPILOTDEMO"
DEMO_DOMAIN = "@demo.ilot.test"

ORGANISATIONS = [
    ("SPIP de la Somme", Organisation.Kind.SPIP, "80"),
    ("SPIP de Paris", Organisation.Kind.SPIP, "75"),
    ("SIAO de la Somme", Organisation.Kind.SIAO, "80"),
    ("France Travail Doullens", Organisation.Kind.FRANCE_TRAVAIL, "80"),
    ("L'Îlot — équipe interne", Organisation.Kind.ILOT, ""),
]

# email, first name, last name, organisation, membership role, label printed
USERS = [
    (
        "admin.spip80@demo.ilot.test",
        "Claire",
        "Dumont",
        "SPIP de la Somme",
        "admin",
        "Administratrice SPIP 80",
    ),
    (
        "cpip.spip80@demo.ilot.test",
        "Karim",
        "Benali",
        "SPIP de la Somme",
        "member",
        "CPIP, SPIP 80",
    ),
    (
        "admin.spip75@demo.ilot.test",
        "Sophie",
        "Martin",
        "SPIP de Paris",
        "admin",
        "Administratrice SPIP 75",
    ),
    ("cpip.spip75@demo.ilot.test", "Julien", "Leroy", "SPIP de Paris", "member", "CPIP, SPIP 75"),
    (
        "admin.siao80@demo.ilot.test",
        "Nadia",
        "Moreau",
        "SIAO de la Somme",
        "admin",
        "Administratrice SIAO 80",
    ),
    (
        "coord.siao80@demo.ilot.test",
        "Thomas",
        "Petit",
        "SIAO de la Somme",
        "member",
        "Coordinateur SIAO 80",
    ),
    (
        "admin.ft-doullens@demo.ilot.test",
        "Isabelle",
        "Fournier",
        "France Travail Doullens",
        "admin",
        "Administratrice France Travail",
    ),
    (
        "conseil.ft-doullens@demo.ilot.test",
        "Mehdi",
        "Garnier",
        "France Travail Doullens",
        "member",
        "Conseiller France Travail",
    ),
    (
        "admin.ilot@demo.ilot.test",
        "Anne",
        "Lambert",
        "L'Îlot — équipe interne",
        "admin",
        "Administratrice équipe interne",
    ),
    (
        "direction@demo.ilot.test",
        "Pierre",
        "Rousseau",
        "L'Îlot — équipe interne",
        "member",
        "Direction (lecture seule)",
    ),
    (
        "editeur@demo.ilot.test",
        "Léa",
        "Girard",
        "L'Îlot — équipe interne",
        "member",
        "Éditrice du site",
    ),
    (
        "dpo@demo.ilot.test",
        "Karim",
        "Benali",
        "L'Îlot — équipe interne",
        "member",
        "Délégué à la protection des données",
    ),
]

INTERNAL_ROLES = {
    "direction@demo.ilot.test": InternalRole.Role.MANAGEMENT,
    "editeur@demo.ilot.test": InternalRole.Role.EDITOR,
    "dpo@demo.ilot.test": InternalRole.Role.DPO,
}

SUPERUSER = ("superadmin@demo.ilot.test", "Admin", "Technique")


def ensure_user(email, first_name, last_name, **extra) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def ensure_member(user, organisation, role=Membership.Role.MEMBER) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    return membership


def load() -> list[tuple[str, str]]:
    """Create the demo organisations and accounts; return (label, email) for each login."""
    organisations = {}
    for name, kind, departement in ORGANISATIONS:
        organisations[name], _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "departement": departement}
        )
    logins = []
    for email, first, last, org_name, role, label in USERS:
        user = ensure_user(email, first, last)
        membership = ensure_member(user, organisations[org_name], role)
        if email in INTERNAL_ROLES:
            InternalRole.objects.get_or_create(membership=membership, role=INTERNAL_ROLES[email])
        logins.append((label, email))
    email, first, last = SUPERUSER
    ensure_user(email, first, last, is_staff=True, is_superuser=True)
    logins.append(("Super-administrateur (admin Wagtail et Django)", email))
    return logins


def internal_organisation() -> Organisation:
    return Organisation.objects.get(kind=Organisation.Kind.ILOT)


def enrol_mfa() -> int:
    """Give the demo key to every demo account that must use MFA and has no authenticator."""
    enrolled = 0
    for user in User.objects.filter(email__endswith=DEMO_DOMAIN, is_active=True):
        if security.mfa_required(user) and not security.has_mfa(user):
            TOTP.activate(user, DEMO_TOTP_SECRET)
            enrolled += 1
    return enrolled
