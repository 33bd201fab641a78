"""Plone items to Wagtail pages, images, documents and redirects.

The export is streamed several times (never loaded whole):

1. a scan checks that the file is JSON, counts the items, finds the Plone site's path and the
   duplicate UIDs (memory: one UID and one path per item);
2. images and files become Wagtail images and documents;
3. the other items become pages in the export's order (parents before children), each in its
   own transaction: a broken item is reported and rolled back, never half-written;
4. items whose parent came later in the export, and pages linking to pages imported after them,
   are imported again once everything exists;
5. sibling order, then the exported redirects.

Each item is found again by its Plone UID (``cms.PloneItem``): a second run updates instead of
duplicating, leaves untouched what did not change, and moves a page whose parent changed. The
outcomes wait on disk (``OutcomeSpool``) and are reported in the export's order at the end.
What makes it fast (the tree kept in memory, Wagtail's bookkeeping done in bulk after the items'
transactions) is in ``bulk``.
"""

import base64
import binascii
import contextlib
import hashlib
import heapq
import io
import itertools
import json
import re
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import InMemoryStorage
from django.db import DataError, IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Locale, Page, PageViewRestriction, Site

from ..models import EventPage, IndexPage, NewsPage, PloneItem, StandardPage
from .bulk import Deferred, Slot, Tree, fast_commits, insert_missing_redirects
from .export import Export
from .html import PENDING, HtmlConverter, Link, text_to_html
from .registry import ItemRegistry, Known, batched

SITE_ROOT_UID = "plone_site_root"  # collective.exportimport's name for the site in its exports
TO_SORT_TITLE = "À trier"
PAGE_TYPES = {
    "Folder": IndexPage,
    "Collection": IndexPage,
    "Document": StandardPage,
    "News Item": NewsPage,
    "Event": EventPage,
}
MEDIA_TYPES = {"Image", "File"}
TEXT_TYPES = {"Document", "News Item", "Event"}  # whose text a folder takes as its default page
IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
IMAGE_SCALES = (
    "large",
    "preview",
    "mini",
    "thumb",
    "tile",
    "icon",
    "listing",
    "great",
    "huge",
    "larger",
    "teaser",
)
# Forms of a Plone address that show an item, after its path.
VIEW_SUFFIX = re.compile(
    r"/(?:view|@@images/[^/]+(?:/[^/]+)?|image(?:_\w+)?|@@download(?:/[^/]+)*"
    r"|@@display-file(?:/[^/]+)*|at_download(?:/[^/]+)*|download|image_view_fullscreen"
    r"|@@display-file|images/[^/]+)$"
)
RESOLVEUID = re.compile(r"(?:^|/)resolve[uU]id/([^/?#]+)(/[^?#]*)?")
TAG_LENGTH = Tag._meta.get_field("name").max_length
COLLECTION_NOTE = (
    "Collection Plone (liste automatique) : ses critères de recherche ne sont pas repris, "
    "la rubrique liste ses sous-pages."
)


class ItemError(Exception):
    """An item that cannot be imported, with the reason in French."""


class ParentNotYet(Exception):
    """The item's parent is later in the export: import it again after the others."""


@dataclass
class Outcome:
    index: int
    uid: str
    portal_type: str
    path: str
    status: str = ""  # created, updated, moved, unchanged, merged, skipped, failed
    message: str = ""
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    object: str = ""

    def as_dict(self) -> dict:
        data = {
            "uid": self.uid,
            "type": self.portal_type,
            "path": self.path,
            "status": self.status,
        }
        for name in ("message", "object"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.changes:
            data["changes"] = self.changes
        if self.warnings:
            data["warnings"] = self.warnings
        return data


class OutcomeSpool:
    """The items' outcomes, on disk rather than in memory: a temporary file per pass (each in
    the export's order), read back merged in the export's order, an item's last pass deciding."""

    def __init__(self):
        self.passes: list = []

    def new_pass(self):
        stream = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.passes.append(stream)  # closed once read back

    def add(self, outcome: Outcome):
        record = [outcome.index, len(self.passes), outcome.as_dict()]
        self.passes[-1].write(json.dumps(record, ensure_ascii=False) + "\n")

    def __iter__(self) -> Iterator[Outcome]:
        def read(stream):
            stream.seek(0)
            for line in stream:
                yield json.loads(line)

        records = heapq.merge(*(read(stream) for stream in self.passes), key=lambda r: r[:2])
        try:
            for index, group in itertools.groupby(records, key=lambda r: r[0]):
                *_earlier, (_index, _pass, data) = group
                yield Outcome(
                    index,
                    data["uid"],
                    data["type"],
                    data["path"],
                    status=data["status"],
                    message=data.get("message", ""),
                    changes=data.get("changes", []),
                    warnings=data.get("warnings", []),
                    object=data.get("object", ""),
                )
        finally:
            for stream in self.passes:
                stream.close()
            self.passes = []


STATUS_LABELS = {
    "created": "créés",
    "updated": "mis à jour",
    "moved": "déplacés",
    "unchanged": "inchangés",
    "merged": "fusionnés dans leur rubrique (page par défaut)",
    "skipped": "ignorés",
    "failed": "en échec",
}


@dataclass
class Summary:
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    unknown_types: dict[str, int] = field(default_factory=dict)
    failures: list[Outcome] = field(default_factory=list)
    redirects: int = 0
    reordered: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.failures or self.errors)


def checksum(item: dict) -> str:
    return hashlib.sha256(
        json.dumps(item, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def parse_date(value) -> datetime | None:
    """A Plone date (ISO 8601, ``None`` or ``"None"``); naive dates are in the site's zone."""
    if not value or value == "None":
        return None
    parsed = parse_datetime(str(value).replace(" ", "T", 1))
    if parsed is None:
        raise ItemError(f"Date illisible : {value}.")
    if parsed.year <= 1001 or parsed.year >= 2499:  # Plone's "never" (1000, 2499, 2500)
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def make_slug(plone_id: str, title: str) -> str:
    base = slugify((plone_id or title or "page").replace(".", "-").replace("_", "-"))
    return base[:240] or "page"


class DryRunRollback(Exception):
    """Undoes a dry run's database writes."""


@contextlib.contextmanager
def files_kept_in_memory():
    """During a dry run, image and document files go to memory, never to the media storage."""
    fields = [
        get_image_model()._meta.get_field("file"),
        get_document_model()._meta.get_field("file"),
    ]
    saved = [field.storage for field in fields]
    try:
        for model_field in fields:
            model_field.storage = InMemoryStorage()
        yield
    finally:
        for model_field, storage in zip(fields, saved, strict=True):
            model_field.storage = storage


class PloneImporter:
    def __init__(
        self,
        export: Export,
        root: Page,
        *,
        dry_run: bool = False,
        download: bool = False,
        progress: Callable[[str, int], None] | None = None,
    ):
        self.export = export
        self.root = root
        self.dry_run = dry_run
        self.download = download
        self.progress = progress or (lambda _phase, _total: None)
        self.summary = Summary()
        self.outcomes = OutcomeSpool()
        self.pending_status: dict[int, str] = {}  # items to import again: their status so far
        self.site_path = ""
        self.host = ""
        self.registry: ItemRegistry | None = None  # the items' UIDs, paths, mappings: on disk
        self.failed_uids: set[str] = set()
        self.final_pass = False
        self.to_sort: Page | None = None
        self.tree = Tree()
        self.deferred = Deferred(dry_run=dry_run)
        self.on_commit: list[Callable[[], None]] = []  # what to remember once the item is in
        self.locales: dict[str, Locale] = {}  # language code → Locale
        self.tag_ids: dict[str, int] = {}  # tag name → Tag id
        self.content_types = {
            model: ContentType.objects.get_for_model(model)
            for model in (Page, get_image_model(), get_document_model(), Redirect)
        }
        self.image_collection: Collection | None = None
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        self.site_root_path = (site.root_page if site else root).url_path.rstrip("/")

    # Run -----------------------------------------------------------------------------------

    def run(self, report: Callable[[dict], None]) -> Summary:
        """Import everything; ``report`` receives each item's final outcome."""
        self.report = report
        self.registry = ItemRegistry()
        try:
            self.scan()
            self.load_mappings()
            self.registry.add_ordering(self.export.ordering_entries())
            self.registry.add_default_pages(self.export.default_page_entries())
            for _entry in self.export.redirect_entries():
                pass  # read once now: a malformed file imports nothing
            with fast_commits(), self.deferred.active():
                if self.dry_run:
                    try:
                        with transaction.atomic(), files_kept_in_memory():
                            self._import()
                            raise DryRunRollback
                    except DryRunRollback:
                        pass
                else:
                    self._import()
        finally:
            self.registry.close()
        return self.summary

    def _import(self):
        self.image_collection = self._collection()
        self.run_pass("images et fichiers", lambda _i, item: item.get("@type") in MEDIA_TYPES)
        retry = self.run_pass("pages", lambda _i, item: item.get("@type") not in MEDIA_TYPES)
        for attempt in range(3):
            if not retry:
                break
            self.final_pass = attempt == 2 or len(retry) == len(self.pending_before)
            self.pending_before = set(retry)
            retry = self.run_pass("reprises", lambda index, _item, todo=set(retry): index in todo)
        self.reorder()
        self.import_redirects()
        for outcome in self.outcomes:
            self.report(outcome.as_dict())
            self.summary.counts[outcome.status] = self.summary.counts.get(outcome.status, 0) + 1
            if outcome.status == "failed":
                self.summary.failures.append(outcome)

    def scan(self):
        """Check the whole file, count the items, note their UIDs and paths, find the site's
        path."""

        def rows():
            count = 0
            for count, item in enumerate(self.export.items(), start=1):
                if not isinstance(item, dict):
                    continue
                uid = item.get("UID")
                parent = item.get("parent") or {}
                if not self.site_path and parent.get("@type") == "Plone Site" and parent.get("@id"):
                    parts = urlsplit(parent["@id"])
                    self.site_path = parts.path.rstrip("/")
                    self.host = parts.netloc
                path = self.plone_path(item.get("@id"))
                yield (uid if isinstance(uid, str) else "", count - 1, path)
            self.summary.total = count

        self.registry.add_items(rows())
        if self.site_path:  # paths were noted before the site's path was known
            self.registry.rewrite_paths(self.strip_site)
        self.pending_before: set[int] = set()

    def run_pass(self, phase: str, wanted: Callable[[dict], bool]) -> list[int]:
        retry = []
        self.outcomes.new_pass()
        self.progress(phase, self.summary.total)
        for index, item in enumerate(self.export.items()):
            self.progress("", 1)
            if not isinstance(item, dict):
                if phase == "pages":
                    self.fail(Outcome(index, "", "", ""), "Élément illisible (objet attendu).")
                continue
            if not wanted(index, item):
                continue
            if self.import_one(index, item):
                retry.append(index)
        return retry

    # One item ------------------------------------------------------------------------------

    def import_one(self, index: int, item: dict) -> bool:
        """Import an item in its own transaction; True if it must be imported again later."""
        uid = item.get("UID") if isinstance(item.get("UID"), str) else ""
        portal_type = str(item.get("@type") or "")
        outcome = Outcome(index, uid, portal_type, self.plone_path(item.get("@id")))
        try:
            if not uid:
                raise ItemError(
                    "Élément sans UID : il ne peut pas être suivi d'un import à l'autre."
                )
            if not portal_type:
                raise ItemError("Élément sans type (@type).")
            first = self.registry.first_position(uid)
            if first is not None and first != index:
                raise ItemError(f"UID en double : déjà porté par l'élément n° {first + 1}.")
            pending = self.in_transaction(item, outcome)
        except ParentNotYet:
            if not self.final_pass:
                return True
            self.fail(outcome, "Parent introuvable après plusieurs passes.")
            return False
        except ItemError as error:
            self.fail(outcome, str(error))
            return False
        except (ValidationError, ValueError, TypeError, KeyError, OSError, DataError) as error:
            self.fail(outcome, f"Élément refusé : {_error_text(error)}")
            return False
        except IntegrityError as error:
            self.fail(outcome, f"Élément refusé par la base de données : {error}")
            return False
        earlier = self.pending_status.pop(index, None)
        if earlier == "created" and outcome.status == "updated":
            outcome.status, outcome.changes = "created", []  # created, then its links completed
        self.outcomes.add(outcome)
        self.deferred.item_committed()
        if pending and not self.final_pass:
            self.pending_status[index] = outcome.status
            return True
        return False

    def in_transaction(self, item: dict, outcome: Outcome, retry: bool = True) -> bool:
        """The item's transaction; what the importer keeps in memory about it (mappings, the
        tree, tags, locales) is kept only once it is committed."""
        self.staged, self.on_commit = [], []
        try:
            with transaction.atomic():
                pending = self.dispatch(item, outcome)
        except IntegrityError:
            # The tree in memory may be stale (a page added meanwhile took the next path):
            # read it again and try once more.
            self.tree.clear()
            if not retry:
                raise
            outcome.changes, outcome.warnings = [], []
            return self.in_transaction(item, outcome, retry=False)
        except ParentNotYet:
            raise  # nothing was written
        except BaseException:
            self.tree.clear()  # a page added then rolled back: forget what was read meanwhile
            raise
        self.commit_staged()
        for remember in self.on_commit:
            remember()
        return pending

    def fail(self, outcome: Outcome, message: str):
        outcome.status = "failed"
        outcome.message = message
        if outcome.uid:
            self.failed_uids.add(outcome.uid)
        self.pending_status.pop(outcome.index, None)
        self.outcomes.add(outcome)

    def dispatch(self, item: dict, outcome: Outcome) -> bool:
        portal_type = outcome.portal_type
        if portal_type == "Image":
            self.import_image(item, outcome)
        elif portal_type == "File":
            self.import_document(item, outcome)
        elif portal_type == "Link":
            self.import_link(item, outcome)
        elif portal_type == "Plone Site":
            outcome.status = "skipped"
            outcome.message = "Racine du site Plone : la page d'accueil du site est gardée."
        elif portal_type in TEXT_TYPES and self.registry.folder_of(outcome.uid):
            return self.merge_default_page(item, outcome)
        elif portal_type in PAGE_TYPES:
            return self.import_page(item, outcome)
        else:
            outcome.status = "skipped"
            outcome.message = f"Type inconnu « {portal_type} » : non importé."
            self.summary.unknown_types[portal_type] = (
                self.summary.unknown_types.get(portal_type, 0) + 1
            )
        return False

    # Pages ---------------------------------------------------------------------------------

    def import_page(self, item: dict, outcome: Outcome) -> bool:
        model = PAGE_TYPES[outcome.portal_type]
        slot = self.parent_slot(item, outcome)
        mapping = self.mapping(outcome.uid)
        digest = checksum(item)
        if (
            mapping is not None
            and mapping.model is Page
            and mapping.checksum == digest
            and slot.has_child(mapping.object_id)
        ):  # unchanged, and still there: not even read
            outcome.status = "unchanged"
            outcome.object = f"page {mapping.object_id}"
            return False
        page = self.mapped_object(mapping)
        if page is not None and not isinstance(page, model):
            raise ItemError(
                f"Déjà importé comme {page._meta.verbose_name} : son type a changé dans Plone."
            )
        if page is not None and mapping.checksum == digest and self.is_child(page, slot):
            outcome.status = "unchanged"
            outcome.object = f"page {page.pk}"
            return False
        values, pending = self.page_values(item, model, outcome)
        if self.to_sort is not None and slot.page.pk == self.to_sort.pk:
            values.update(live=False, has_unpublished_changes=True)  # until an editor files it
        if page is None:
            page = model(**values)
            self.tree.add_child(slot, page, self.on_commit)
            self.on_commit.append(lambda: self.deferred.page_created(page))
            outcome.status = "created"
            self.set_tags(page, item, outcome, created=True)
        else:
            outcome.changes = [
                name for name, value in values.items() if _differs(page, name, value)
            ]
            for name in outcome.changes:
                setattr(page, name, values[name])
            if outcome.changes:
                if "slug" in outcome.changes:
                    page.slug = slot.free_slug(page.slug, exclude=page.pk)
                    self.on_commit.append(self.tree.clear)
                page.save()
            self.set_tags(page, item, outcome, created=False)
            outcome.status = "updated" if outcome.changes else "unchanged"
            if not self.is_child(page, slot):
                page.slug = slot.free_slug(page.slug)
                page.save(update_fields=["slug"])
                page.move(slot.page, pos="last-child")
                page.refresh_from_db()
                self.on_commit.append(self.tree.clear)
                outcome.status = "moved"
        self.private(page, item, created=outcome.status == "created")
        self.remember(item, outcome, page, "" if pending else digest)
        self.page_redirects(outcome.path, page)
        outcome.object = f"page {page.pk}"
        return pending

    def page_values(self, item: dict, model, outcome: Outcome) -> tuple[dict, bool]:
        title = " ".join(str(item.get("title") or item.get("id") or "Sans titre").split())[:255]
        description = " ".join(str(item.get("description") or "").split())
        state = item.get("review_state") or ""
        live = state == "published"
        created = parse_date(item.get("created"))
        modified = parse_date(item.get("modified")) or created
        effective = parse_date(item.get("effective"))
        expires = parse_date(item.get("expires"))
        now = timezone.now()
        first_published = (effective or created) if live else None
        values = {
            "title": title,
            "slug": make_slug(str(item.get("id") or ""), title),
            "search_description": description,
            "show_in_menus": not item.get("exclude_from_nav", False),
            "live": live
            and not (effective and effective > now)
            and not (expires and expires < now),
            "has_unpublished_changes": not live,
            "first_published_at": first_published,
            "last_published_at": modified if live else None,
            "latest_revision_created_at": modified,
            "go_live_at": effective if live and effective and effective > now else None,
            "expire_at": expires,
            "expired": bool(live and expires and expires < now),
        }
        if state == "private":
            values["live"] = False
        body, pending = self.body(item, outcome)
        if model is IndexPage:
            values["intro"] = description
            if not self.registry.has_default_page(outcome.uid):  # else its default page gives it
                values["body"] = body
            if outcome.portal_type == "Collection":
                outcome.warnings.append(COLLECTION_NOTE)
        elif model is StandardPage:
            values.update(intro=description, body=body)
        elif model is NewsPage:
            date = effective or created or now
            values.update(
                date=timezone.localtime(date).date(),
                intro=description or title,
                body=body,
                image=self.lead_image(item, outcome),
                image_alt="",
            )
        elif model is EventPage:
            start = parse_date(item.get("start"))
            if start is None:
                raise ItemError("Événement sans date de début (start).")
            end = parse_date(item.get("end"))
            whole_day = bool(item.get("whole_day"))
            if item.get("open_end"):
                end = None
            if whole_day:
                start = timezone.make_aware(
                    datetime.combine(timezone.localtime(start).date(), time.min)
                )
            values.update(
                start=start,
                end=end,
                whole_day=whole_day,
                location=" ".join(str(item.get("location") or "").split())[:255],
                intro=description,
                body=body,
            )
        locale = self.locale(item, outcome)
        if locale is not None:
            values["locale"] = locale
        return values, pending

    @property
    def multilingual(self) -> bool:
        return getattr(settings, "WAGTAIL_I18N_ENABLED", False)

    def locale(self, item: dict, outcome: Outcome) -> Locale | None:
        """The page's locale from the item's language, on a multilingual site; elsewhere the
        language is ignored (and reported when it is not the site's)."""
        language = str(item.get("language") or "").strip()
        if not language:
            return None
        if not self.multilingual:
            if _primary(language) != _primary(settings.LANGUAGE_CODE):
                outcome.warnings.append(
                    f"Langue « {language} » ignorée : le site n'est pas multilingue "
                    "(WAGTAIL_I18N_ENABLED)."
                )
            return None
        try:
            code = get_supported_content_language_variant(language)
        except LookupError:
            outcome.warnings.append(
                f"Langue « {language} » absente des langues du site "
                "(WAGTAIL_CONTENT_LANGUAGES) : page dans la langue de sa rubrique."
            )
            return None
        if not self.locales:
            self.locales = {locale.language_code: locale for locale in Locale.objects.all()}
        locale = self.locales.get(code)
        if locale is None:
            locale = Locale.objects.create(language_code=code)
            self.on_commit.append(lambda: self.locales.setdefault(code, locale))
        return locale

    def set_tags(self, page: Page, item: dict, outcome: Outcome, *, created: bool):
        """Plone's subjects as the page's tags (added and removed as they change)."""
        through = page._meta.get_field("tags").through
        names = self.subjects(item, outcome)
        current = (
            {}
            if created
            else dict(
                through.objects.filter(content_object_id=page.pk).values_list("tag__name", "pk")
            )
        )
        if set(current) == set(names):
            return
        through.objects.filter(
            pk__in=[pk for name, pk in current.items() if name not in names]
        ).delete()
        through.objects.bulk_create(
            through(content_object_id=page.pk, tag_id=self.tag_id(name))
            for name in names
            if name not in current
        )
        if not created:
            outcome.changes.append("tags")
            self.deferred.touched(page)  # its references (tags are a child relation)

    def subjects(self, item: dict, outcome: Outcome) -> list[str]:
        subjects = item.get("subjects") or []
        if isinstance(subjects, str):
            subjects = [subjects]
        if not isinstance(subjects, list):
            raise ItemError("Mots-clés illisibles (subjects n'est pas une liste).")
        names: dict[str, str] = {}  # lower case → as written (the first one)
        for subject in subjects:
            name = " ".join(str(subject).split())
            if len(name) > TAG_LENGTH:
                outcome.warnings.append(f"Mot-clé tronqué à {TAG_LENGTH} caractères : {name}.")
                name = name[:TAG_LENGTH].rstrip()
            if name:
                names.setdefault(name.lower(), name)
        return list(names.values())

    def tag_id(self, name: str) -> int:
        tag_id = self.tag_ids.get(name)
        if tag_id is None:
            tag_id = Tag.objects.get_or_create(name=name)[0].pk
            self.on_commit.append(lambda: self.tag_ids.setdefault(name, tag_id))
        return tag_id

    def body(self, item: dict, outcome: Outcome) -> tuple[list[dict], bool]:
        text = item.get("text")
        if isinstance(text, dict):
            data, content_type = text.get("data") or "", text.get("content-type") or "text/html"
        else:
            data, content_type = text or "", "text/html"
        if not isinstance(data, str):
            raise ItemError("Texte illisible (text.data n'est pas une chaîne).")
        if content_type != "text/html":
            data = text_to_html(data)
        if not data.strip() and item.get("blocks"):
            outcome.warnings.append("Contenu en blocs Volto : non repris (texte vide).")
        resolver = ItemResolver(self, item)
        conversion = HtmlConverter(resolver, seed=outcome.uid).convert(data)
        outcome.warnings.extend(conversion.warnings)
        return conversion.blocks, resolver.pending

    def merge_default_page(self, item: dict, outcome: Outcome) -> bool:
        """A folder's default page: its text becomes the folder's introduction."""
        folder_uid = self.registry.folder_of(outcome.uid)
        if folder_uid == SITE_ROOT_UID:
            page = self.root
        else:
            page = self.mapped_object(self.mapping(folder_uid))
            if page is None:
                if (
                    self.registry.in_export(folder_uid)
                    and folder_uid not in self.failed_uids
                    and not self.final_pass
                ):
                    raise ParentNotYet
                return self.import_page(item, outcome)
        digest = checksum(item)
        mapping = self.mapping(outcome.uid)
        if mapping is not None and mapping.checksum == digest and mapping.object_id == page.pk:
            outcome.status = "unchanged"
            outcome.object = f"page {page.pk}"
            return False
        pending = False
        if folder_uid == SITE_ROOT_UID:
            outcome.warnings.append(
                "Page par défaut du site Plone : son texte n'est pas repris sur l'accueil."
            )
        else:
            blocks, pending = self.body(item, outcome)
            page = page.specific
            if _differs(page, "body", blocks):
                page.body = blocks
                outcome.changes.append("body")
                page.save()
        outcome.status = "merged"
        self.remember(item, outcome, page, "" if pending else digest)
        self.page_redirects(outcome.path, page)
        outcome.object = f"page {page.pk}"
        return pending

    def parent_slot(self, item: dict, outcome: Outcome) -> Slot:
        """The page the item goes under (from the tree in memory)."""
        parent = item.get("parent") or {}
        uid = parent.get("UID")
        if parent.get("@type") == "Plone Site" or not parent:
            return self.root_slot()
        known = self.mapping(uid)
        if known is not None and known.model is Page:
            slot = self.tree.slot(known.object_id)
            if slot is not None:
                return slot
        if self.registry.in_export(uid) and uid not in self.failed_uids and not self.final_pass:
            raise ParentNotYet
        outcome.warnings.append(
            f"Parent introuvable ({parent.get('@id') or uid}) : "
            f"page rangée sous « {TO_SORT_TITLE} »."
        )
        return self.tree.slot(self.to_sort_page().pk)

    def root_slot(self) -> Slot:
        slot = self.tree.slot(self.root.pk)
        if slot is None:
            raise ItemError("La page sous laquelle importer a été supprimée.")
        return slot

    def to_sort_page(self) -> Page:
        if self.to_sort is None or not Page.objects.filter(pk=self.to_sort.pk).exists():
            existing = IndexPage.objects.child_of(self.root).filter(slug="a-trier").first()
            if existing is None:
                existing = IndexPage(
                    title=TO_SORT_TITLE,
                    slug="a-trier",
                    intro="Pages importées de Plone dont la rubrique n'a pas été trouvée.",
                    live=False,
                    has_unpublished_changes=True,
                    show_in_menus=False,
                )
                self.tree.add_child(self.root_slot(), existing, self.on_commit)
                self.on_commit.append(lambda: self.deferred.page_created(existing))
            self.to_sort = existing
        return self.to_sort

    def is_child(self, page: Page, slot: Slot) -> bool:
        parent = slot.page
        return page.path[: -page.steplen] == parent.path and page.depth == parent.depth + 1

    def private(self, page: Page, item: dict, created: bool):
        """A private Plone item is never public: signed-in users only, even once published."""
        if item.get("review_state") != "private":
            return
        if created or not PageViewRestriction.objects.filter(page=page).exists():
            PageViewRestriction.objects.create(
                page=page, restriction_type=PageViewRestriction.LOGIN
            )

    # Images, documents, links --------------------------------------------------------------

    def import_image(self, item: dict, outcome: Outcome):
        field_value = item.get("image")
        image = self.save_image(outcome.uid, item, field_value, outcome)
        self.media_redirects(outcome.path, image.file.url, image=True)

    def lead_image(self, item: dict, outcome: Outcome):
        """A news item's own image field, as a Wagtail image (kept under ``<UID>/image``)."""
        if not item.get("image"):
            return None
        key = f"{outcome.uid}/image"
        image = self.save_image(
            key, item, item["image"], outcome, caption=item.get("image_caption")
        )
        return image

    def save_image(self, key: str, item: dict, value, outcome: Outcome, caption=None):
        Image = get_image_model()
        mapping = self.mapping(key)
        image = self.mapped_object(mapping)
        digest = checksum(
            {"value": value, "title": item.get("title"), "focal": item.get("focal_point")}
        )
        if image is not None and mapping.checksum == digest:
            if key == outcome.uid:
                outcome.status = "unchanged"
                outcome.object = f"image {image.pk}"
            return image
        data, filename = self.file_data(
            value, outcome, limit=getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", None)
        )
        try:
            with PILImage.open(io.BytesIO(data)) as picture:
                picture_format = picture.format
                picture.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise ItemError(f"« {filename} » n'est pas une image lisible ({error}).") from error
        if picture_format not in IMAGE_FORMATS:
            raise ItemError(f"Format d'image non pris en charge : {picture_format} ({filename}).")
        created = image is None
        if created:
            image = Image(collection=self.image_collection)
        image.title = str(caption or item.get("title") or filename)[:255]
        image.description = str(item.get("description") or "")[:255]
        image.file = ImageFile(io.BytesIO(data), name=filename)
        image.file_size = len(data)
        image.file_hash = hashlib.sha1(data).hexdigest()
        focal = item.get("focal_point")
        if focal:
            x, y = (focal.get("x"), focal.get("y")) if isinstance(focal, dict) else focal[:2]
            image.focal_point_x, image.focal_point_y = int(x), int(y)
            image.focal_point_width = image.focal_point_height = 1
        image.save()
        if key == outcome.uid:
            outcome.status = "created" if created else "updated"
            outcome.object = f"image {image.pk}"
        self.remember({"@type": "Image", **item}, outcome, image, digest, key=key)
        return image

    def import_document(self, item: dict, outcome: Outcome):
        Document = get_document_model()
        mapping = self.mapping(outcome.uid)
        document = self.mapped_object(mapping)
        digest = checksum(item)
        if document is not None and mapping.checksum == digest:
            outcome.status = "unchanged"
        else:
            data, filename = self.file_data(
                item.get("file"),
                outcome,
                limit=getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None),
            )
            created = document is None
            if created:
                document = Document(collection=self.image_collection)
            document.title = str(item.get("title") or filename)[:255]
            document.file = ContentFile(data, name=filename)
            document.file_size = len(data)
            document.file_hash = hashlib.sha1(data).hexdigest()
            document.save()
            outcome.status = "created" if created else "updated"
            self.remember(item, outcome, document, digest)
        outcome.object = f"document {document.pk}"
        self.media_redirects(outcome.path, document.url, image=False)

    def file_data(self, value, outcome: Outcome, limit: int | None) -> tuple[bytes, str]:
        """The bytes of a file or image field: base64 data, a blob path, or a download URL (no
        larger than ``limit``, the size the admin accepts for an upload)."""
        if not isinstance(value, dict):
            raise ItemError("Fichier absent de l'export (champ image ou file vide).")
        filename = (
            PurePosixPath(str(value.get("filename") or "")).name or outcome.path.rsplit("/", 1)[-1]
        )
        filename = filename or "fichier"
        if value.get("data") is not None:
            if value.get("encoding", "base64") != "base64":
                raise ItemError(
                    f"Encodage de fichier non pris en charge : {value.get('encoding')}."
                )
            try:
                data = base64.b64decode(str(value["data"]), validate=True)
            except (binascii.Error, ValueError) as error:
                raise ItemError(
                    f"Données base64 illisibles pour « {filename} » ({error})."
                ) from error
        elif value.get("blob_path"):
            data = self.blob(str(value["blob_path"]), filename)
        elif value.get("download"):
            data = self.fetch(str(value["download"]), filename, limit)
        else:
            raise ItemError(f"Ni données, ni blob_path, ni adresse pour « {filename} ».")
        if not data:
            raise ItemError(f"Fichier vide : « {filename} ».")
        return data, filename

    def blob(self, blob_path: str, filename: str) -> bytes:
        if self.export.blobs is None:
            raise ItemError(
                f"« {filename} » est exporté comme chemin de blob, mais aucun dossier de blobs "
                "n'est indiqué (--blobs)."
            )
        folder = self.export.blobs.resolve()
        path = (folder / blob_path).resolve()
        if not path.is_relative_to(folder):
            raise ItemError(f"Chemin de blob refusé, hors du dossier des blobs : {blob_path}.")
        if not path.is_file():
            raise ItemError(f"Blob introuvable : {blob_path}.")
        return path.read_bytes()

    def fetch(self, url: str, filename: str, limit: int | None) -> bytes:
        if not self.download:
            raise ItemError(
                f"« {filename} » n'est exporté que par son adresse ({url}) : exportez les fichiers "
                "en base64 ou en chemins de blobs, ou relancez avec --download."
            )
        if urlsplit(url).scheme not in ("http", "https"):
            raise ItemError(f"Adresse de téléchargement refusée : {url}.")
        too_large = ItemError(
            f"« {filename} » dépasse la taille acceptée pour un envoi "
            f"({filesizeformat(limit)}) : non téléchargé ({url})."
        )
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                length = response.headers.get("Content-Length", "")
                if limit and length.isdigit() and int(length) > limit:
                    raise too_large
                data = response.read(limit + 1 if limit else -1)
        except OSError as error:
            raise ItemError(f"Téléchargement impossible : {url} ({error}).") from error
        if limit and len(data) > limit:
            raise too_large
        return data

    def import_link(self, item: dict, outcome: Outcome):
        remote = str(item.get("remoteUrl") or "").strip()
        if not remote:
            raise ItemError("Lien sans adresse (remoteUrl).")
        remote = remote.replace("${portal_url}", self.site_url())
        link = ItemResolver(self, item).link(remote)
        page_id = int(link.target) if isinstance(link, Link) and link.linktype == "page" else None
        if link is PENDING and not self.final_pass:
            raise ParentNotYet
        target = link.target if isinstance(link, Link) and link.linktype == "url" else remote
        if isinstance(link, Link) and link.linktype == "document":
            target = get_document_model().objects.get(pk=link.target).url
        old_path = self.redirect_path(outcome.path)
        if not old_path:
            raise ItemError("Lien sans chemin Plone (@id).")
        redirect = Redirect.objects.filter(old_path=old_path, site=None).first() or Redirect(
            old_path=old_path, site=None
        )
        new_values = {"redirect_page_id": page_id, "redirect_link": "" if page_id else target}
        changed = redirect.pk is None or any(
            getattr(redirect, name) != value for name, value in new_values.items()
        )
        for name, value in new_values.items():
            setattr(redirect, name, value)
        redirect.is_permanent = True
        if changed:
            redirect.save()
        mapping = self.mapping(outcome.uid)
        outcome.status = "created" if mapping is None else ("updated" if changed else "unchanged")
        self.remember(item, outcome, redirect, checksum(item))
        outcome.object = f"redirection {redirect.pk}"

    def site_url(self) -> str:
        return f"http://{self.host}{self.site_path}" if self.host else self.site_path

    # Redirects -----------------------------------------------------------------------------

    def redirect_path(self, path: str) -> str:
        if not path or path == "/":
            return ""
        old = Redirect.normalise_path(path)
        return old if len(old) <= 255 else ""

    def page_redirects(self, path: str, page: Page):
        """The old path (unless the page is at the same address now) and its ``/view``."""
        paths = [f"{path}/view"]
        if page.url_path.rstrip("/") != f"{self.site_root_path}{path}":
            paths.append(path)
        self.set_redirects(paths, page_id=page.pk)

    def media_redirects(self, path: str, url: str, *, image: bool):
        if image:
            paths = [
                path,
                f"{path}/view",
                f"{path}/image_view_fullscreen",
                f"{path}/@@images/image",
            ]
            for scale in IMAGE_SCALES:
                paths += [f"{path}/@@images/image/{scale}", f"{path}/image_{scale}"]
            paths += [f"{path}/@@download/image", f"{path}/image"]
        else:
            paths = [
                path,
                f"{path}/view",
                f"{path}/@@download/file",
                f"{path}/@@display-file/file",
                f"{path}/at_download/file",
                f"{path}/download",
            ]
        self.set_redirects(paths, link=url)

    def set_redirects(self, paths: list[str], *, page_id: int | None = None, link: str = ""):
        wanted = {old for old in (self.redirect_path(path) for path in paths) if old}
        if not wanted:
            return
        wanted = sorted(wanted)
        created = insert_missing_redirects(wanted, page_id=page_id, link=link)
        if created < len(wanted):  # some were there already: they lead here now
            Redirect.objects.filter(old_path__in=wanted, site=None).exclude(
                redirect_page_id=page_id, redirect_link=link
            ).update(redirect_page_id=page_id, redirect_link=link)
        self.summary.redirects += created

    def import_redirects(self):
        """collective.exportimport's redirects: old Plone path → the item now at the new path."""
        for old, new in self.export.redirect_entries():
            old_path = self.strip_site(urlsplit(old).path)
            target = self.by_path(self.strip_site(urlsplit(new).path))
            if target is None:
                self.summary.errors.append(
                    f"Redirection {old} → {new} : aucune page ni fichier importé à cette adresse."
                )
                continue
            with transaction.atomic():
                if target.model is Page:
                    self.set_redirects([old_path], page_id=target.object_id)
                    continue
                obj = self.mapped_object(target)
                if isinstance(obj, Redirect):
                    self.set_redirects([old_path], link=obj.link)
                elif isinstance(obj, get_document_model()):
                    self.set_redirects([old_path], link=obj.url)
                elif obj is not None:
                    self.set_redirects([old_path], link=obj.file.url)

    # Sibling order -------------------------------------------------------------------------

    def reorder(self):
        """Put the imported siblings in their Plone order (``ordering.json``)."""
        if not self.registry.has_ordering():
            return
        pages = PloneItem.objects.filter(content_type=self.content_types[Page]).values_list(
            "uid", "object_id"
        )

        def positions():
            for uid, page_id in pages.iterator(chunk_size=2000):
                position = self.registry.position(uid)
                if position is not None:
                    yield page_id, position

        def placed():
            for chunk in batched(positions()):
                position_of = dict(chunk)
                paths = Page.objects.filter(pk__in=position_of).values_list("pk", "path")
                for page_id, path in paths:
                    yield page_id, path[: -Page.steplen], path, position_of[page_id]

        self.registry.place(placed())
        for parent_path, children in self.registry.siblings():
            if len(children) < 2:
                continue
            current = [page_id for _path, page_id, _position in children]  # in path order
            position_of = {page_id: position for _path, page_id, position in children}
            wanted = sorted(current, key=lambda page_id: position_of[page_id])
            if current == wanted:
                continue
            with transaction.atomic():
                parent = Page.objects.get(path=parent_path)
                for page_id in wanted:
                    Page.objects.get(pk=page_id).move(parent, pos="last-child")
            self.summary.reordered += 1
        self.tree.clear()

    # Mapping -------------------------------------------------------------------------------

    def load_mappings(self):
        """What earlier runs imported, by UID and by path (streamed into the registry)."""

        def rows():
            mappings = PloneItem.objects.values_list(
                "pk", "uid", "content_type_id", "object_id", "checksum", "path"
            )
            for pk, uid, content_type_id, object_id, digest, path in mappings.iterator(
                chunk_size=2000
            ):
                model = ContentType.objects.get_for_id(content_type_id).model_class()
                yield uid, Known(pk, model, object_id, digest, path)

        self.registry.add_known(rows())
        self.staged: list[tuple[str, Known]] = []

    def mapping(self, uid: str | None) -> "Known | None":
        return self.registry.known(uid)

    def mapped_object(self, known: "Known | None"):
        if known is None:
            return None
        if known.model is Page:
            return Page.objects.filter(pk=known.object_id).specific().first()
        return known.model.objects.filter(pk=known.object_id).first()

    def by_path(self, path: str) -> "Known | None":
        return self.mapping(self.registry.uid_at(path))

    def remember(self, item, outcome: Outcome, obj, digest: str, key: str | None = None):
        """Record what the item became; kept in memory once the item's transaction succeeds."""
        uid = key or outcome.uid
        model = Page if isinstance(obj, Page) else type(obj)
        values = {
            "portal_type": str(item.get("@type") or outcome.portal_type),
            "path": outcome.path if key in (None, outcome.uid) else f"{outcome.path}/image",
            "content_type": self.content_types[model],
            "object_id": obj.pk,
            "checksum": digest,
        }
        known = self.registry.known(uid)
        if known is not None and known.pk is not None:
            PloneItem.objects.filter(pk=known.pk).update(**values)
            pk = known.pk
        else:
            pk = PloneItem.objects.create(uid=uid, **values).pk
        self.staged.append((uid, Known(pk, model, obj.pk, digest, values["path"])))

    def commit_staged(self):
        if self.staged:
            self.registry.add_known(self.staged)
        self.staged = []

    def _collection(self) -> Collection:
        root = Collection.get_first_root_node()
        existing = root.get_children().filter(name="Import Plone").first()
        return existing or root.add_child(name="Import Plone")

    # Paths ---------------------------------------------------------------------------------

    def plone_path(self, url) -> str:
        if not isinstance(url, str) or not url:
            return ""
        return self.strip_site(unquote(urlsplit(url).path).rstrip("/")) or "/"

    def strip_site(self, path: str) -> str:
        if self.site_path and (path == self.site_path or path.startswith(self.site_path + "/")):
            path = path[len(self.site_path) :]
        return path.rstrip("/") or "/"


class ItemResolver:
    """Links and image sources of one item's text, to Wagtail pages, documents and images."""

    def __init__(self, importer: PloneImporter, item: dict):
        self.importer = importer
        self.base = str(item.get("@id") or "")
        self.pending = False

    def _target(self, href: str):
        importer = self.importer
        parts = urlsplit(href)
        if parts.scheme and parts.scheme not in ("http", "https"):
            return None
        if parts.netloc and parts.netloc != importer.host:
            return None
        match = RESOLVEUID.search(parts.path)
        if match:
            uid = match.group(1)
            target = importer.mapping(uid)
            if (
                target is None
                and importer.registry.in_export(uid)
                and uid not in importer.failed_uids
            ):
                return PENDING
            return target if target is not None else False
        if not parts.path:
            return None
        path = unquote(urlsplit(urljoin(self.base, href)).path)
        path = importer.strip_site(path)
        candidates = [path]
        stripped = VIEW_SUFFIX.sub("", path)
        if stripped != path:
            candidates.append(stripped)
        for candidate in candidates:
            target = importer.by_path(candidate)
            if target is not None:
                return target
        if any(importer.registry.has_path(candidate) for candidate in candidates):
            return PENDING
        return False

    def _resolve(self, href: str):
        target = self._target(href)
        if target is PENDING:
            if self.importer.final_pass:
                return False
            self.pending = True
        return target

    def link(self, href: str):
        target = self._resolve(href)
        if target is None or target is False:
            return None
        if target is PENDING:
            return PENDING
        if target.model is Page:
            return Link("page", str(target.object_id))
        if target.model is get_document_model():
            return Link("document", str(target.object_id))
        obj = self.importer.mapped_object(target)
        if isinstance(obj, Redirect):
            if obj.redirect_page_id:
                return Link("page", str(obj.redirect_page_id))
            return Link("url", obj.redirect_link)
        return Link("url", obj.file.url) if obj is not None else None  # an image: its file

    def image(self, src: str):
        target = self._resolve(src)
        if target is PENDING:
            return PENDING
        if target and target.model is get_image_model():
            return target.object_id
        return None


def _differs(page, name: str, value) -> bool:
    current = getattr(page, name)
    if name == "body":
        raw = list(current.raw_data) if current is not None else []
        return json.dumps(raw, sort_keys=True, default=str) != json.dumps(
            value, sort_keys=True, default=str
        )
    if hasattr(current, "pk") or hasattr(value, "pk"):
        return getattr(current, "pk", None) != getattr(value, "pk", None)
    return current != value


def _primary(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return (
            " ".join(
                f"{name} : {' '.join(str(m) for m in messages)}"
                if name != "__all__"
                else " ".join(messages)
                for name, messages in error.message_dict.items()
            )
            if hasattr(error, "error_dict")
            else " ".join(error.messages)
        )
    return str(error)
