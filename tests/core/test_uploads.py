"""Documents are checked on their whole content (core.uploads), then by ClamAV when it is
configured (core.antivirus, against a small clamd speaking the real protocol on a socket)."""

import io
import socketserver
import struct
import threading
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from core.uploads import DOCX, JPEG, ODT, PDF, PNG, check_document

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf(js=False, open_action=False, attachment=False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    if js:  # a document-level script, in the /Names tree
        names = ArrayObject([TextStringObject("bonjour"), writer._add_object(action)])
        tree = DictionaryObject({NameObject("/Names"): names})
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )
    if open_action:
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    if attachment:
        writer.add_attachment("programme.exe", b"MZ...")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, fmt)
    return out.getvalue()


def zip_of(entries: dict[str, bytes], *, stored=()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
DOCUMENT = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'


def docx(**extra) -> bytes:
    return zip_of({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": DOCUMENT, **extra})


def odt(**extra) -> bytes:
    return zip_of(
        {"mimetype": ODT.encode(), "content.xml": b"<office:document-content/>", **extra},
        stored={"mimetype"},
    )


def polyglot() -> bytes:
    """A real PDF that a browser would also render as a web page (markup in a PDF comment)."""
    body = pdf()
    header, rest = body.split(b"\n", 1)
    return header + b"\n%<html><body><script>alert(document.cookie)</script></body></html>\n" + rest


def check(name: str, content: bytes):
    return check_document(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("jugement.pdf", pdf(), PDF),
        ("photo.png", image("PNG"), PNG),
        ("photo.JPG", image("JPEG"), JPEG),
        ("courrier.docx", docx(), DOCX),
        ("courrier.odt", odt(), ODT),
    ],
)
def test_real_documents_are_accepted(name, content, expected):
    assert check(name, content) == expected


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.pdf", polyglot(), "code de page web"),
        ("page.html", b"<html></html>", "Type de fichier non accepté"),
        ("script.js", b"alert(1)", "Type de fichier non accepté"),
        ("sans-extension", pdf(), "Type de fichier non accepté"),
        ("script.pdf", b"#!/bin/sh\necho bonjour\n", "Type de fichier non accepté"),
        ("photo.pdf", image("PNG"), "ne correspond pas à son extension"),
        ("jugement.docx", pdf(), "ne correspond pas à son extension"),
        ("tronque.pdf", pdf()[:300], "PDF est illisible"),
        ("faux.pdf", b"%PDF-1.7\nrien d'autre\n", "PDF est illisible"),
        ("alerte.pdf", pdf(js=True), "contient du code"),
        ("ouverture.pdf", pdf(open_action=True), "contient du code"),
        ("piece-jointe.pdf", pdf(attachment=True), "contient du code"),
        # A fake .docx: a ZIP with the right names in its first bytes but no document.
        ("faux.docx", zip_of({"[Content_Types].xml": CONTENT_TYPES, "word/x.exe": b"MZ"}), "DOCX"),
        ("faux2.docx", b"PK\x03\x04" + b"word/[Content_Types].xml" + b"\x00" * 100, "DOCX"),
        ("macro.docx", docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "macros"),
        ("macro.odt", odt(**{"Basic/Standard/Module1.xml": b"<script/>"}), "macros"),
        ("faux.odt", zip_of({"content.xml": b"<x/>"}), "ODT"),
        ("tronque.png", image("PNG")[:60], "image est illisible"),
        ("tronque.jpg", image("JPEG")[:200], "image est illisible"),
    ],
)
def test_everything_else_is_refused_in_french(name, content, message):
    with pytest.raises(ValidationError) as refused:
        check(name, content)
    assert message in " ".join(refused.value.messages)


# --- ClamAV -----------------------------------------------------------------------------------


class FakeClamd(socketserver.BaseRequestHandler):
    """Answers INSTREAM as clamd does: EICAR anywhere in the stream is a virus."""

    def handle(self):
        command = b""
        while not command.endswith(b"\0"):
            command += self.request.recv(1)
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            (size,) = struct.unpack("!L", self.recv_exactly(4))
            if size == 0:
                break
            data += self.recv_exactly(size)
        answer = b"stream: Eicar-Test-Signature FOUND" if EICAR in data else b"stream: OK"
        self.request.sendall(answer + b"\0")

    def recv_exactly(self, size):
        data = b""
        while len(data) < size:
            data += self.request.recv(size - len(data))
        return data


@pytest.fixture
def clamd(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeClamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST, settings.CLAMD_PORT = server.server_address
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def clamd_socket(settings, tmp_path):
    path = str(tmp_path / "clamd.sock")
    server = socketserver.ThreadingUnixStreamServer(path, FakeClamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMD_HOST = ""
    settings.CLAMD_SOCKET = path
    yield server
    server.shutdown()
    server.server_close()


def infected_docx() -> bytes:
    return zip_of(
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": DOCUMENT, "eicar.com": EICAR},
        stored={"eicar.com"},
    )


def test_clamav_refuses_eicar_and_accepts_clean_documents(clamd):
    assert check("courrier.docx", docx()) == DOCX
    with pytest.raises(ValidationError) as refused:
        check("courrier.docx", infected_docx())
    assert "contenu malveillant" in refused.value.messages[0]


def test_clamav_over_a_unix_socket(clamd_socket):
    assert check("jugement.pdf", pdf()) == PDF
    with pytest.raises(ValidationError):
        check("courrier.docx", infected_docx())


def test_a_configured_but_unreachable_clamav_refuses_every_document(settings):
    with socketserver.TCPServer(("127.0.0.1", 0), FakeClamd) as closed:
        port = closed.server_address[1]  # nobody listens there once closed
    settings.CLAMD_SOCKET, settings.CLAMD_HOST, settings.CLAMD_PORT = "", "127.0.0.1", port
    with pytest.raises(ValidationError) as refused:
        check("jugement.pdf", pdf())
    assert "antivirus est momentanément indisponible" in refused.value.messages[0]


def test_without_clamav_nothing_is_scanned(settings):
    settings.CLAMD_SOCKET = settings.CLAMD_HOST = ""
    assert check("courrier.docx", infected_docx()) == DOCX
