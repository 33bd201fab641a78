"""StreamField blocks: validation in French, accessible rendering."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.blocks.struct_block import StructBlockValidationError

from cms.blocks import (
    BodyBlock,
    CallToActionBlock,
    HeadingBlock,
    ImageBlock,
    KeyFigureBlock,
    QuoteBlock,
)
from cms.choices import Public, ReferralType
from cms.models import EstablishmentPage
from tests.factories import EstablishmentPageFactory, ImageFactory, KeyFigureFactory, home_page

pytestmark = pytest.mark.django_db


def _image_value(block, image, alt="", decorative=False):
    return block.to_python({"image": image.pk, "alt": alt, "decorative": decorative, "caption": ""})


def test_an_image_needs_alt_text_unless_decorative():
    block = ImageBlock()
    image = ImageFactory()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(_image_value(block, image))
    message = " ".join(error.value.block_errors["alt"].messages)
    assert "texte alternatif" in message and "image décorative" in message

    block.clean(_image_value(block, image, alt="Façade du CHRS"))
    block.clean(_image_value(block, image, decorative=True))


def test_a_stream_with_an_image_without_alt_is_invalid():
    block = BodyBlock()
    image = ImageFactory()
    value = block.to_python(
        [{"type": "image", "value": {"image": image.pk, "alt": " ", "decorative": False}}]
    )
    with pytest.raises(ValidationError):
        block.clean(value)


def test_image_renders_with_its_alt_or_an_empty_one():
    block = ImageBlock()
    image = ImageFactory()
    html = block.render(_image_value(block, image, alt="Façade du CHRS"))
    assert 'alt="Façade du CHRS"' in html
    html = block.render(_image_value(block, image, decorative=True))
    assert 'alt=""' in html


def test_key_figure_block_needs_a_figure_or_a_value_and_label():
    block = KeyFigureBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"figure": None, "value": None, "unit": "", "label": ""}))
    figure = KeyFigureFactory(value=84, unit="%", label="sont allés au bout de la mesure")
    html = block.render(block.clean(block.to_python({"figure": figure.pk})))
    assert "84\xa0%" in html and "sont allés au bout de la mesure" in html
    value = block.clean(block.to_python({"value": "1500", "label": "personnes par an"}))
    assert "1\xa0500" in block.render(value)


def test_call_to_action_needs_exactly_one_target():
    block = CallToActionBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"text": "Lire", "page": None, "url": ""}))
    with pytest.raises(StructBlockValidationError):
        block.clean(
            block.to_python({"text": "Lire", "page": home_page().pk, "url": "https://exemple.org"})
        )
    html = block.render(
        block.clean(block.to_python({"text": "Faire un don", "url": "https://exemple.org/"}))
    )
    assert '<a class="button" href="https://exemple.org/">Faire un don</a>' in html


def test_heading_and_quote_render_semantic_html():
    heading = HeadingBlock()
    assert heading.render(heading.to_python({"level": "h3", "text": "Nos principes"})) == (
        "<h3>Nos principes</h3>\n"
    )
    quote = QuoteBlock()
    html = quote.render(quote.to_python({"text": "Merci.", "attribution": "J. B."}))
    assert "<blockquote><p>Merci.</p></blockquote>" in html
    assert "<figcaption>— J. B.</figcaption>" in html


def test_paragraph_features_are_limited():
    features = BodyBlock().child_blocks["paragraph"].features
    assert set(features) == {"bold", "italic", "link", "document-link", "ol", "ul"}


def test_choice_lists_refuse_unknown_codes():
    page = EstablishmentPageFactory()
    page.publics = [Public.MEN_ALONE, "martiens"]
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "publics" in error.value.message_dict
    page.publics = [Public.MEN_ALONE, Public.MEN_ALONE]
    with pytest.raises(ValidationError):
        page.full_clean()
    page.publics = [Public.WOMEN_ALONE]
    page.full_clean()


def test_choice_list_form_field_is_a_set_of_checkboxes():
    field = EstablishmentPage._meta.get_field("referral_types").formfield()
    assert field.widget.__class__.__name__ == "CheckboxSelectMultiple"
    assert ("ddse", str(ReferralType.DDSE.label)) in [
        (code, str(label)) for code, label in field.choices
    ]


def test_document_link_names_the_format_and_size():
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    document = get_document_model().objects.create(
        title="Rapport d'activité 2019", file=ContentFile(b"%PDF-1.4 " * 200, name="rapport.pdf")
    )
    block = BodyBlock().child_blocks["document"]
    html = block.render(block.to_python({"document": document.pk, "title": ""}))
    assert "Rapport d'activité 2019" in html.replace("&#x27;", "'")
    assert "(PDF, 1,8\xa0Kio)" in html


def test_embeds_get_an_accessible_name():
    from cms.templatetags.cms_tags import iframe_title

    html = iframe_title('<iframe src="https://video.exemple/1"></iframe>', "Vidéo : l'atelier")
    assert html.startswith('<iframe title="Vidéo : l&#x27;atelier" src=')
    assert iframe_title('<iframe title="Déjà" src="x"></iframe>', "Autre").count("title=") == 1


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("1500", "", "1\xa0500"),
        ("56.30", "%", "56,3\xa0%"),
        ("84.00", "%", "84\xa0%"),
        (None, "%", "—"),
        ("12", "mois", "12\xa0mois"),
    ],
)
def test_figures_are_formatted_the_french_way(value, unit, expected):
    from cms.templatetags.cms_tags import figure

    assert figure(value, unit) == expected
