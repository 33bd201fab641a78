"""The world the authorization matrix runs in: one user per role of `matrix.ROLES`, and the
objects rows act on, all belonging to organisation A and sent to establishment X.

Built once per test module (see `test_matrix.world`); each request is made inside a savepoint
that is rolled back, so a cell never sees another cell's effect."""

from dataclasses import dataclass, field
from datetime import timedelta

from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import APIToken

from accounts import invitations, security
from accounts.models import InternalRole, Membership
from referrals import workflow
from referrals.choices import IndicatorMeasure, Status
from referrals.documents import certificates
from referrals.models import FunderIndicator
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.referrals.factories import (
    CommissionSessionFactory,
    EstablishmentFactory,
    ReferralFactory,
    actor,
)

from .matrix import ROLES


def minimal_pdf() -> bytes:
    """A small, well-formed PDF (one empty page, a correct cross-reference table)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role -> User (no entry for "anon")
    tokens: dict = field(default_factory=dict)  # role -> plaintext API token
    objects: dict = field(default_factory=dict)  # OBJECTS key -> instance
    x: object = None
    y: object = None
    org_a: object = None
    org_b: object = None

    sessions: dict = field(default_factory=dict)  # role -> session cookie, signed in once

    def references(self) -> list[str]:
        """The references of organisation A's referrals (none of which a foreign list shows)."""
        return [o.reference for o in self.objects.values() if hasattr(o, "reference")]

    def client(self, role) -> Client:
        client = Client()
        if role != "anon":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def _internal(organisation, role, establishment=None) -> Membership:
    membership = MembershipFactory(organisation=organisation)
    InternalRole.objects.create(membership=membership, role=role, establishment=establishment)
    return membership


def build() -> World:
    world = World()
    Group.objects.get_or_create(name="Éditeurs")
    world.x = EstablishmentFactory(title="Établissement X", referral_types=["pse", "sortie_seche"])
    world.y = EstablishmentFactory(title="Établissement Y", referral_types=["pse", "sortie_seche"])
    world.org_a = OrganisationFactory(name="Organisation A")
    world.org_b = OrganisationFactory(name="Organisation B")
    ilot = OrganisationFactory(internal=True)
    R = InternalRole.Role
    memberships = {
        "member_a": MembershipFactory(organisation=world.org_a),
        "admin_a": MembershipFactory(organisation=world.org_a, admin=True),
        "member_b": MembershipFactory(organisation=world.org_b),
        "commission_x": _internal(ilot, R.COMMISSION_MEMBER, world.x),
        "head_x": _internal(ilot, R.HEAD, world.x),
        "commission_y": _internal(ilot, R.COMMISSION_MEMBER, world.y),
        "management": _internal(ilot, R.MANAGEMENT),
        "dpo": _internal(ilot, R.DPO),
        "editor": _internal(ilot, R.EDITOR),
    }
    world.users = {role: m.user for role, m in memberships.items()}
    world.users["superuser"] = UserFactory(is_superuser=True, is_staff=True)
    assert set(world.users) == set(ROLES) - {"anon"}
    for role, user in world.users.items():
        # Everyone is enrolled in MFA, as internal staff and organisation admins must be
        # (`accounts.security`): the matrix is about authorization, not about the MFA stages.
        # The middleware asks for an enrolled authenticator, which this is.
        TOTP.activate(user, TOTP_SECRET)
        assert security.has_mfa(user)
        world.tokens[role] = APIToken.create_token(user=user, name=f"matrice {role}")[1]
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value

    a = memberships["member_a"]
    head = memberships["head_x"]
    objects = world.objects
    objects["draft"] = ReferralFactory(membership=a, target=world.x)
    for status in ("submitted", "info_requested", "declined", "no_show"):
        objects[status] = ReferralFactory(
            membership=a, target=world.x, status=Status(status), commission=head
        )
    upload = ContentFile(minimal_pdf(), name="jugement.pdf")
    upload.detected_type = "application/pdf"
    objects["attachment"] = workflow.add_attachment(
        objects["submitted"], actor(a), upload, "decision"
    )
    objects["accepted"] = ReferralFactory(
        membership=a, target=world.x, status=Status.ACCEPTED, commission=head
    )
    # The partner downloaded its housing certificate once: the verification page's token.
    objects["certificate"] = certificates.current_certificate(
        objects["accepted"], world.users["member_a"]
    )
    # A resident of X who arrived without referral, entered by its head.
    objects["stay"] = workflow.record_arrival_without_referral(
        actor(head),
        establishment=world.x,
        place_type="insertion",
        arrival_date=timezone.localdate() - timedelta(days=30),
        birth_year=1990,
        gender="homme",
        measure="",
        justice_public=True,
    )
    # A funders' indicator of X for this year, set by management.
    objects["indicator"] = FunderIndicator.objects.create(
        programme=world.x,
        year=timezone.localdate().year,
        label="Bénéficiaires accueillis",
        measure=IndicatorMeasure.BENEFICIARIES,
        unit="nombre",
        objective=12,
        updated_by=world.users["management"],
    )
    objects["session"] = CommissionSessionFactory(
        establishment=world.x, date=timezone.localdate() + timedelta(days=3)
    )
    objects["organisation"] = world.org_a
    objects["invitation"] = invitations.invite(
        organisation=world.org_a,
        email="invitee@exemple.test",
        role=Membership.Role.MEMBER,
        invited_by=world.users["admin_a"],
    )
    objects["invitation_token"] = invitations.make_token(objects["invitation"])
    objects["membership"] = MembershipFactory(organisation=world.org_a)
    objects["token"] = APIToken.objects.filter(user=world.users["member_a"]).get()
    objects["page"] = world.x
    objects["document"] = get_document_model().objects.create(
        title="Rapport d'activité", file=ContentFile(b"Rapport", name="rapport.txt")
    )
    return world


# Kept here for the test module: what "nothing changed" compares.
FINGERPRINT_MODELS = (
    "referrals.Referral",
    "referrals.ReferralEvent",
    "referrals.Message",
    "referrals.InternalNote",
    "referrals.Attachment",
    "referrals.CommissionSession",
    "referrals.Stay",
    "referrals.Certificate",
    "referrals.ReferralSeen",
    "referrals.FunderIndicator",
    "accounts.User",
    "accounts.Membership",
    "accounts.Invitation",
    "accounts.Organisation",
    "accounts.InternalRole",
    "accounts.APITokenExpiry",
    "wagtailcore.APIToken",
    "wagtailcore.Page",
    "wagtailcore.Site",
    "wagtailredirects.Redirect",
    "wagtaildocs.Document",
    "wagtailimages.Image",
    "cms.GlossaryTerm",
    "cms.KeyFigure",
)
# Fields that reading changes (a login, a token's use), left out of the comparison.
READ_STAMPS = {"last_login", "last_used_at"}
