import uuid
from datetime import date, timedelta

import factory
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import InternalRole, Membership, Organisation
from cms.choices import EstablishmentKind, Public, ReferralType
from referrals.choices import Status
from referrals.models import Referral
from tests.factories import MembershipFactory, OrganisationFactory


def home_page():
    from cms.models import HomePage

    return HomePage.objects.first()


class EstablishmentFactory(factory.django.DjangoModelFactory):
    """An establishment page that accepts online referrals, added under the home page."""

    class Meta:
        model = "cms.EstablishmentPage"

    title = factory.Sequence(lambda n: f"CHRS n°{n}")
    slug = factory.LazyAttribute(lambda o: f"{slugify(o.title)}-{uuid.uuid4().hex[:6]}")
    kind = EstablishmentKind.CHRS
    city = "Paris"
    departement = "75"
    accepts_online_referrals = True
    referral_types = factory.LazyFunction(
        lambda: [ReferralType.SORTIE_SECHE, ReferralType.PSE, ReferralType.SEMI_LIBERTE]
    )
    publics = factory.LazyFunction(lambda: [Public.MEN_ALONE])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        page = model_class(*args, **kwargs)
        home_page().add_child(instance=page)
        return page


def commission_member(establishment, role=InternalRole.Role.COMMISSION_MEMBER) -> Membership:
    """An active member of L'Îlot's internal team with `role` on `establishment`."""
    organisation = Organisation.objects.filter(kind=Organisation.Kind.ILOT).first()
    if organisation is None:
        organisation = OrganisationFactory(internal=True)
    membership = MembershipFactory(organisation=organisation)
    InternalRole.objects.create(membership=membership, role=role, establishment=establishment)
    return membership


def management_member() -> Membership:
    organisation = Organisation.objects.filter(kind=Organisation.Kind.ILOT).first()
    if organisation is None:
        organisation = OrganisationFactory(internal=True)
    membership = MembershipFactory(organisation=organisation)
    InternalRole.objects.create(membership=membership, role=InternalRole.Role.MANAGEMENT)
    return membership


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    organisation = factory.LazyAttribute(lambda o: o.membership.organisation)
    officer = factory.LazyAttribute(lambda o: o.membership.user)
    target = factory.SubFactory(EstablishmentFactory)
    first_name = factory.Faker("first_name_male", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_date = date(1988, 4, 12)
    gender = "homme"
    location = "prison"
    location_detail = "Centre pénitentiaire"
    judicial_situation = "pse"
    release_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=20))
    referral_type = ReferralType.PSE
    housing_need = "adresse_mesure"
    employment_need = "emploi"
    ties_need = "maintien"
    wishes = "Trouver un travail et revoir ma fille."
    consent = True
    consent_date = factory.LazyFunction(timezone.localdate)
    consent_method = "entretien"
    status = Status.DRAFT

    class Params:
        membership = factory.SubFactory(MembershipFactory)
        submitted = factory.Trait(
            status=Status.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now)
        )


class CommissionSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "referrals.CommissionSession"

    establishment = factory.SubFactory(EstablishmentFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=2))
