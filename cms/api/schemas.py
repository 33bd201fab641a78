"""How the API v3 shows StreamFields and images (installed by ``cms.api.apps``).

Wagtail's v3 schema generator types a StreamField as a list of anything and an image foreign key
as ``{"id": …}``. A decoupled front-end needs more, so two field schemas are registered on v3's
read generator:

* **StreamField as typed blocks**: each block is ``{"type", "value", "id"}``, with ``value``
  typed from the block definition (documented in the OpenAPI schema): rich text is HTML with
  internal links resolved (``WAGTAILAPI_RICH_TEXT_FORMAT``), images come with their renditions,
  pages and documents with their public URLs, snippets with their API fields.
* **Images with renditions**: an image foreign key gives the image's title, alternative text,
  size and one rendition per entry of ``CMS_API_IMAGE_RENDITIONS`` plus a ready-made ``srcset``.
"""

import sys
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from django.conf import settings
from django.db.models import ForeignKey
from pydantic import BaseModel, ConfigDict, Field, create_model
from wagtail import blocks
from wagtail.api.v2.utils import get_full_url
from wagtail.api.v3.schemas.generators.read import read_generator
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

DEFAULT_RENDITIONS = {"small": "width-480", "medium": "width-960", "large": "width-1600"}


def rendition_specs() -> dict[str, str]:
    return getattr(settings, "CMS_API_IMAGE_RENDITIONS", None) or DEFAULT_RENDITIONS


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------


class RenditionSchema(BaseModel):
    url: str = Field(description="Adresse absolue de l'image redimensionnée.")
    width: int
    height: int


class ImageWithRenditionsSchema(BaseModel):
    """An image, with a rendition per configured size and a srcset."""

    id: int
    title: str
    alt: str = Field(description="Description de l'image (texte alternatif par défaut).")
    width: int
    height: int
    renditions: dict[str, RenditionSchema] = Field(
        description="Une image redimensionnée par taille configurée (small, medium, large…)."
    )
    srcset: str = Field(description="Valeur prête pour l'attribut srcset d'une balise img.")


class PageLinkSchema(BaseModel):
    id: int
    title: str
    type: str
    url: str | None = Field(description="Chemin public de la page, par exemple /actualites/.")
    html_url: str | None = None


class DocumentLinkSchema(BaseModel):
    id: int
    title: str
    url: str
    extension: str
    file_size: int | None = None


def image_representation(image, request=None) -> dict | None:
    if image is None:
        return None
    specs = rendition_specs()
    renditions = image.get_renditions(*specs.values())
    by_name = {}
    srcset = {}
    for name, spec in specs.items():
        rendition = renditions[spec]
        url = rendition.full_url
        by_name[name] = {"url": url, "width": rendition.width, "height": rendition.height}
        srcset.setdefault(rendition.width, url)
    return {
        "id": image.pk,
        "title": image.title,
        "alt": getattr(image, "description", "") or "",
        "width": image.width,
        "height": image.height,
        "renditions": by_name,
        "srcset": ", ".join(f"{url} {width}w" for width, url in sorted(srcset.items())),
    }


def page_link_representation(page, request=None) -> dict | None:
    if page is None or not page.live:
        return None
    return {
        "id": page.pk,
        "title": page.title,
        "type": page.specific_class._meta.label if page.specific_class else "wagtailcore.Page",
        "url": page.get_url(request),
        "html_url": page.get_full_url(request),
    }


def document_representation(document, request=None) -> dict | None:
    if document is None:
        return None
    return {
        "id": document.pk,
        "title": document.title,
        "url": get_full_url(request, document.url),
        "extension": document.file_extension,
        "file_size": document.file_size,
    }


def snippet_representation(instance, context) -> dict | None:
    if instance is None:
        return None
    # Not at the top: importing the registry builds v3's schemas, which install() must precede.
    from wagtail.api.v3.registry import registry

    registration = registry.get(instance._meta.label)
    if registration is None or registration.read_schema is None:
        return {"id": instance.pk, "str": str(instance)}
    return registration.read_schema.from_orm(instance, context=context).model_dump(mode="json")


# --------------------------------------------------------------------------------------------
# StreamField: values and their types
# --------------------------------------------------------------------------------------------


def represent(block, value, context):
    """The API value of ``value`` for ``block`` (recursively)."""
    request = (context or {}).get("request")
    if isinstance(block, blocks.BaseStreamBlock):
        if value is None:
            return []
        return [
            {
                "type": child.block.name,
                "value": represent(child.block, child.value, context),
                "id": child.id,
            }
            for child in value
        ]
    if isinstance(block, blocks.BaseStructBlock):
        if value is None:
            return None
        return {
            name: represent(child, value.get(name), context)
            for name, child in block.child_blocks.items()
        }
    if isinstance(block, blocks.ListBlock):
        return [represent(block.child_block, item, context) for item in value or []]
    if isinstance(block, ImageChooserBlock):
        return image_representation(value, request)
    if isinstance(block, DocumentChooserBlock):
        return document_representation(value, request)
    if isinstance(block, blocks.PageChooserBlock):
        return page_link_representation(value, request)
    if isinstance(block, SnippetChooserBlock):
        return snippet_representation(value, context)
    if value is None:
        return None
    return block.get_api_representation(value, context=context)


_models: dict[str, type[BaseModel]] = {}


class _BlockModel(BaseModel):
    model_config = ConfigDict(extra="allow")


def _model_name(block, suffix: str) -> str:
    cls = type(block)
    if cls in (blocks.StructBlock, blocks.StreamBlock):
        return f"{(block.name or 'Anonymous').title().replace('_', '')}{suffix}"
    return f"{cls.__name__}{suffix}"


def annotation_for(block) -> Any:
    """The Python type of ``represent(block, …)``, for the OpenAPI schema."""
    if isinstance(block, blocks.BaseStreamBlock):
        return list[stream_item_annotation(block)]
    if isinstance(block, blocks.BaseStructBlock):
        name = _model_name(block, "Value")
        if name not in _models:
            fields = {
                child_name: (annotation_for(child), None)
                for child_name, child in block.child_blocks.items()
            }
            _models[name] = create_model(name, __base__=_BlockModel, **fields)
        return _models[name] | None
    if isinstance(block, blocks.ListBlock):
        return list[annotation_for(block.child_block)]
    if isinstance(block, ImageChooserBlock):
        return ImageWithRenditionsSchema | None
    if isinstance(block, DocumentChooserBlock):
        return DocumentLinkSchema | None
    if isinstance(block, blocks.PageChooserBlock):
        return PageLinkSchema | None
    if isinstance(block, SnippetChooserBlock):
        return dict[str, Any] | None
    if isinstance(block, blocks.BooleanBlock):
        return bool | None
    if isinstance(block, blocks.IntegerBlock):
        return int | None
    if isinstance(block, blocks.FloatBlock):
        return float | None
    if isinstance(block, blocks.DecimalBlock):
        return Decimal | None
    if isinstance(
        block,
        blocks.CharBlock
        | blocks.TextBlock
        | blocks.URLBlock
        | blocks.EmailBlock
        | blocks.RichTextBlock
        | blocks.ChoiceBlock
        | blocks.RawHTMLBlock
        | EmbedBlock,
    ):
        return str | None
    return Any


def stream_item_annotation(block) -> Any:
    """A block of a stream: ``{"type", "value", "id"}``, discriminated by ``type``."""
    members = []
    for child_name, child in block.child_blocks.items():
        name = f"{_model_name(block, '')}{child_name.title().replace('_', '')}Item"
        if name not in _models:
            _models[name] = create_model(
                name,
                __base__=_BlockModel,
                type=(Literal[child_name], ...),
                value=(annotation_for(child), None),
                id=(str | None, None),
            )
        members.append(_models[name])
    if not members:
        return dict[str, Any]
    if len(members) == 1:
        return members[0]
    return Annotated[Union[tuple(members)], Field(discriminator="type")]  # noqa: UP007


# --------------------------------------------------------------------------------------------
# Registration on Wagtail's v3 read schema generator
# --------------------------------------------------------------------------------------------


def streamfield_schema(generator, field):
    field_name = field.name
    annotation = annotation_for(field.stream_block)

    def resolve(obj, context: dict) -> Any:
        return represent(field.stream_block, getattr(obj, field_name), context)

    return annotation, [], staticmethod(resolve)


def foreign_key_schema_factory(default):
    Image = get_image_model()

    def foreign_key_schema(generator, field):
        if field.related_model is not Image:
            return default(generator, field)
        field_name = field.name

        def resolve(obj, context: dict) -> Any:
            return image_representation(getattr(obj, field_name), (context or {}).get("request"))

        return ImageWithRenditionsSchema | None, None, staticmethod(resolve)

    return foreign_key_schema


def install():
    """Register the field schemas on v3's read generator (before any schema is built)."""
    default_fk = read_generator.field_schemas[ForeignKey]
    if getattr(default_fk, "cms_api", False):
        return
    fk_schema = foreign_key_schema_factory(default_fk)
    fk_schema.cms_api = True
    read_generator.register_field_schema(ForeignKey, fk_schema)
    read_generator.register_field_schema(StreamField, streamfield_schema)
    # If the v3 registry was already imported, it built the page schemas then: build them
    # again, now with these field schemas (no router has used them yet, see cms.api.apps).
    if "wagtail.api.v3.registry" in sys.modules:
        from wagtail.api.v3.registry import registry  # inside, as above: not built too early

        registry.register_defaults()
