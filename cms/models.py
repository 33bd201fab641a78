"""Content model of the public site: pages, snippets and site settings.

``ReferralTarget`` (with ``referral_targets()``) is the contract the referral portal relies on:
establishments and programmes say which publics they serve, which kinds of referral they accept
and whether partners may refer someone online.

What establishments and programmes share comes from abstract mixins (``ReferralTarget``,
``ContactFields``), each with its fields and, as lists the page types splice into theirs, its
admin panels, API fields and search fields (``referral_panels``, ``contact_api_fields``…); they
are put together in ``ReferralTargetPage``, the base of both page types. The four listing pages
under the home page share ``SectionPage``.
"""

import string
import unicodedata

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    PageChooserPanel,
)
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.images.api.fields import ImageRenditionField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .blocks import BodyBlock
from .choices import (
    EstablishmentKind,
    Fees,
    PlaceType,
    Public,
    ReferralType,
    current_referral_type,
)
from .departements import DEPARTEMENT_CODE_RE, departement_label
from .fields import ChoiceListField
from .forms import EstablishmentFilterForm
from .templatetags.cms_tags import figure

NEWS_PER_PAGE = 10
TAGS_HELP = _("Séparés par des virgules.")
INTRO_FEATURES = ["bold", "italic", "link"]
CRITERIA_FEATURES = ["bold", "italic", "link", "ul", "ol"]

departement_validator = RegexValidator(
    DEPARTEMENT_CODE_RE, _("Saisissez un code de département, par exemple 80, 75, 2A ou 974.")
)
phone_validator = RegexValidator(
    r"^[0-9 +().-]{6,20}$", _("Saisissez un numéro de téléphone, par exemple 01 43 14 31 00.")
)


def sort_key(text: str) -> str:
    """Accent- and case-insensitive key, so that "Éditeur" sorts with the E."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --------------------------------------------------------------------------------------------
# Snippets
# --------------------------------------------------------------------------------------------


class GlossaryTerm(index.Indexed, models.Model):
    term = models.CharField(_("terme"), max_length=200, unique=True)
    abbreviation = models.CharField(
        _("sigle"), max_length=30, blank=True, help_text=_("Par exemple : CHRS, PSE, SPIP.")
    )
    definition = models.TextField(_("définition"))

    panels = [FieldPanel("term"), FieldPanel("abbreviation"), FieldPanel("definition")]
    api_fields = [APIField("term"), APIField("abbreviation"), APIField("definition")]
    search_fields = [
        index.SearchField("term"),
        index.SearchField("abbreviation"),
        index.SearchField("definition"),
        index.AutocompleteField("term"),
        index.AutocompleteField("abbreviation"),
    ]

    class Meta:
        verbose_name = _("terme du glossaire")
        verbose_name_plural = _("termes du glossaire")
        ordering = ["term"]

    def __str__(self):
        return f"{self.abbreviation} — {self.term}" if self.abbreviation else self.term

    @property
    def headword(self) -> str:
        return self.abbreviation or self.term

    @property
    def letter(self) -> str:
        first = sort_key(self.headword)[:1].upper()
        return first if first in string.ascii_uppercase else "#"

    @property
    def anchor(self) -> str:
        return f"terme-{slugify(self.headword)}"


class KeyFigure(index.Indexed, models.Model):
    """A figure from an activity report, optionally attached to an establishment or programme."""

    year = models.PositiveSmallIntegerField(_("année"))
    label = models.CharField(
        _("libellé"),
        max_length=255,
        help_text=_("Ce que mesure le chiffre, par exemple « personnes accompagnées »."),
    )
    value = models.DecimalField(
        _("valeur"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Laisser vide si l'indicateur n'a pas encore été mesuré."),
    )
    unit = models.CharField(
        _("unité"), max_length=30, blank=True, help_text=_("Par exemple : %, places, mois.")
    )
    target = models.CharField(
        _("objectif"),
        max_length=100,
        blank=True,
        help_text=_("Objectif fixé, s'il y en a un, par exemple « 50 % »."),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : rapport d'activité 2019."),
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("établissement ou programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="key_figures",
    )
    sort_order = models.IntegerField(_("ordre d'affichage"), default=0)

    panels = [
        FieldRowPanel([FieldPanel("value"), FieldPanel("unit"), FieldPanel("year")]),
        FieldPanel("label"),
        FieldRowPanel([FieldPanel("target"), FieldPanel("source")]),
        PageChooserPanel("page", page_type=["cms.EstablishmentPage", "cms.ProgrammePage"]),
        FieldPanel("sort_order"),
    ]
    api_fields = [
        APIField("year"),
        APIField("label"),
        APIField("value"),
        APIField("unit"),
        APIField("target"),
        APIField("source"),
        APIField("related_page_id"),
        APIField("sort_order"),
    ]
    search_fields = [
        index.SearchField("label"),
        index.AutocompleteField("label"),
        index.FilterField("year"),
    ]

    class Meta:
        verbose_name = _("chiffre clé")
        verbose_name_plural = _("chiffres clés")
        ordering = ["sort_order", "-year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1969) & Q(year__lte=2100), name="keyfigure_year_range"
            )
        ]

    def __str__(self):
        if self.value is None:
            return f"{self.label} ({self.year})"
        return f"{self.display_value} {self.label} ({self.year})"

    @property
    def related_page_id(self) -> int | None:
        """The establishment or programme, by id (the API cannot nest a generic page here)."""
        return self.page_id

    @property
    def display_value(self) -> str:
        return figure(self.value, self.unit)

    def clean(self):
        super().clean()
        if self.page_id:
            specific_class = self.page.specific_class
            if specific_class not in (EstablishmentPage, ProgrammePage):
                raise ValidationError(
                    {"page": _("Choisissez la page d'un établissement ou d'un programme.")}
                )


# --------------------------------------------------------------------------------------------
# Site settings
# --------------------------------------------------------------------------------------------


class AccessibilityStatus(models.TextChoices):
    COMPLIANT = "totale", _("totalement conforme")
    PARTIAL = "partielle", _("partiellement conforme")
    NOT_COMPLIANT = "non_conforme", _("non conforme")


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    contact_address = models.TextField(_("adresse postale"), blank=True)
    contact_phone = models.CharField(
        _("téléphone"), max_length=20, blank=True, validators=[phone_validator]
    )
    contact_email = models.EmailField(_("adresse e-mail de contact"), blank=True)
    donation_url = models.URLField(_("lien vers la page de don"), blank=True)
    facebook_url = models.URLField(_("page Facebook"), blank=True)
    linkedin_url = models.URLField(_("page LinkedIn"), blank=True)
    instagram_url = models.URLField(_("compte Instagram"), blank=True)
    youtube_url = models.URLField(_("chaîne YouTube"), blank=True)
    legal_notice_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page des mentions légales"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accessibility_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page de la déclaration d'accessibilité"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accessibility_status = models.CharField(
        _("état de conformité RGAA"),
        max_length=20,
        choices=AccessibilityStatus,
        default=AccessibilityStatus.NOT_COMPLIANT,
        help_text=_("Affiché en pied de page, comme l'exige le RGAA. Sans audit : non conforme."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("contact_address"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_email"),
            ],
            heading=_("Contact"),
        ),
        FieldPanel("donation_url"),
        MultiFieldPanel(
            [
                FieldPanel("facebook_url"),
                FieldPanel("linkedin_url"),
                FieldPanel("instagram_url"),
                FieldPanel("youtube_url"),
            ],
            heading=_("Réseaux sociaux"),
        ),
        MultiFieldPanel(
            [
                PageChooserPanel("legal_notice_page"),
                PageChooserPanel("accessibility_page"),
                FieldPanel("accessibility_status"),
            ],
            heading=_("Pages légales"),
        ),
    ]
    api_fields = [
        APIField("contact_address"),
        APIField("contact_phone"),
        APIField("contact_email"),
        APIField("donation_url"),
        APIField("facebook_url"),
        APIField("linkedin_url"),
        APIField("instagram_url"),
        APIField("youtube_url"),
        APIField("legal_notice_page"),
        APIField("accessibility_page"),
        APIField("accessibility_status"),
    ]

    class Meta:
        verbose_name = _("paramètres du site")

    @property
    def social_links(self) -> list[tuple[str, str]]:
        links = [
            ("Facebook", self.facebook_url),
            ("LinkedIn", self.linkedin_url),
            ("Instagram", self.instagram_url),
            ("YouTube", self.youtube_url),
        ]
        return [(name, url) for name, url in links if url]


# --------------------------------------------------------------------------------------------
# Referral targets: the contract with the referral portal
# --------------------------------------------------------------------------------------------


class ReferralTarget(models.Model):
    """What the referral portal needs to route a referral to an establishment or programme."""

    accepts_online_referrals = models.BooleanField(
        _("accepte les orientations en ligne"),
        default=False,
        help_text=_("Les partenaires peuvent adresser une demande depuis l'espace partenaires."),
    )
    referral_types = ChoiceListField(
        _("types d'orientation acceptés"), vocabulary=ReferralType, blank=True
    )
    publics = ChoiceListField(_("publics accueillis"), vocabulary=Public, blank=True)
    admission_criteria = RichTextField(
        _("critères d'admission"), blank=True, features=CRITERIA_FEATURES
    )
    fees = models.CharField(
        _("frais pour la personne"),
        max_length=20,
        choices=Fees,
        blank=True,
        help_text=_("Publié dans l'export data·inclusion."),
    )
    fees_details = models.CharField(
        _("précisions sur les frais"),
        max_length=300,
        blank=True,
        help_text=_("Par exemple : « participation financière selon les ressources »."),
    )

    referral_panels = [
        MultiFieldPanel(
            [
                FieldPanel("publics"),
                FieldPanel("admission_criteria"),
                FieldRowPanel([FieldPanel("fees"), FieldPanel("fees_details")]),
                FieldPanel("referral_types"),
                FieldPanel("accepts_online_referrals"),
            ],
            heading=_("Publics et orientations"),
        )
    ]
    referral_api_fields = [
        APIField("accepts_online_referrals"),
        APIField("referral_types"),
        APIField("publics"),
        APIField("admission_criteria"),
        APIField("fees"),
        APIField("fees_details"),
        APIField("total_places"),
        APIField("places_by_type"),
    ]
    referral_search_fields = [
        index.SearchField("admission_criteria"),
        index.FilterField("accepts_online_referrals"),
    ]

    class Meta:
        abstract = True

    def accepts(self, referral_type: str) -> bool:
        """Whether the page takes this type of referral online; a type of the former law and its
        successor are the same request (a page that takes PSE referrals takes DDSE ones)."""
        accepted = {current_referral_type(t) for t in self.referral_types or []}
        return bool(self.accepts_online_referrals) and (
            current_referral_type(referral_type) in accepted
        )

    def places_summary(self) -> list[tuple[str, int]]:
        raise NotImplementedError

    @property
    def total_places(self) -> int:
        return sum(count for _label, count in self.places_summary())

    @property
    def places_by_type(self) -> list[dict]:
        return [{"label": str(label), "count": count} for label, count in self.places_summary()]

    def get_publics_display(self) -> list[str]:
        return self._meta.get_field("publics").labels(self.publics)

    def get_referral_types_display(self) -> list[str]:
        return self._meta.get_field("referral_types").labels(self.referral_types)


def referral_targets(referral_type: str | None = None):
    """Live establishments and programmes that accept online referrals, as specific pages.

    Without an argument this is a queryset (of ``Page``, yielding the specific
    ``EstablishmentPage`` / ``ProgrammePage`` instances), usable as the queryset of a
    ``ModelChoiceField`` or filtered further. With ``referral_type``, a list of the targets
    that accept that kind of referral (JSON lists are filtered in Python, for SQLite).
    """
    queryset = (
        Page.objects.live()
        .filter(
            Q(establishmentpage__accepts_online_referrals=True)
            | Q(programmepage__accepts_online_referrals=True)
        )
        .order_by("title")
        .specific(defer=False)
    )
    if referral_type is None:
        return queryset
    return [target for target in queryset if target.accepts(referral_type)]


# --------------------------------------------------------------------------------------------
# Contact fields of establishments and programmes
# --------------------------------------------------------------------------------------------


class ContactFields(models.Model):
    """How to reach an establishment or a programme."""

    phone = models.CharField(
        _("téléphone"), max_length=20, blank=True, validators=[phone_validator]
    )
    email = models.EmailField(_("adresse e-mail"), blank=True)

    contact_panels = [
        MultiFieldPanel([FieldPanel("phone"), FieldPanel("email")], heading=_("Contact"))
    ]
    contact_api_fields = [APIField("phone"), APIField("email")]

    class Meta:
        abstract = True


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


class SitePage(Page):
    """Base of the site's page types: an optional intro shared by listing cards and meta tags."""

    class Meta:
        abstract = True

    def get_meta_description(self) -> str:
        text = self.search_description or strip_tags(str(getattr(self, "intro", "") or ""))
        return Truncator(" ".join(text.split())).chars(200)


class SectionPage(SitePage):
    """Base of the sections under the home page (establishments, programmes, news, glossary):
    one page each, an introduction above what it lists."""

    intro = RichTextField(_("introduction"), blank=True, features=INTRO_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [APIField("intro")]

    max_count = 1
    parent_page_types = ["cms.HomePage"]

    class Meta:
        abstract = True


class ReferralTargetPage(ContactFields, ReferralTarget, SitePage):
    """Base of the establishment and programme pages, the pages partners refer people to.

    After their own fields, both end with the same panels and API fields: publics and referrals,
    contact, body (and in the API, the page's key figures).
    """

    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)

    closing_panels = [
        *ReferralTarget.referral_panels,
        *ContactFields.contact_panels,
        FieldPanel("body"),
    ]
    closing_api_fields = [
        *ReferralTarget.referral_api_fields,
        APIField("key_figures"),
        APIField("body"),
    ]

    subpage_types = []

    class Meta:
        abstract = True

    def __str__(self):
        return self.title


class HomePage(SitePage):
    intro = RichTextField(_("introduction"), blank=True, features=INTRO_FEATURES)
    hero_title = models.CharField(
        _("accroche"),
        max_length=200,
        blank=True,
        help_text=_("Titre principal de la page d'accueil (par défaut, le titre de la page)."),
    )
    hero_image = models.ForeignKey(
        get_image_model(),
        verbose_name=_("image d'accueil"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_cta_text = models.CharField(_("texte du bouton"), max_length=120, blank=True)
    hero_cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page du bouton"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)
    news_count = models.PositiveSmallIntegerField(
        _("nombre d'actualités affichées"), default=3, help_text=_("De 0 à 12.")
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("intro"),
                FieldPanel("hero_image"),
                FieldRowPanel([FieldPanel("hero_cta_text"), PageChooserPanel("hero_cta_page")]),
            ],
            heading=_("Bandeau d'accueil"),
        ),
        InlinePanel("featured_figures", heading=_("Chiffres clés mis en avant"), max_num=8),
        FieldPanel("body"),
        FieldPanel("news_count"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    api_fields = [
        APIField("hero_title"),
        APIField("intro"),
        APIField("hero_image"),
        APIField("hero_cta_text"),
        APIField("hero_cta_page"),
        APIField("body"),
        APIField("featured_figures"),
        APIField("news_count"),
    ]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.EstablishmentIndexPage",
        "cms.ProgrammeIndexPage",
        "cms.NewsIndexPage",
        "cms.GlossaryPage",
        "cms.StandardPage",
        "cms.IndexPage",
        "cms.EventPage",
    ]

    class Meta:
        verbose_name = _("page d'accueil")

    def clean(self):
        super().clean()
        if self.news_count is not None and self.news_count > 12:
            raise ValidationError({"news_count": _("Au plus 12 actualités.")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured_figures"] = [
            item.figure for item in self.featured_figures.select_related("figure")
        ]
        context["latest_news"] = (
            NewsPage.objects.live()
            .descendant_of(self)
            .order_by("-date", "-pk")
            .defer_streamfields()
            .prefetch_related(_image_with_renditions("image", NewsPage.CARD_RENDITION))[
                : self.news_count
            ]
            if self.news_count
            else []
        )
        context["news_index"] = NewsIndexPage.objects.live().child_of(self).first()
        return context


class HomeKeyFigure(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_figures")
    figure = models.ForeignKey(
        KeyFigure, verbose_name=_("chiffre clé"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("figure")]
    api_fields = [APIField("figure_data")]

    @property
    def figure_data(self) -> dict:
        figure = self.figure
        return {
            "id": figure.pk,
            "year": figure.year,
            "label": figure.label,
            "value": None if figure.value is None else str(figure.value),
            "unit": figure.unit,
            "display_value": figure.display_value,
            "source": figure.source,
        }

    def __str__(self):
        return str(self.figure) if self.figure_id else super().__str__()

    class Meta(Orderable.Meta):
        verbose_name = _("chiffre clé mis en avant")
        verbose_name_plural = _("chiffres clés mis en avant")


def _image_with_renditions(relation: str, *filter_specs: str):
    """Prefetch an image relation with its renditions, so that listings don't query per item."""
    return models.Prefetch(
        relation, queryset=get_image_model().objects.prefetch_renditions(*filter_specs)
    )


class EstablishmentIndexPage(SectionPage):
    subpage_types = ["cms.EstablishmentPage"]

    class Meta:
        verbose_name = _("liste des établissements")

    def establishments(self):
        return list(
            EstablishmentPage.objects.live()
            .child_of(self)
            .defer_streamfields()
            .prefetch_related("places")
            .order_by("title")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        establishments = self.establishments()
        form = EstablishmentFilterForm(
            request.GET or None,
            departements=sorted({e.departement for e in establishments if e.departement}),
        )
        results = establishments
        if form.is_bound:
            form.is_valid()  # invalid values are reported and ignored; valid ones still filter
            results = form.filter(establishments)
        context.update(
            filter_form=form,
            establishments=results,
            is_filtered=bool(form.is_bound and form.has_filters()),
        )
        return context


class EstablishmentPage(ReferralTargetPage):
    kind = models.CharField(_("type d'établissement"), max_length=30, choices=EstablishmentKind)
    intro = models.TextField(
        _("chapô"), blank=True, help_text=_("Deux ou trois phrases : qui, où, pour quoi.")
    )
    street = models.CharField(_("adresse"), max_length=200, blank=True)
    postcode = models.CharField(
        _("code postal"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}$", _("Cinq chiffres, par exemple 80000."))],
    )
    city = models.CharField(_("ville"), max_length=100)
    departement = models.CharField(
        _("département"),
        max_length=3,
        validators=[departement_validator],
        help_text=_("Code du département, par exemple 80, 75 ou 94."),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("street"),
                FieldRowPanel(
                    [FieldPanel("postcode"), FieldPanel("city"), FieldPanel("departement")]
                ),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            ],
            heading=_("Adresse"),
        ),
        InlinePanel("places", heading=_("Places par type"), label=_("type de places")),
        *ReferralTargetPage.closing_panels,
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        *ReferralTarget.referral_search_fields,
        index.SearchField("city"),
        index.AutocompleteField("city"),
        index.FilterField("kind"),
        index.FilterField("departement"),
    ]
    api_fields = [
        APIField("kind"),
        APIField("intro"),
        APIField("street"),
        APIField("postcode"),
        APIField("city"),
        APIField("departement"),
        APIField("latitude"),
        APIField("longitude"),
        *ContactFields.contact_api_fields,
        APIField("places"),
        *ReferralTargetPage.closing_api_fields,
    ]

    parent_page_types = ["cms.EstablishmentIndexPage"]

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")

    def places_summary(self) -> list[tuple[str, int]]:
        return [(place.get_place_type_display(), place.count) for place in self.places.all()]

    @property
    def departement_label(self) -> str:
        return departement_label(self.departement)

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.street, f"{self.postcode} {self.city}".strip()) if line]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["key_figures"] = list(self.key_figures.all())
        return context


class EstablishmentPlace(Orderable):
    page = ParentalKey(EstablishmentPage, on_delete=models.CASCADE, related_name="places")
    place_type = models.CharField(_("type de places"), max_length=30, choices=PlaceType)
    count = models.PositiveIntegerField(_("nombre"))
    note = models.CharField(
        _("précision"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : « 54 chambres individuelles et 6 studios »."),
    )

    panels = [FieldRowPanel([FieldPanel("place_type"), FieldPanel("count")]), FieldPanel("note")]
    api_fields = [APIField("place_type"), APIField("count"), APIField("note")]

    def __str__(self):
        return f"{self.get_place_type_display()} : {self.count}"

    class Meta(Orderable.Meta):
        verbose_name = _("places")
        verbose_name_plural = _("places")


class ProgrammeIndexPage(SectionPage):
    subpage_types = ["cms.ProgrammePage"]

    class Meta:
        verbose_name = _("liste des programmes")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["programmes"] = (
            ProgrammePage.objects.live().child_of(self).defer_streamfields().order_by("title")
        )
        return context


class ProgrammePage(ReferralTargetPage):
    intro = models.TextField(_("chapô"), blank=True)
    target_public = models.TextField(
        _("public visé"), help_text=_("Par exemple : « personnes en aménagement de peine ou TIG »")
    )
    duration = models.CharField(
        _("durée"), max_length=100, blank=True, help_text=_("Par exemple : « 8 à 9 mois »")
    )
    places = models.PositiveIntegerField(_("nombre de places"), null=True, blank=True)
    place_type = models.CharField(
        _("type de places"), max_length=30, choices=PlaceType, default=PlaceType.TRAINING
    )
    yearly_target = models.PositiveIntegerField(
        _("objectif annuel de personnes accompagnées"), null=True, blank=True
    )
    partners = models.TextField(_("partenaires"), blank=True)
    locations = models.TextField(
        _("lieux"), blank=True, help_text=_("Villes, permanences, établissements pénitentiaires.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("target_public"),
                FieldPanel("duration"),
                FieldRowPanel(
                    [FieldPanel("places"), FieldPanel("place_type"), FieldPanel("yearly_target")]
                ),
                FieldPanel("locations"),
                FieldPanel("partners"),
            ],
            heading=_("En bref"),
        ),
        *ReferralTargetPage.closing_panels,
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("target_public"),
        index.SearchField("body"),
        *ReferralTarget.referral_search_fields,
        index.SearchField("partners"),
        index.SearchField("locations"),
    ]
    api_fields = [
        APIField("intro"),
        APIField("target_public"),
        APIField("duration"),
        APIField("places"),
        APIField("place_type"),
        APIField("yearly_target"),
        APIField("partners"),
        APIField("locations"),
        *ContactFields.contact_api_fields,
        *ReferralTargetPage.closing_api_fields,
    ]

    parent_page_types = ["cms.ProgrammeIndexPage"]

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def places_summary(self) -> list[tuple[str, int]]:
        if not self.places:
            return []
        return [(str(PlaceType(self.place_type).label), self.places)]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        figures = list(self.key_figures.all())
        context["indicators"] = [figure for figure in figures if figure.target]
        context["key_figures"] = [figure for figure in figures if not figure.target]
        return context


class NewsIndexPage(SectionPage):
    subpage_types = ["cms.NewsPage"]

    class Meta:
        verbose_name = _("liste des actualités")

    def news(self):
        return (
            NewsPage.objects.live()
            .child_of(self)
            .order_by("-date", "-pk")
            .defer_streamfields()
            .prefetch_related(_image_with_renditions("image", NewsPage.CARD_RENDITION))
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.news(), NEWS_PER_PAGE)
        raw = request.GET.get("page", "1")
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise Http404(_("Numéro de page invalide.")) from None
        if number < 1:
            raise Http404(_("Numéro de page invalide."))
        # Past the end: the last page, never an error.
        news_page = paginator.get_page(number)
        context["news_page"] = news_page
        context["paginator"] = paginator
        context["canonical_query"] = f"?page={news_page.number}" if news_page.number > 1 else ""
        return context

    def get_cached_paths(self):
        """Every page of the listing, so that a front-end cache purge reaches them all."""
        pages = Paginator(self.news(), NEWS_PER_PAGE).num_pages
        return ["/", *[f"/?page={number}" for number in range(2, pages + 1)]]


class NewsPage(SitePage):
    CARD_RENDITION = "fill-640x360"

    date = models.DateField(_("date de publication"))
    intro = models.TextField(_("chapô"))
    image = models.ForeignKey(
        get_image_model(),
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_alt = models.CharField(
        _("texte alternatif de l'image"),
        max_length=300,
        blank=True,
        help_text=_("Laisser vide si l'image est purement décorative."),
    )
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)
    tags = ClusterTaggableManager(
        through="cms.NewsPageTag", blank=True, verbose_name=_("mots-clés"), help_text=TAGS_HELP
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading=_("Image")),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    # Writable: editors' tools may create and update news through the API v3 (with a token).
    api_fields = [
        APIField("date", writable=True),
        APIField("intro", writable=True),
        APIField("image", writable=True),
        APIField("image_card", serializer=ImageRenditionField(CARD_RENDITION, source="image")),
        APIField("image_alt", writable=True),
        APIField("body", writable=True),
        APIField("tags"),
    ]

    parent_page_types = ["cms.NewsIndexPage", "cms.IndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")


class StandardPage(SitePage):
    intro = models.TextField(_("chapô"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)
    tags = ClusterTaggableManager(
        through="cms.StandardPageTag", blank=True, verbose_name=_("mots-clés"), help_text=TAGS_HELP
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    api_fields = [APIField("intro"), APIField("body"), APIField("tags")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage", "cms.IndexPage"]
    subpage_types = ["cms.StandardPage", "cms.IndexPage", "cms.EventPage"]

    class Meta:
        verbose_name = _("page standard")
        verbose_name_plural = _("pages standard")


class IndexPage(SitePage):
    """A section of pages (a Plone folder, for instance): an introduction, then its sub-pages."""

    intro = models.TextField(_("chapô"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("introduction"), blank=True)
    tags = ClusterTaggableManager(
        through="cms.IndexPageTag", blank=True, verbose_name=_("mots-clés"), help_text=TAGS_HELP
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    api_fields = [APIField("intro"), APIField("body"), APIField("tags")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage", "cms.IndexPage"]
    subpage_types = ["cms.StandardPage", "cms.IndexPage", "cms.NewsPage", "cms.EventPage"]

    class Meta:
        verbose_name = _("rubrique")
        verbose_name_plural = _("rubriques")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["subpages"] = self.get_children().live().public().specific().defer_streamfields()
        return context


class EventPage(SitePage):
    """An event: when (start, end, or the whole day) and where."""

    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"), null=True, blank=True)
    whole_day = models.BooleanField(
        _("toute la journée"), default=False, help_text=_("Les heures ne sont pas affichées.")
    )
    location = models.CharField(_("lieu"), max_length=255, blank=True)
    intro = models.TextField(_("chapô"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)
    tags = ClusterTaggableManager(
        through="cms.EventPageTag", blank=True, verbose_name=_("mots-clés"), help_text=TAGS_HELP
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("whole_day"),
                FieldPanel("location"),
            ],
            heading=_("Date et lieu"),
        ),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("location"),
        index.FilterField("start"),
    ]
    api_fields = [
        APIField("start"),
        APIField("end"),
        APIField("whole_day"),
        APIField("location"),
        APIField("intro"),
        APIField("body"),
        APIField("tags"),
    ]

    parent_page_types = ["cms.HomePage", "cms.StandardPage", "cms.IndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("La fin ne peut pas précéder le début.")})


# Tags (Plone's subjects, among others): one through model per tagged page type, as Wagtail
# does, so that the other page types carry no tag relation.


class StandardPageTag(TaggedItemBase):
    content_object = ParentalKey(
        StandardPage, on_delete=models.CASCADE, related_name="tagged_items"
    )


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey(NewsPage, on_delete=models.CASCADE, related_name="tagged_items")


class EventPageTag(TaggedItemBase):
    content_object = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="tagged_items")


class IndexPageTag(TaggedItemBase):
    content_object = ParentalKey(IndexPage, on_delete=models.CASCADE, related_name="tagged_items")


class GlossaryPage(SectionPage):
    subpage_types = []

    class Meta:
        verbose_name = _("glossaire")

    @cached_property
    def terms(self) -> list[GlossaryTerm]:
        return sorted(GlossaryTerm.objects.all(), key=lambda t: sort_key(t.headword))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        groups: dict[str, list[GlossaryTerm]] = {}
        for term in self.terms:
            groups.setdefault(term.letter, []).append(term)
        letters = [*string.ascii_uppercase, "#"]
        # Only the letters that have terms: the A–Z index never lists empty letters.
        context["groups"] = [
            (letter, letter_anchor(letter), groups[letter])
            for letter in letters
            if letter in groups
        ]
        return context


def letter_anchor(letter: str) -> str:
    return "lettre-autres" if letter == "#" else f"lettre-{letter.lower()}"


# --------------------------------------------------------------------------------------------
# Import from Plone
# --------------------------------------------------------------------------------------------


class PloneItem(models.Model):
    """What a Plone item (by its UID) became here: a page, an image or a document.

    ``manage.py import_plone`` finds the objects of an earlier run through it, so that running
    it again updates instead of duplicating. ``checksum`` is that of the exported item: when it
    is unchanged (and so is its place in the tree), the item is left alone.
    """

    uid = models.CharField(_("UID Plone"), max_length=80, unique=True)
    portal_type = models.CharField(_("type Plone"), max_length=100)
    path = models.CharField(_("chemin Plone"), max_length=1000, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("type d'objet"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveIntegerField(_("identifiant de l'objet"))
    content_object = GenericForeignKey("content_type", "object_id")
    checksum = models.CharField(_("empreinte de l'export"), max_length=64, blank=True)
    imported_at = models.DateTimeField(_("importé le"), auto_now=True)

    class Meta:
        verbose_name = _("élément importé de Plone")
        verbose_name_plural = _("éléments importés de Plone")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.portal_type} {self.path} ({self.uid})"
