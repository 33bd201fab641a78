"""What the import knows about the items, kept on disk rather than in memory.

For each item of the export: its UID (and where it first appears), its path, its position among
its siblings, the folders' default pages; for each item imported, now or by an earlier run, what
it became (a ``Known``). A few hundred bytes an item would add up on a large site: they go to a
temporary SQLite file instead (its page cache is bounded), so that the import's memory does not
grow with the export's size. Lookups cost microseconds, against milliseconds for an item.
"""

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps

BATCH = 1000

SCHEMA = """
CREATE TABLE item (uid TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE path (path TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE ordering (uid TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE known (
    uid TEXT PRIMARY KEY, pk INTEGER, model TEXT, object_id INTEGER, checksum TEXT, path TEXT
) WITHOUT ROWID;
CREATE TABLE known_path (path TEXT PRIMARY KEY, uid TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE default_page (folder TEXT PRIMARY KEY, page TEXT NOT NULL);
CREATE INDEX default_page_by_page ON default_page (page);
CREATE TABLE placed (page_id INTEGER PRIMARY KEY, parent TEXT, path TEXT, position INTEGER);
CREATE INDEX placed_by_parent ON placed (parent, path);
"""


@dataclass(frozen=True, slots=True)
class Known:
    """A Plone item imported earlier: its ``PloneItem`` row and the object it became."""

    pk: int | None
    model: type
    object_id: int
    checksum: str
    path: str


class ItemRegistry:
    def __init__(self):
        descriptor, self.filename = tempfile.mkstemp(prefix="plone-import-", suffix=".sqlite3")
        os.close(descriptor)
        self.db = sqlite3.connect(self.filename, isolation_level=None)
        self.db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -8000;"
            + SCHEMA
        )
        self.models: dict[str, type] = {}

    def close(self):
        self.db.close()
        os.unlink(self.filename)

    def _in_batches(self, rows: Iterable, write: Callable[[list], None]):
        """Write rows a batch at a time, each batch in a transaction (fast, bounded memory)."""
        for batch in batched(rows):
            self.db.execute("BEGIN")
            write(batch)
            self.db.execute("COMMIT")

    def _one(self, sql: str, *params):
        return self.db.execute(sql, params).fetchone()

    # The export ---------------------------------------------------------------------------

    def add_items(self, rows: Iterable[tuple[str, int, str]]):
        """(UID, position, path) of the export's items; a UID's first position counts."""

        def write(batch):
            items = [(uid, position) for uid, position, _path in batch if uid]
            self.db.executemany("INSERT OR IGNORE INTO item VALUES (?, ?)", items)
            paths = [(path,) for _uid, _position, path in batch if path]
            self.db.executemany("INSERT OR IGNORE INTO path VALUES (?)", paths)

        self._in_batches(rows, write)

    def rewrite_paths(self, rewrite: Callable[[str], str]):
        """The export's paths, rewritten (once the Plone site's own path is known)."""
        self.db.create_function("rewrite_path", 1, rewrite, deterministic=True)
        self.db.executescript(
            "BEGIN; CREATE TABLE rewritten (path TEXT PRIMARY KEY) WITHOUT ROWID;"
            "INSERT OR IGNORE INTO rewritten SELECT rewrite_path(path) FROM path;"
            "DROP TABLE path; ALTER TABLE rewritten RENAME TO path; COMMIT;"
        )

    def first_position(self, uid: str) -> int | None:
        row = self._one("SELECT position FROM item WHERE uid = ?", uid)
        return row[0] if row else None

    def in_export(self, uid: str | None) -> bool:
        return bool(uid) and self.first_position(uid) is not None

    def has_path(self, path: str) -> bool:
        return self._one("SELECT 1 FROM path WHERE path = ?", path) is not None

    # Folders' default pages -----------------------------------------------------------------

    def add_default_pages(self, rows: Iterable[tuple[str, str]]):
        """(folder's UID, its default page's UID)."""
        self._in_batches(
            rows,
            lambda b: self.db.executemany("INSERT OR REPLACE INTO default_page VALUES (?, ?)", b),
        )

    def has_default_page(self, folder_uid: str) -> bool:
        return self._one("SELECT 1 FROM default_page WHERE folder = ?", folder_uid) is not None

    def folder_of(self, page_uid: str) -> str | None:
        """The folder whose default page the item is, if any."""
        row = self._one("SELECT folder FROM default_page WHERE page = ? LIMIT 1", page_uid)
        return row[0] if row else None

    # Sibling order --------------------------------------------------------------------------

    def add_ordering(self, rows: Iterable[tuple[str, int]]):
        self._in_batches(
            rows, lambda b: self.db.executemany("INSERT OR REPLACE INTO ordering VALUES (?, ?)", b)
        )

    def has_ordering(self) -> bool:
        return self._one("SELECT 1 FROM ordering LIMIT 1") is not None

    def position(self, uid: str) -> int | None:
        row = self._one("SELECT position FROM ordering WHERE uid = ?", uid)
        return row[0] if row else None

    def place(self, rows: Iterable[tuple[int, str, str, int]]):
        """Pages to put in order: (page id, parent's path, path, position); a page placed twice
        (a folder and its default page) keeps its last position."""
        self._in_batches(
            rows,
            lambda b: self.db.executemany("INSERT OR REPLACE INTO placed VALUES (?, ?, ?, ?)", b),
        )

    def siblings(self) -> Iterator[tuple[str, list[tuple[str, int, int]]]]:
        """Per parent's path, its placed children (path, page id, position) in path order."""
        rows = self.db.execute(
            "SELECT parent, path, page_id, position FROM placed ORDER BY parent, path"
        )
        parent, children = None, []
        for row_parent, path, page_id, position in rows:
            if row_parent != parent:
                if children:
                    yield parent, children
                parent, children = row_parent, []
            children.append((path, page_id, position))
        if children:
            yield parent, children

    # What items became ---------------------------------------------------------------------

    def add_known(self, rows: Iterable[tuple[str, Known]]):
        """What items became (an earlier run's, or this run's once committed); a path's first
        item counts for it."""

        def write(batch):
            self.db.executemany(
                "INSERT OR REPLACE INTO known VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (uid, k.pk, k.model._meta.label_lower, k.object_id, k.checksum, k.path)
                    for uid, k in batch
                ],
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO known_path VALUES (?, ?)",
                [(k.path, uid) for uid, k in batch],
            )

        self._in_batches(rows, write)

    def known(self, uid: str | None) -> Known | None:
        if not uid:
            return None
        row = self._one("SELECT pk, model, object_id, checksum, path FROM known WHERE uid = ?", uid)
        if row is None:
            return None
        pk, label, object_id, checksum, path = row
        model = self.models.get(label)
        if model is None:
            model = self.models[label] = apps.get_model(label)
        return Known(pk, model, object_id, checksum, path)

    def uid_at(self, path: str) -> str | None:
        row = self._one("SELECT uid FROM known_path WHERE path = ?", path)
        return row[0] if row else None


def batched(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
