"""What makes the import fast: the tree kept in memory, and Wagtail's bookkeeping done in bulk.

Each item is still imported in its own transaction (a broken item is rolled back alone), but
what Wagtail does at every save is left out of those transactions:

* ``Tree``: the pages the import adds children to, with their children's slugs and last path,
  so that adding a page costs its own inserts and the parent's ``numchild``, not treebeard's
  locking, re-reading and Wagtail's slug and locale queries;
* ``Deferred``: the search index, the reference index (Wagtail enqueues a task per saved object),
  the pages' history ("created" entries) and the purge of the cached public pages, done for what
  the committed items saved, a chunk at a time, every ``FLUSH_EVERY`` items and at the end;
* ``fast_commits``: PostgreSQL does not wait for each item's commit to reach the disk.
"""

import contextlib
import importlib
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.utils import timezone
from modelcluster.models import get_all_child_relations
from modelsearch import index as search_index
from modelsearch.backends import get_search_backends
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, PageLogEntry, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from ..signals import public_pages_purged_once

FLUSH_EVERY = 1000  # committed items between two flushes of the deferred work
CHUNK = 500  # objects read at a time when flushing
TREE_SLOTS = 64  # parent pages kept in memory


@contextlib.contextmanager
def fast_commits():
    """PostgreSQL's asynchronous commit for the import's session (one flush of the WAL per
    batch of commits instead of one per item).

    A crash of the database server may lose the last few commits, never half of one: the next
    run imports again what is missing (items are found by UID), and the report is written only
    when the import ends.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        (previous,) = cursor.fetchone()
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('synchronous_commit', %s, false)", [previous])


# The tree -----------------------------------------------------------------------------------


@dataclass
class Slot:
    """A parent page, its children (ids, and slug → id) and its last child's path."""

    page: Page
    slugs: dict[str, int] = field(default_factory=dict)
    page_ids: set[int] = field(default_factory=set)
    last_path: str | None = None

    def has_child(self, page_id: int) -> bool:
        return page_id in self.page_ids

    def free_slug(self, slug: str, exclude: int | None = None) -> str:
        candidate, number = slug, 2
        while self.slugs.get(candidate, exclude) != exclude:
            candidate = f"{slug}-{number}"
            number += 1
        return candidate

    def added(self, page: Page):
        self.slugs[page.slug] = page.pk
        self.page_ids.add(page.pk)
        self.last_path = max(self.last_path or "", page.path)
        self.page.numchild += 1


class Tree:
    """The parent pages the import adds to, the most recent ``TREE_SLOTS`` of them.

    A slot is read from the database once (two queries), then kept up to date by the import
    itself, only once the item that added a page is committed. Anything else that changes the
    tree (a move, a failed item, a page added by someone else meanwhile, which makes the next
    insertion fail on the unique path) empties the cache.
    """

    def __init__(self, size: int = TREE_SLOTS):
        self.size = size
        self.slots: OrderedDict[int, Slot] = OrderedDict()

    def slot(self, page_id: int) -> Slot | None:
        slot = self.slots.get(page_id)
        if slot is not None:
            self.slots.move_to_end(page_id)
            return slot
        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            return None
        children = Page.objects.filter(
            path__startswith=page.path, depth=page.depth + 1
        ).values_list("slug", "pk", "path")
        slot = Slot(page)
        for slug, pk, path in children.order_by("path"):
            slot.slugs.setdefault(slug, pk)
            slot.page_ids.add(pk)
            slot.last_path = path
        self.slots[page_id] = slot
        if len(self.slots) > self.size:
            self.slots.popitem(last=False)
        return slot

    def clear(self):
        self.slots.clear()

    def add_child(self, slot: Slot, page: Page, on_commit: list):
        """Insert ``page`` as the last child of the slot's page (what treebeard's ``add_child``
        and Wagtail's ``save`` do, without their queries), validated as Wagtail would."""
        parent = slot.page
        page.slug = slot.free_slug(page.slug)
        page.depth = parent.depth + 1
        if slot.last_path is None:
            page.path = Page._get_path(parent.path, page.depth, 1)
        else:
            page.path = Page(path=slot.last_path)._inc_path()
        if len(page.path) > Page._meta.get_field("path").max_length:
            raise ValueError("arborescence trop profonde")
        page.numchild = 0
        if page.locale_id is None:
            page.locale_id = parent.locale_id
        page.draft_title = page.draft_title or page.title
        page._cached_parent_obj = parent  # Page.save() reads it for the url_path
        page._is_site_root = False  # a new page is no site's root: no query to ask
        validate_new_page(page)
        # Page.save() without its savepoint (two round trips): the item's transaction is one,
        # and a new page has no descendants whose paths the savepoint would keep consistent.
        # History ("created" entries): Deferred.
        Page.save.__wrapped__(page, clean=False, log_action=None)
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
        on_commit.append(lambda: slot.added(page))


def validate_new_page(page: Page):
    """What ``Page.save()`` validates, less its queries: a live page is fully validated (fields
    and ``clean()``), a draft only its title, as Wagtail does. The slug is free among the siblings
    (``Slot.free_slug``); foreign keys are the importer's own and checked by the database at
    commit; the path is unique by construction."""
    if not page.live:
        page.title = page._meta.get_field("title").clean(page.title, page)
        return
    relations = [f.name for f in page._meta.concrete_fields if f.is_relation]
    page._check_slug_is_unique = _slug_already_free
    try:
        page.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    finally:
        del page._check_slug_is_unique


def _slug_already_free():
    """``Page.clean()``'s sibling-slug check, already done by ``Slot.free_slug``."""


# Deferred work ------------------------------------------------------------------------------


class Deferred:
    """Wagtail's bookkeeping of what the committed items saved, done in bulk."""

    def __init__(self, dry_run: bool = False):
        self.dry_run = dry_run  # nothing to index or log: everything is rolled back
        self.indexed: dict[type, set[int]] = {}
        self.referenced: dict[type, set[int]] = {}
        self.created_pages: list[tuple[int, int, str]] = []  # page id, content type id, title
        self.committed = 0
        self.search_models = [
            model
            for model in search_index.get_indexed_models()
            if getattr(model, "search_auto_update", True)
        ]

    @contextlib.contextmanager
    def active(self) -> Iterator["Deferred"]:
        """Wagtail's per-save handlers replaced by notes; the notes flushed at the end, even
        when the import stops on an error (what was committed is indexed)."""
        for model in self.search_models:
            post_save.disconnect(post_save_signal_handler, sender=model)
        post_save.connect(self.note, dispatch_uid="plone-import-deferred")
        try:
            with disable_reference_index_auto_update(), public_pages_purged_once():
                try:
                    yield self
                finally:
                    self.flush()
        finally:
            post_save.disconnect(dispatch_uid="plone-import-deferred")
            for model in self.search_models:
                post_save.connect(post_save_signal_handler, sender=model)

    def note(self, sender, instance, raw=False, **kwargs):
        if raw:
            return
        self.touched(instance)

    def touched(self, instance):
        model = type(instance)
        if search_index.class_is_indexed(model) and model in self.search_models:
            self.indexed.setdefault(model, set()).add(instance.pk)
        if ReferenceIndex.is_indexed(model):
            self.referenced.setdefault(model, set()).add(instance.pk)

    def page_created(self, page: Page):
        content_type = ContentType.objects.get_for_model(page, for_concrete_model=False)
        self.created_pages.append((page.pk, content_type.pk, page.title))

    def item_committed(self):
        self.committed += 1
        if self.committed % FLUSH_EVERY == 0:
            self.flush()

    def flush(self):
        """Index, reference and log what was noted (objects since deleted or rolled back are
        simply not found)."""
        if not (self.indexed or self.referenced or self.created_pages):
            return
        indexed, referenced, created = self.indexed, self.referenced, self.created_pages
        self.indexed, self.referenced, self.created_pages = {}, {}, []
        if self.dry_run:
            return
        with transaction.atomic():
            for model in {*indexed, *referenced}:
                pks = sorted(indexed.get(model, set()) | referenced.get(model, set()))
                for start in range(0, len(pks), CHUNK):
                    self._flush_chunk(
                        model,
                        pks[start : start + CHUNK],
                        index=model in indexed,
                        reference=model in referenced,
                    )
            existing = set(
                Page.objects.filter(pk__in=[page_id for page_id, _ct, _t in created]).values_list(
                    "pk", flat=True
                )
            )
            now = timezone.now()
            PageLogEntry.objects.bulk_create(
                PageLogEntry(
                    content_type_id=content_type_id,
                    page_id=page_id,
                    label=title,
                    action="wagtail.create",
                    timestamp=now,
                    uuid=uuid.uuid4(),
                    content_changed=True,
                )
                for page_id, content_type_id, title in created
                if page_id in existing
            )

    def _flush_chunk(self, model, pks: list[int], *, index: bool, reference: bool):
        queryset = model.get_indexed_objects() if index else model._default_manager.all()
        if reference:
            relations = [rel.get_accessor_name() for rel in get_all_child_relations(model)]
            queryset = queryset.prefetch_related(*relations)
        objects = list(queryset.filter(pk__in=pks))
        if not objects:
            return
        if index:
            with search_fields_read_once():
                for backend in get_search_backends(with_auto_update=True):
                    backend.add_bulk(model, objects)
        if reference:
            update_references(model, objects)


@contextlib.contextmanager
def search_fields_read_once():
    """modelsearch's PostgreSQL indexer reads each search field of an object five times (for the
    title, the body, the autocompletion and their plain texts), extracting the text of every
    rich text block each time; while the import indexes, each field is read once per object.
    (Nothing changes if modelsearch's internals are not the expected ones.)"""
    try:
        module = importlib.import_module("modelsearch.backends.database.postgres.postgres")
        original = module.ObjectIndexer
        original.prepare_field  # noqa: B018 (the method memoised below)
    except (ImportError, AttributeError):
        yield
        return

    class Indexer(original):
        def prepare_field(self, obj, field):
            read = self.__dict__.setdefault("_read_once", {})
            key = (id(obj), id(field))
            if key not in read:
                read[key] = list(super().prepare_field(obj, field))
            return iter(read[key])

    module.ObjectIndexer = Indexer
    try:
        yield
    finally:
        module.ObjectIndexer = original


def update_references(model, objects: list):
    """``ReferenceIndex.create_or_update_for_object()`` for many objects of one model at once:
    three queries instead of two per object."""
    content_types = [
        ContentType.objects.get_for_model(cls, for_concrete_model=False)
        for cls in [model, *model._meta.get_parent_list()]
    ]
    content_type, base_content_type = content_types[0], content_types[-1]
    own_types = {ct.pk for ct in content_types}
    found = {
        str(obj.pk): set(ReferenceIndex._extract_references_from_object(obj)) for obj in objects
    }
    existing = ReferenceIndex.objects.filter(
        base_content_type=base_content_type, object_id__in=list(found)
    ).values_list(
        "pk",
        "content_type_id",
        "object_id",
        "to_content_type_id",
        "to_object_id",
        "model_path",
        "content_path",
    )
    stale = []
    for pk, content_type_id, object_id, *reference in existing:
        reference = tuple(reference)
        if reference in found[object_id]:
            found[object_id].discard(reference)  # already there
        elif content_type_id in own_types:  # a subclass's references are left alone
            stale.append(pk)
    ReferenceIndex.objects.filter(pk__in=stale).delete()
    ReferenceIndex.objects.bulk_create(
        [
            ReferenceIndex(
                content_type=content_type,
                base_content_type=base_content_type,
                object_id=object_id,
                to_content_type_id=to_content_type_id,
                to_object_id=to_object_id,
                model_path=model_path,
                content_path=content_path,
                content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
            )
            for object_id, references in found.items()
            for to_content_type_id, to_object_id, model_path, content_path in references
        ],
        ignore_conflicts=True,
    )


# Redirects ----------------------------------------------------------------------------------


def insert_missing_redirects(old_paths: list[str], *, page_id: int | None, link: str) -> int:
    """Redirects (for every site) from those of ``old_paths`` that have none yet, in one
    statement instead of a query for the existing ones and an insert; the number created."""
    if not old_paths:
        return 0
    template = Redirect(old_path="", site=None, redirect_page_id=page_id, redirect_link=link)
    quote = connection.ops.quote_name
    table = quote(Redirect._meta.db_table)
    columns, values, params = [], [], []
    for model_field in Redirect._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(quote(model_field.column))
        if model_field.name == "old_path":
            values.append("paths.old_path")
        else:
            values.append("%s")
            value = model_field.pre_save(template, add=True)
            params.append(model_field.get_db_prep_save(value, connection))
    paths = " UNION ALL ".join(["SELECT %s AS old_path"] * len(old_paths))
    old_path, site = quote("old_path"), quote(Redirect._meta.get_field("site").column)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM ({paths}) AS paths WHERE NOT EXISTS (SELECT 1 FROM {table} AS existing "
        f"WHERE existing.{old_path} = paths.old_path AND existing.{site} IS NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *old_paths])
        return cursor.rowcount
