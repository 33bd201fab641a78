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


# --- Public site (cms) ----------------------------------------------------------------------
# Pages are created under their parent with parent.add_child(); pass parent=… or get a default.

from decimal import Decimal  # noqa: E402

from django.utils.text import slugify  # noqa: E402
from wagtail.images import get_image_model  # noqa: E402

from cms.choices import EstablishmentKind, PlaceType, Public, ReferralType  # noqa: E402
from cms.models import (  # noqa: E402
    EstablishmentIndexPage,
    EstablishmentPage,
    EstablishmentPlace,
    EventPage,
    GlossaryPage,
    GlossaryTerm,
    HomePage,
    IndexPage,
    KeyFigure,
    NewsIndexPage,
    NewsPage,
    ProgrammeIndexPage,
    ProgrammePage,
    StandardPage,
)


def home_page() -> HomePage:
    """The site root created by the cms migrations."""
    return HomePage.objects.get(depth=2)


class CmsPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    parent = None

    @classmethod
    def default_parent(cls):
        return home_page()

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.pop("parent", None) or cls.default_parent()
        page = model_class(*args, **kwargs)
        parent.add_child(instance=page)
        return page


class EstablishmentIndexPageFactory(CmsPageFactory):
    class Meta:
        model = EstablishmentIndexPage

    title = factory.Sequence(lambda n: f"Nos établissements {n}")
    show_in_menus = True


class EstablishmentPageFactory(CmsPageFactory):
    class Meta:
        model = EstablishmentPage

    title = factory.Sequence(lambda n: f"CHRS n°{n}")
    kind = EstablishmentKind.CHRS
    intro = "Un centre d'hébergement et de réinsertion sociale."
    street = "1 rue de l'Exemple"
    postcode = "80000"
    city = "Amiens"
    departement = "80"
    latitude = Decimal("49.894100")
    longitude = Decimal("2.295800")
    publics = factory.LazyFunction(lambda: [Public.MEN_ALONE])
    referral_types = factory.LazyFunction(lambda: [ReferralType.SORTIE_SECHE])
    accepts_online_referrals = True
    admission_criteria = "<p>Homme seul, majeur.</p>"
    phone = "01 43 14 31 00"

    @classmethod
    def default_parent(cls):
        return EstablishmentIndexPage.objects.first() or EstablishmentIndexPageFactory()

    @factory.post_generation
    def place_rows(self, create, extracted, **kwargs):
        """``place_rows=[(PlaceType.INSERTION, 20, "note"), …]``"""
        if create and extracted:
            for order, (place_type, count, note) in enumerate(extracted):
                EstablishmentPlace.objects.create(
                    page=self, place_type=place_type, count=count, note=note, sort_order=order
                )


class ProgrammeIndexPageFactory(CmsPageFactory):
    class Meta:
        model = ProgrammeIndexPage

    title = factory.Sequence(lambda n: f"Nos programmes {n}")
    show_in_menus = True


class ProgrammePageFactory(CmsPageFactory):
    class Meta:
        model = ProgrammePage

    title = factory.Sequence(lambda n: f"Programme n°{n}")
    intro = "Un programme d'accompagnement vers l'emploi."
    target_public = "Personnes sous main de justice"
    duration = "8 mois"
    places = 12
    place_type = PlaceType.TRAINING
    publics = factory.LazyFunction(lambda: [Public.MEN_ALONE, Public.WOMEN_ALONE])
    referral_types = factory.LazyFunction(lambda: [ReferralType.WORK_INTEGRATION])
    accepts_online_referrals = True

    @classmethod
    def default_parent(cls):
        return ProgrammeIndexPage.objects.first() or ProgrammeIndexPageFactory()


class NewsIndexPageFactory(CmsPageFactory):
    class Meta:
        model = NewsIndexPage

    title = factory.Sequence(lambda n: f"Actualités {n}")
    show_in_menus = True


class NewsPageFactory(CmsPageFactory):
    class Meta:
        model = NewsPage

    title = factory.Sequence(lambda n: f"Actualité n°{n}")
    date = factory.Sequence(lambda n: timezone.localdate() - timedelta(days=n))
    intro = "Une nouvelle de l'association."

    @classmethod
    def default_parent(cls):
        return NewsIndexPage.objects.first() or NewsIndexPageFactory()


class StandardPageFactory(CmsPageFactory):
    class Meta:
        model = StandardPage

    title = factory.Sequence(lambda n: f"Page standard {n}")
    intro = "Une page d'information."


class IndexPageFactory(CmsPageFactory):
    class Meta:
        model = IndexPage

    title = factory.Sequence(lambda n: f"Rubrique {n}")
    intro = "Une rubrique."


class EventPageFactory(CmsPageFactory):
    class Meta:
        model = EventPage

    title = factory.Sequence(lambda n: f"Événement {n}")
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    location = "Amiens"


class GlossaryPageFactory(CmsPageFactory):
    class Meta:
        model = GlossaryPage

    title = "Glossaire"


class GlossaryTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GlossaryTerm

    term = factory.Sequence(lambda n: f"Terme {n}")
    abbreviation = ""
    definition = "Une définition."


class KeyFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyFigure

    year = 2019
    label = factory.Sequence(lambda n: f"indicateur {n}")
    value = Decimal("42")
    unit = ""


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_image_model()

    title = factory.Sequence(lambda n: f"Image {n}")
    file = factory.django.ImageField(width=64, height=48, color="blue")
