"""Optional antivirus: ClamAV's daemon (clamd), spoken to directly with its INSTREAM command.

Off unless ``CLAMD_SOCKET`` (a Unix socket) or ``CLAMD_HOST`` (and ``CLAMD_PORT``, 3310) is set.
When it is on, it fails closed: a daemon that cannot be reached, is too slow or answers
anything but "OK" refuses the document.
"""

import logging
import socket
import struct

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    pass


def is_enabled() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""))


def _connect() -> socket.socket:
    timeout = getattr(settings, "CLAMD_TIMEOUT", 30)
    if getattr(settings, "CLAMD_SOCKET", ""):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        conn.connect(settings.CLAMD_SOCKET)
        return conn
    return socket.create_connection(
        (settings.CLAMD_HOST, int(getattr(settings, "CLAMD_PORT", 3310))), timeout=timeout
    )


def scan(content: bytes) -> str | None:
    """The signature clamd found in ``content``, or None when it is clean.
    Raises ScannerUnavailable when clamd cannot give an answer."""
    try:
        with _connect() as conn:
            conn.sendall(b"zINSTREAM\0")
            for start in range(0, len(content), CHUNK):
                chunk = content[start : start + CHUNK]
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                data = conn.recv(4096)
                if not data:
                    break
                answer += data
    except OSError as error:
        raise ScannerUnavailable(str(error)) from error
    reply = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if reply.endswith(" FOUND"):
        return reply.removeprefix("stream:").removesuffix("FOUND").strip()
    if reply == "stream: OK":
        return None
    raise ScannerUnavailable(reply or "no answer")


def check(content: bytes):
    """Refuses (French ``ValidationError``) an infected document, or any document while a
    configured antivirus cannot answer. Does nothing when no antivirus is configured."""
    if not is_enabled():
        return
    try:
        signature = scan(content)
    except ScannerUnavailable as error:
        logger.error("Antivirus unavailable, document refused: %s", error)
        raise ValidationError(
            _(
                "L'analyse antivirus est momentanément indisponible : le document n'a pas pu "
                "être accepté. Réessayez dans quelques minutes."
            ),
            code="antivirus_unavailable",
        ) from None
    if signature:
        logger.warning("Antivirus refused a document: %s", signature)
        raise ValidationError(
            _("L'antivirus a détecté un contenu malveillant dans ce fichier : il est refusé."),
            code="infected",
        )
