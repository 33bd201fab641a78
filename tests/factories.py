"""factory_boy factories shared by every test module."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import InternalRole, Invitation, Membership, Organisation, User

PASSWORD = "motdepasse-de-test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@exemple.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"SPIP n°{n}")
    kind = Organisation.Kind.SPIP
    departement = "80"

    class Params:
        internal = factory.Trait(kind=Organisation.Kind.ILOT, name="L'Îlot — équipe interne")
        siao = factory.Trait(kind=Organisation.Kind.SIAO)
        france_travail = factory.Trait(kind=Organisation.Kind.FRANCE_TRAVAIL)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.MEMBER

    class Params:
        admin = factory.Trait(role=Membership.Role.ADMIN)
        inactive = factory.Trait(is_active=False, deactivated_at=factory.LazyFunction(timezone.now))


class InternalRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InternalRole

    membership = factory.SubFactory(
        MembershipFactory, organisation__kind=Organisation.Kind.ILOT, organisation__departement=""
    )
    role = InternalRole.Role.MANAGEMENT


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invite{n}@exemple.test")
    invited_by = factory.SubFactory(UserFactory)

    class Params:
        expired = factory.Trait(
            sent_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=8))
        )
        accepted = factory.Trait(accepted_at=factory.LazyFunction(timezone.now))
