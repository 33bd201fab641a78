"""Encrypted backups: the PostgreSQL database (``pg_dump``) and the private files (referral
attachments, storage "private") in one archive, restored by ``manage.py restore``.

The archive is a tar (``manifest.json``, ``database.dump`` in pg_dump's custom format,
``private/…`` the files) encrypted with ``BACKUP_ENCRYPTION_KEY`` (a Fernet key) in chunks, so
that neither writing nor reading needs the whole archive in memory::

    ILOTBACKUP1\\n  then, per chunk: 4-byte big-endian length, Fernet token of
                   (8-byte chunk number, 1-byte "last chunk" flag, up to 4 MiB of tar)

Each chunk is authenticated; its number and the "last" flag make a reordered, shortened or
spliced archive fail to decrypt. The key never goes in the archive: keep it apart from the
backups (a password manager, the host's secret store)."""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import tarfile
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import connections
from django.utils import timezone

MAGIC = b"ILOTBACKUP1\n"
CHUNK = 4 * 1024 * 1024
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message is for the operator (French)."""


def _fernet() -> Fernet:
    key = settings.BACKUP_ENCRYPTION_KEY
    try:
        return Fernet(key)
    except ValueError:
        raise ImproperlyConfigured(
            "BACKUP_ENCRYPTION_KEY doit être une clé Fernet (32 octets en base64) : "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"'
        ) from None


# --- encryption of a stream ------------------------------------------------------------------


def encrypt_file(source: Path, target: Path) -> None:
    fernet = _fernet()
    with source.open("rb") as plain, target.open("wb") as out:
        out.write(MAGIC)
        number = 0
        data = plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK)
            last = not following
            token = fernet.encrypt(struct.pack(">Q?", number, last) + data)
            out.write(struct.pack(">I", len(token)) + token)
            if last:
                return
            data, number = following, number + 1


def decrypt_file(source: Path, target: Path) -> None:
    fernet = _fernet()
    with source.open("rb") as encrypted, target.open("wb") as out:
        if encrypted.read(len(MAGIC)) != MAGIC:
            raise BackupError("Ce fichier n'est pas une sauvegarde du portail.")
        number = 0
        while True:
            header = encrypted.read(4)
            if len(header) != 4:
                raise BackupError("Sauvegarde tronquée : la fin de l'archive manque.")
            token = encrypted.read(struct.unpack(">I", header)[0])
            try:
                plain = fernet.decrypt(token)
            except InvalidToken:
                raise BackupError(
                    "Impossible de déchiffrer la sauvegarde : mauvaise clé "
                    "(BACKUP_ENCRYPTION_KEY) ou archive altérée."
                ) from None
            found, last = struct.unpack(">Q?", plain[:9])
            if found != number:
                raise BackupError("Sauvegarde altérée : morceaux dans le désordre.")
            out.write(plain[9:])
            if last:
                if encrypted.read(1):
                    raise BackupError("Sauvegarde altérée : données après la fin.")
                return
            number += 1


# --- database --------------------------------------------------------------------------------


def _pg_arguments() -> tuple[list[str], dict]:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("La sauvegarde ne prend en charge que PostgreSQL (DATABASE_URL).")
    arguments = ["--dbname", database["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            arguments += [option, str(database[key])]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return arguments, env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {result.stderr.strip()[:2000]}")


def dump_database(target: Path) -> None:
    arguments, env = _pg_arguments()
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            *arguments,
        ],
        env,
    )


def restore_database(dump: Path) -> None:
    """Replace every table of the database by the dump's (the journal's append-only trigger
    only refuses UPDATE and DELETE of rows: dropping and reloading the table is not one)."""
    connections.close_all()
    arguments, env = _pg_arguments()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *arguments,
            str(dump),
        ],
        env,
    )
    connections.close_all()


# --- private files ---------------------------------------------------------------------------


def _walk(storage, directory=""):
    directories, files = storage.listdir(directory)
    for name in files:
        yield f"{directory}/{name}" if directory else name
    for sub in directories:
        yield from _walk(storage, f"{directory}/{sub}" if directory else sub)


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(block)
    return digest.hexdigest()


def _sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return _sha256(handle)


# --- the archive -----------------------------------------------------------------------------


def backup(output: Path) -> dict:
    """Write an encrypted archive of the database and the private files to `output`;
    return its manifest."""
    _fernet()  # fail before any work without a key
    storage = storages["private"]
    with tempfile.TemporaryDirectory(prefix="ilot-backup-") as work:
        work = Path(work)
        dump = work / "database.dump"
        dump_database(dump)
        files = {}
        archive = work / "backup.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(dump, arcname="database.dump")
            for name in sorted(_walk(storage)):
                with storage.open(name, "rb") as handle:
                    files[name] = _sha256(handle)
                    handle.seek(0)
                    info = tarfile.TarInfo(f"private/{name}")
                    info.size = storage.size(name)
                    tar.addfile(info, handle)
            manifest = {
                "format": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(),
                "database_sha256": _sha256_of(dump),
                "files": files,
            }
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            with tempfile.TemporaryFile() as handle:
                handle.write(data)
                handle.seek(0)
                tar.addfile(info, handle)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partiel")
        encrypt_file(archive, partial)
        partial.replace(output)
    return manifest


def restore(archive_path: Path) -> dict:
    """Restore the database and the private files from an archive made by `backup`; return
    its manifest. Everything is checked (key, integrity, digests) before anything changes."""
    storage = storages["private"]
    with tempfile.TemporaryDirectory(prefix="ilot-restore-") as work:
        work = Path(work)
        archive = work / "backup.tar"
        decrypt_file(archive_path, archive)
        extracted = work / "contenu"
        with tarfile.open(archive, "r") as tar:
            tar.extractall(extracted, filter="data")
        manifest = json.loads((extracted / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError("Format de sauvegarde inconnu.")
        dump = extracted / "database.dump"
        if _sha256_of(dump) != manifest["database_sha256"]:
            raise BackupError("Sauvegarde altérée : la base ne correspond pas au manifeste.")
        for name, digest in manifest["files"].items():
            path = extracted / "private" / name
            if not path.is_file() or _sha256_of(path) != digest:
                raise BackupError(f"Sauvegarde altérée : fichier {name!r} manquant ou modifié.")
        restore_database(dump)
        for name in manifest["files"]:
            if storage.exists(name):
                storage.delete(name)
            with (extracted / "private" / name).open("rb") as handle:
                saved = storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError(f"Le fichier {name!r} n'a pas pu être remis à sa place.")
        shutil.rmtree(extracted, ignore_errors=True)
    return manifest
