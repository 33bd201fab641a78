"""Loads the demo content of the public site from the YAML files of ``cms/demo/content/``.

``load()`` is idempotent: pages are found by slug under their parent, and a revision is saved and
published only when something changed; snippets and settings are saved only when a value
changed. The steps run in a fixed order, so that pages, snippets and images get the same ids on
every new database.

The page files (``sections``, ``establishments``, ``programmes``, ``pages``, ``news``) give the
``parent`` page by slug, the page ``type`` (a page model of ``cms``, or one per page), the
``defaults`` every page gets and the ``pages``: a slug, a title and fields, written as the model
stores them, except that

* a page is named by its slug (``hero_cta_page: etablissements``), an image by its title;
* a child relation (an establishment's ``places``) is a list of rows;
* a StreamField (``body``) is a list of blocks, each one of ``heading: text`` (level 2),
  ``paragraph: text`` or a list of paragraphs, ``bullets: [items]``,
  ``quote: {text, attribution}``, ``key_figure: key`` (of ``key_figures.yaml``) and
  ``call_to_action: {text, page: slug}`` or ``{text, url}``.
"""

import colorsys
import io
import json
import logging
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.db import models
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import GroupApprovalTask, Page, Site, Workflow, WorkflowPage, WorkflowTask
from wagtail.search import index

from ..models import GlossaryTerm, HomeKeyFigure, HomePage, KeyFigure, SiteSettings
from ..signals import sync_editor_group

CONTENT = Path(__file__).parent / "content"
WAGTAIL_MODERATION_WORKFLOW = "Moderators approval"  # created by Wagtail's migrations


def read(name: str):
    with (CONTENT / f"{name}.yaml").open(encoding="utf-8") as file:
        return yaml.safe_load(file)


# --------------------------------------------------------------------------------------------
# Idempotent upserts
# --------------------------------------------------------------------------------------------


def _strip_ids(data):
    if isinstance(data, dict):
        return {key: _strip_ids(value) for key, value in data.items() if key != "id"}
    if isinstance(data, list):
        return [_strip_ids(item) for item in data]
    return data


def _child_row(row, parent_key) -> tuple:
    """The values of a child row (an establishment's places), without its id, parent, order."""
    return tuple(
        getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if field is not parent_key and not field.primary_key and field.name != "sort_order"
    )


def _comparable(page, names):
    data = {}
    for name in names:
        field = page._meta.get_field(name)
        if field.one_to_many:
            data[name] = [_child_row(row, field.field) for row in getattr(page, name).all()]
            continue
        value = field.value_from_object(page)
        if isinstance(field, StreamField):
            value = field.get_prep_value(value)
            if isinstance(value, str):
                value = json.loads(value)
            value = json.dumps(_strip_ids(value), sort_keys=True, default=str)
        data[name] = value
    return data


def upsert_row(model, lookup, **values):
    """Create or update a plain model row; save only when a value changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = False
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.is_relation:
            if getattr(obj, field.attname) != (value.pk if value is not None else None):
                setattr(obj, name, value)
                changed = True
        elif getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()
    return obj


class Loader:
    """Loads content files; keeps what was loaded, so that later files can name it."""

    def __init__(self, home):
        self.created = 0
        self.updated = 0
        self.loaded = []  # every page loaded, in order (indexed for search at the end)
        self.pages = {home.slug: home}
        self.images = {}
        self.figures = {}

    def page(self, parent, model, slug, **fields):
        """The page ``slug`` under ``parent``, created or brought up to date (and published)."""
        values = self.values(model, fields)
        children = {
            name: values.pop(name)
            for name in list(values)
            if model._meta.get_field(name).one_to_many
        }
        page = model.objects.child_of(parent).filter(slug=slug).first()
        if page is None:
            page = model(slug=slug, **values)
            for name, rows in children.items():
                setattr(page, name, rows)
            parent.add_child(instance=page)
            page.save_revision().publish()
            self.created += 1
        else:
            before = _comparable(page, [*values, *children])
            for name, value in {**values, **children}.items():
                setattr(page, name, value)
            if _comparable(page, [*values, *children]) != before or not page.live:
                page.save_revision().publish()
                self.updated += 1
            page = model.objects.get(pk=page.pk)
        self.loaded.append(page)
        self.pages[slug] = page
        return page

    def pages_from(self, content):
        """The pages of a page file (see the module's docstring)."""
        parent = self.pages[content["parent"]]
        for entry in content["pages"]:
            fields = {**content.get("defaults", {}), **entry}
            model = apps.get_model("cms", fields.pop("type", None) or content["type"])
            self.page(parent, model, fields.pop("slug"), **fields)

    def values(self, model, fields) -> dict:
        """Model values of fields as the content files write them."""
        values = {}
        for name, value in fields.items():
            field = model._meta.get_field(name)
            if isinstance(field, StreamField):
                value = [self.block(item) for item in value]
            elif isinstance(field, models.DecimalField) and value is not None:
                value = Decimal(str(value)).quantize(Decimal(10) ** -field.decimal_places)
            elif field.many_to_one and value is not None:  # a page by slug, an image by title
                named = self.images if field.related_model is get_image_model() else self.pages
                value = named[value]
            elif field.one_to_many:
                value = [field.related_model(**row) for row in value]
            values[name] = value
        return values

    def block(self, item) -> dict:
        """A StreamField block (raw JSON form, so that comparisons are stable)."""
        ((kind, value),) = item.items()
        if kind == "heading":
            return {"type": "heading", "value": {"level": "h2", "text": value}}
        if kind == "paragraph":
            paragraphs = [value] if isinstance(value, str) else value
            return {"type": "paragraph", "value": "".join(f"<p>{p}</p>" for p in paragraphs)}
        if kind == "bullets":
            items = "".join(f"<li>{item}</li>" for item in value)
            return {"type": "paragraph", "value": f"<ul>{items}</ul>"}
        if kind == "quote":
            text, attribution = value["text"], value.get("attribution", "")
            return {"type": "quote", "value": {"text": text, "attribution": attribution}}
        if kind == "key_figure":
            figure = self.figures[value].pk
            return {
                "type": "key_figure",
                "value": {"figure": figure, "value": None, "unit": "", "label": ""},
            }
        if kind == "call_to_action":
            page = self.pages[value["page"]].pk if value.get("page") else None
            return {
                "type": "call_to_action",
                "value": {"text": value["text"], "page": page, "url": value.get("url", "")},
            }
        raise ValueError(f"Unknown block in the demo content: {kind}")

    def key_figures(self, content):
        """Key figures, found by label, year and page, in the order of the file."""
        for position, entry in enumerate(content["figures"], start=1):
            fields = {**content["defaults"], **entry}
            key = fields.pop("key")
            values = self.values(KeyFigure, fields)
            lookup = {name: values.pop(name) for name in ("label", "year", "page")}
            self.figures[key] = upsert_row(KeyFigure, lookup, **values, sort_order=10 * position)

    def featured_figures(self, home, keys):
        """The home page's key figures, published as a revision of their own when they change."""
        home = HomePage.objects.get(pk=home.pk)
        wanted = [self.figures[key] for key in keys]
        if [item.figure_id for item in home.featured_figures.all()] != [f.pk for f in wanted]:
            home.featured_figures = [
                HomeKeyFigure(figure=f, sort_order=i) for i, f in enumerate(wanted)
            ]
            home.save_revision().publish()
            self.updated += 1


# --------------------------------------------------------------------------------------------
# Images, site, workflow
# --------------------------------------------------------------------------------------------


def illustration(title, hue):
    """A generated decorative illustration (found by title), so that the demo needs no download."""
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing is not None:
        return existing
    width, height = 1200, 675
    picture = PILImage.new("RGB", (width, height))
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        r, g, b = colorsys.hls_to_rgb(hue, 0.30 + 0.25 * y / height, 0.55)
        draw.line([(0, y), (width, y)], fill=(int(r * 255), int(g * 255), int(b * 255)))
    for i in range(6):
        x = 120 + i * 190
        draw.ellipse([x - 70, 380 - i * 35, x + 70, 520 - i * 35], fill=(255, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    slug = title.lower().replace(" ", "-").replace("'", "")
    image = Image(title=title, description="")
    image.file = ImageFile(buffer, name=f"demo-{slug}.png")
    image.save()
    return image


def ensure_site(home, site_name):
    site = Site.objects.filter(root_page=home).first() or Site.objects.get(is_default_site=True)
    url = urlsplit(getattr(settings, "SITE_URL", "") or "http://localhost")
    values = {
        "site_name": site_name,
        "hostname": url.hostname or "localhost",
        "port": url.port or (443 if url.scheme == "https" else 80),
    }
    if any(getattr(site, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(site, key, value)
        site.save()
    return site


def ensure_workflow(news_index, content):
    """Wagtail's moderation workflow (or, without it, ours) on the news index."""
    workflow = Workflow.objects.filter(name=WAGTAIL_MODERATION_WORKFLOW).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=content["name"], active=True)
        moderators, _ = Group.objects.get_or_create(name=content["group"])
        task = GroupApprovalTask.objects.create(name=content["task"])
        task.groups.set([moderators])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    current = WorkflowPage.objects.filter(page=news_index).first()
    if current is None:
        WorkflowPage.objects.create(page=news_index, workflow=workflow)
    elif current.workflow_id != workflow.pk:
        current.workflow = workflow
        current.save()
    return workflow


# --------------------------------------------------------------------------------------------
# The demo site
# --------------------------------------------------------------------------------------------


def load() -> dict:
    """Load the demo site; return a summary."""
    wagtail_logger = logging.getLogger("wagtail")
    level = wagtail_logger.level
    wagtail_logger.setLevel(logging.WARNING)  # no "Page created/edited/published" per page
    try:
        return _load()
    finally:
        wagtail_logger.setLevel(level)


def _load() -> dict:
    content = read("site")
    home_fields = dict(content["home"])
    slug, featured = home_fields.pop("slug"), home_fields.pop("featured_figures")
    home = Page.objects.get(depth=2, slug=slug).specific
    if not isinstance(home, HomePage):
        raise RuntimeError("The site root is not L'Îlot's home page (migration cms 0002).")
    site = ensure_site(home, content["site_name"])
    loader = Loader(home)

    for term in read("glossary")["terms"]:
        upsert_row(
            GlossaryTerm,
            {"term": term["term"]},
            abbreviation=term["abbreviation"],
            definition=term["definition"],
        )
    for image in content["illustrations"]:
        loader.images[image["title"]] = illustration(image["title"], image["hue"])

    # « L'association » first, so that it leads the main menu; its content, which cites key
    # figures, comes with the other standard pages.
    standard_pages = read("pages")
    first = standard_pages["pages"][0]
    model = apps.get_model("cms", standard_pages["type"])
    if not model.objects.child_of(home).filter(slug=first["slug"]).exists():
        loader.page(
            home, model, first["slug"], title=first["title"], show_in_menus=first["show_in_menus"]
        )
    loader.pages_from(read("sections"))
    loader.pages_from(read("establishments"))
    loader.pages_from(read("programmes"))
    loader.key_figures(read("key_figures"))
    loader.pages_from(standard_pages)
    loader.pages_from(read("news"))

    loader.page(home.get_parent(), HomePage, slug, **home_fields)
    loader.featured_figures(home, featured)
    site_settings = loader.values(SiteSettings, content["settings"])
    upsert_row(SiteSettings, {"pk": SiteSettings.for_site(site).pk}, **site_settings)

    ensure_workflow(loader.pages["actualites"], content["news_workflow"])
    editor = get_user_model().objects.filter(email=content["editor"]).first()
    if editor is not None:
        sync_editor_group(editor)

    # Index now, so that search works without a task worker (make run).
    for page in [HomePage.objects.get(pk=home.pk), *loader.loaded]:
        index.insert_or_update_object(page.specific)
    for term in GlossaryTerm.objects.all():
        index.insert_or_update_object(term)
    return {
        "pages_created": loader.created,
        "pages_updated": loader.updated,
        "url": getattr(settings, "SITE_URL", ""),
    }
