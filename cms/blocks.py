"""The StreamField blocks of the public site: few, well chosen, each with an accessible template."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.table_block.blocks import TableBlock as WagtailTableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock as WagtailEmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

PARAGRAPH_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Titre de section (niveau 2)")), ("h3", _("Sous-titre (niveau 3)"))],
        default="h2",
        label=_("niveau"),
    )
    text = blocks.CharBlock(max_length=200, label=_("texte"))

    class Meta:
        icon = "title"
        label = _("Titre")
        template = "cms/blocks/heading.html"


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", PARAGRAPH_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Paragraphe")
        template = "cms/blocks/paragraph.html"


class ImageBlock(blocks.StructBlock):
    """An image whose alternative text is required, unless it is explicitly decorative."""

    image = ImageChooserBlock(label=_("image"))
    alt = blocks.CharBlock(
        required=False,
        max_length=300,
        label=_("texte alternatif"),
        help_text=_(
            "Décrit ce que l'image apporte au texte, pour les personnes qui ne la voient pas."
        ),
    )
    decorative = blocks.BooleanBlock(
        required=False,
        default=False,
        label=_("image décorative"),
        help_text=_(
            "Cochez si l'image n'apporte aucune information : "
            "elle sera ignorée des lecteurs d'écran."
        ),
    )
    caption = blocks.CharBlock(required=False, max_length=300, label=_("légende"))

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image.html"

    def clean(self, value):
        value = super().clean(value)
        if self.is_deferred_validation:
            return value
        if value.get("image") and not value.get("decorative") and not value.get("alt", "").strip():
            raise StructBlockValidationError(
                block_errors={
                    "alt": ValidationError(
                        _(
                            "Saisissez un texte alternatif, ou cochez « image décorative » si "
                            "l'image n'apporte aucune information."
                        ),
                        code="alt_required",
                    )
                }
            )
        return value


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("citation ou témoignage"))
    attribution = blocks.CharBlock(
        required=False,
        max_length=200,
        label=_("attribution"),
        help_text=_("Par exemple : « P. F., éducateur spécialisé ». Jamais de nom complet."),
    )

    class Meta:
        icon = "openquote"
        label = _("Citation / témoignage")
        template = "cms/blocks/quote.html"


class KeyFigureBlock(blocks.StructBlock):
    figure = SnippetChooserBlock(
        "cms.KeyFigure",
        required=False,
        label=_("chiffre clé enregistré"),
        help_text=_("Choisissez un chiffre clé, ou saisissez la valeur et le libellé ci-dessous."),
    )
    value = blocks.DecimalBlock(required=False, max_digits=12, decimal_places=2, label=_("valeur"))
    unit = blocks.CharBlock(required=False, max_length=30, label=_("unité"))
    label = blocks.CharBlock(required=False, max_length=200, label=_("libellé"))

    class Meta:
        icon = "table"
        label = _("Chiffre clé")
        template = "cms/blocks/key_figure.html"

    def clean(self, value):
        value = super().clean(value)
        if self.is_deferred_validation:
            return value
        if not value.get("figure") and (value.get("value") is None or not value.get("label")):
            raise StructBlockValidationError(
                non_block_errors=[
                    ValidationError(
                        _("Choisissez un chiffre clé, ou saisissez une valeur et un libellé."),
                        code="figure_required",
                    )
                ]
            )
        return value


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120, label=_("texte du lien"))
    page = blocks.PageChooserBlock(required=False, label=_("page du site"))
    url = blocks.URLBlock(required=False, label=_("ou adresse externe"))

    class Meta:
        icon = "link"
        label = _("Appel à l'action")
        template = "cms/blocks/call_to_action.html"

    def clean(self, value):
        value = super().clean(value)
        if self.is_deferred_validation:
            return value
        if bool(value.get("page")) == bool(value.get("url")):
            raise StructBlockValidationError(
                non_block_errors=[
                    ValidationError(
                        _("Choisissez une page du site ou saisissez une adresse, pas les deux."),
                        code="one_target",
                    )
                ]
            )
        return value


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(
        required=False,
        max_length=200,
        label=_("intitulé du lien"),
        help_text=_("Par défaut, le titre du document."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Document à télécharger")
        template = "cms/blocks/document_link.html"


class EmbedBlock(blocks.StructBlock):
    embed = WagtailEmbedBlock(label=_("adresse du contenu (vidéo…)"))
    title = blocks.CharBlock(
        max_length=200,
        label=_("titre du contenu"),
        help_text=_("Annoncé aux lecteurs d'écran, par exemple « Vidéo : l'Îlot Gourmand »."),
    )
    caption = blocks.CharBlock(
        required=False,
        max_length=300,
        label=_("légende ou lien vers la transcription"),
    )

    class Meta:
        icon = "media"
        label = _("Vidéo ou contenu intégré")
        template = "cms/blocks/embed.html"


class TableBlock(WagtailTableBlock):
    """A data table: a caption, a header row (and optionally a header column), plain cells."""

    class Meta:
        icon = "table"
        label = _("Tableau")
        template = "cms/blocks/table.html"


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    quote = QuoteBlock()
    key_figure = KeyFigureBlock()
    call_to_action = CallToActionBlock()
    document = DocumentLinkBlock()
    embed = EmbedBlock()
    table = TableBlock()
