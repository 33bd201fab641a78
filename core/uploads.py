"""Documents people upload, checked on their whole content before anything keeps them.

The extension says what the file claims to be; the whole content must then *be* that: a PDF
that parses with no JavaScript, no launch action and no embedded file; a DOCX or an ODT that is a
well-formed ZIP with the expected parts and no macro; an image that decodes. A file that starts
like a web page (a PDF/HTML polyglot) is refused whatever it claims. Then, when ClamAV is
configured, the antivirus (core.antivirus). Every refusal is a French ``ValidationError``.
"""

import io
import re
import zipfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from . import antivirus

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPES_BY_EXTENSION = {
    ".pdf": PDF,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".png": PNG,
    ".odt": ODT,
    ".docx": DOCX,
}
# What a file's first bytes say it is, to tell a mismatched extension from a broken file.
SIGNATURES = {b"%PDF-": PDF, b"\xff\xd8\xff": JPEG, b"\x89PNG\r\n\x1a\n": PNG, b"PK\x03\x04": "zip"}
# Browsers sniff the first bytes for HTML: a document holding markup there is a polyglot.
SNIFF_WINDOW = 1024
HTML_MARKERS = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|meta|a\s|img\s)", re.I
)
# PDF names that run code, launch programs, carry files or forms that can script.
PDF_ACTIVE_KEYS = {
    "/JS",
    "/JavaScript",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/Launch",
    "/RichMedia",
    "/XFA",
}
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"}
MAX_PDF_OBJECTS = 200_000
# ZIP containers: at most this much once uncompressed (zip bombs), and no macro.
MAX_UNZIPPED_SIZE = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 5_000


def refuse(message):
    raise ValidationError(message, code="invalid_document")


def accepted_types_message() -> str:
    return _("Type de fichier non accepté : seuls PDF, JPEG, PNG, ODT et DOCX le sont.")


def check_document(upload) -> str:
    """The checked file's MIME type; ``ValidationError`` (French) when it is refused."""
    extension = Path(upload.name or "").suffix.lower()
    expected = TYPES_BY_EXTENSION.get(extension)
    if expected is None:
        refuse(accepted_types_message())
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    if not content:
        refuse(_("Le fichier est vide."))
    if HTML_MARKERS.search(content[:SNIFF_WINDOW]):
        refuse(_("Ce fichier contient du code de page web : il est refusé."))
    found = next((kind for sig, kind in SIGNATURES.items() if content.startswith(sig)), None)
    if found is None:
        refuse(accepted_types_message())
    if found != (expected if expected in (PDF, JPEG, PNG) else "zip"):
        refuse(
            _("Le contenu du fichier ne correspond pas à son extension « %(ext)s ».")
            % {"ext": extension}
        )
    CHECKS[expected](content)
    antivirus.check(content)
    return expected


# --- PDF --------------------------------------------------------------------------------------


def _active_parts(value, depth=0):
    """Names of active content in one PDF object (its direct dictionaries and arrays)."""
    if depth > 50:
        return
    if isinstance(value, DictionaryObject):
        for key, item in value.items():
            if key in PDF_ACTIVE_KEYS:
                yield key
            if key == "/S" and isinstance(item, NameObject) and item in PDF_ACTIVE_ACTIONS:
                yield str(item)
            if key == "/Subtype" and item == "/FileAttachment":
                yield "/FileAttachment"
            if not isinstance(item, IndirectObject):
                yield from _active_parts(item, depth + 1)
    elif isinstance(value, ArrayObject):
        for item in value:
            if not isinstance(item, IndirectObject):
                yield from _active_parts(item, depth + 1)


def _pdf_objects(reader: PdfReader):
    """Every object of the file: the trailer and each numbered object, those of object
    streams included (pypdf decodes escaped names such as ``/J#61vaScript``)."""
    yield reader.trailer
    numbers = {(num, gen) for gen, nums in reader.xref.items() for num in nums}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    if len(numbers) > MAX_PDF_OBJECTS:
        refuse(_("Ce PDF est trop complexe pour être vérifié."))
    for num, gen in sorted(numbers):
        yield IndirectObject(num, gen, reader).get_object()


def check_pdf(content: bytes):
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            refuse(_("Les PDF protégés par un mot de passe ne sont pas acceptés."))
        if len(reader.pages) == 0:
            refuse(_("Ce PDF n'a aucune page."))
        for obj in _pdf_objects(reader):
            if next(_active_parts(obj), None):
                refuse(
                    _(
                        "Ce PDF contient du code (JavaScript), une action automatique ou un "
                        "fichier joint : il est refusé. Imprimez-le en PDF puis déposez cette "
                        "copie."
                    )
                )
    except ValidationError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        refuse(_("Ce PDF est illisible ou endommagé."))


# --- DOCX and ODT -----------------------------------------------------------------------------


def _open_zip(content: bytes, label: str) -> zipfile.ZipFile:
    broken = _("Ce fichier %(type)s est endommagé ou n'en est pas un.") % {"type": label}
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNZIPPED_SIZE:
            refuse(broken)
        if archive.testzip() is not None:  # reads every entry and checks its CRC
            refuse(broken)
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        refuse(broken)
    return archive


def _refuse_macros(names: list[str]):
    lowered = [name.lower() for name in names]
    if any(
        name.endswith("vbaproject.bin")
        or name.startswith(("basic/", "scripts/", "word/activex/"))
        or "/vbaproject" in name
        for name in lowered
    ):
        refuse(_("Ce document contient des macros : il est refusé. Enregistrez-le sans macro."))


def check_docx(content: bytes):
    archive = _open_zip(content, "DOCX")
    names = archive.namelist()
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        refuse(_("Ce fichier %(type)s est endommagé ou n'en est pas un.") % {"type": "DOCX"})
    content_types = archive.read("[Content_Types].xml").lower()
    if b"macroenabled" in content_types or b"vbaproject" in content_types:
        _refuse_macros(["vbaProject.bin"])
    _refuse_macros(names)


def check_odt(content: bytes):
    archive = _open_zip(content, "ODT")
    entries = archive.infolist()
    if (
        not entries
        or entries[0].filename != "mimetype"
        or archive.read("mimetype").strip() != ODT.encode()
        or "content.xml" not in archive.namelist()
    ):
        refuse(_("Ce fichier ODT est endommagé ou n'en est pas un."))
    _refuse_macros(archive.namelist())


# --- images -----------------------------------------------------------------------------------


def _check_image(content: bytes, fmt: str):
    unreadable = _("Cette image est illisible ou endommagée.")
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != fmt:
                refuse(unreadable)
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()  # decodes every pixel
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        refuse(unreadable)


CHECKS = {
    PDF: check_pdf,
    JPEG: lambda content: _check_image(content, "JPEG"),
    PNG: lambda content: _check_image(content, "PNG"),
    DOCX: check_docx,
    ODT: check_odt,
}
