"""The files of a collective.exportimport export, read as a stream.

``PATH`` is the content list itself (a JSON file) or a folder holding it, named ``content.json``
or after the exported site (``Plone.json``), beside the other exports under their short names
(``ordering.json``, ``defaultpages.json``, ``redirects.json``) or the names collective.exportimport
gives them (``export_ordering.json``…), and the blob folder (``blobs/`` or ``blobstorage/``) that
``blob_path`` values are relative to.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ijson

# Exports of collective.exportimport that are not the content list.
OTHER_EXPORTS = {
    "ordering",
    "defaultpages",
    "redirects",
    "relations",
    "localroles",
    "members",
    "translations",
    "discussion",
    "portlets",
}


class ExportError(Exception):
    """The export cannot be read at all (missing or malformed file): nothing is imported."""


@dataclass
class Export:
    content: Path
    ordering: Path | None = None
    defaultpages: Path | None = None
    redirects: Path | None = None
    blobs: Path | None = None

    @classmethod
    def locate(cls, path: Path, blobs: Path | None = None) -> "Export":
        if path.is_file():
            folder = path.parent
            content = path
        elif path.is_dir():
            folder = path
            content = _content_file(path)
        else:
            raise ExportError(f"Aucun fichier ni dossier à l'emplacement {path}.")
        found = {name: _other(folder, name) for name in ("ordering", "defaultpages", "redirects")}
        if blobs is None:
            blobs = next(
                (folder / name for name in ("blobs", "blobstorage") if (folder / name).is_dir()),
                None,
            )
        elif not blobs.is_dir():
            raise ExportError(f"Le dossier des blobs {blobs} n'existe pas.")
        return cls(content=content, blobs=blobs, **found)

    def items(self) -> Iterator[dict]:
        """The content items, one at a time (the file is never loaded whole)."""
        with self.content.open("rb") as stream:
            try:
                yield from ijson.items(stream, "item", use_float=True)
            except ijson.JSONError as error:
                raise ExportError(
                    f"{self.content.name} n'est pas un JSON valide (une liste d'éléments est "
                    f"attendue) : {error}"
                ) from error

    def ordering_entries(self) -> Iterator[tuple[str, int]]:
        """(Plone UID, position among its siblings), one at a time (``[{"uuid", "order"}]``)."""
        for entry in self._stream(self.ordering, "start_array", "une liste est attendue"):
            if isinstance(entry, dict) and entry.get("uuid") and entry.get("order") is not None:
                yield str(entry["uuid"]), int(entry["order"])

    def default_page_entries(self) -> Iterator[tuple[str, str]]:
        """(folder UID, UID of its default page), one at a time
        (``[{"uuid", "default_page_uuid", …}]``)."""
        for entry in self._stream(self.defaultpages, "start_array", "une liste est attendue"):
            if isinstance(entry, dict) and entry.get("uuid") and entry.get("default_page_uuid"):
                yield str(entry["uuid"]), str(entry["default_page_uuid"])

    def redirect_entries(self) -> Iterator[tuple[str, str]]:
        """(old path, new path), both with the Plone site's id, one at a time
        (``{old_path: new_path}``)."""
        expected = "un objet {ancien chemin: nouveau} est attendu"
        for old, new in self._stream(self.redirects, "start_map", expected):
            if isinstance(new, str):
                yield str(old), new

    @staticmethod
    def _stream(path: Path | None, start: str, expected: str) -> Iterator:
        """The entries of a list, or the (key, value) pairs of an object, one at a time."""
        if path is None:
            return
        with path.open("rb") as stream:
            try:
                first = next(ijson.parse(stream), ("", "", None))
                if first[1] != start:
                    raise ExportError(f"{path.name} : {expected}.")
                stream.seek(0)
                if start == "start_map":
                    yield from ijson.kvitems(stream, "", use_float=True)
                else:
                    yield from ijson.items(stream, "item", use_float=True)
            except ijson.JSONError as error:
                raise ExportError(f"{path.name} n'est pas un JSON valide : {error}") from error


def _other(folder: Path, name: str) -> Path | None:
    for candidate in (folder / f"{name}.json", folder / f"export_{name}.json"):
        if candidate.is_file():
            return candidate
    return None


def _content_file(folder: Path) -> Path:
    if (folder / "content.json").is_file():
        return folder / "content.json"
    candidates = [
        path
        for path in sorted(folder.glob("*.json"))
        if path.stem.removeprefix("export_") not in OTHER_EXPORTS
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ExportError(f"Aucune liste de contenus (content.json ou Plone.json) dans {folder}.")
    names = ", ".join(path.name for path in candidates)
    raise ExportError(
        f"Plusieurs listes de contenus possibles dans {folder} ({names}) : indiquez le fichier."
    )
