"""`manage.py backup` and `manage.py restore` (portal/backup.py): a real pg_dump and pg_restore
of the test database and the private files, encrypted; the round trip gives back the referrals,
their history, the access journal (append-only by a trigger) and the documents."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection

from portal import backup
from referrals import journal, workflow
from referrals.choices import Action
from referrals.models import AccessLog, Attachment, Referral, ReferralEvent
from tests.browser.conftest import ensure_site_tree
from tests.factories import MembershipFactory
from tests.referrals.factories import EstablishmentFactory, ReferralFactory, actor

pytestmark = pytest.mark.django_db(transaction=True)

KEY = Fernet.generate_key().decode()


@pytest.fixture
def key(settings):
    settings.BACKUP_ENCRYPTION_KEY = KEY
    return KEY


@pytest.fixture(autouse=True)
def _site_tree():
    """The page tree the migrations make and a transactional test's flush removes."""
    ensure_site_tree()


@pytest.fixture(autouse=True)
def _empty_private_storage():
    """The in-memory private storage outlives each test: start from an empty one, so that the
    archive holds this round trip's documents only."""
    storage = storages["private"]
    for name in list(backup._walk(storage)):
        storage.delete(name)


def _document(referral, partner, name, content):
    attachment = Attachment(
        referral=referral,
        kind="decision",
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        uploaded_by=partner.user,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def _state():
    """Everything the round trip must give back, as plain values."""
    return {
        "referrals": list(Referral.objects.order_by("pk").values()),
        "events": list(ReferralEvent.objects.order_by("pk").values()),
        "journal": list(AccessLog.objects.order_by("pk").values()),
        "attachments": list(Attachment.objects.order_by("pk").values()),
        "files": {
            attachment.file.name: attachment.file.open("rb").read()
            for attachment in Attachment.objects.all()
        },
    }


def _world():
    partner = MembershipFactory()
    target = EstablishmentFactory()
    submitted = ReferralFactory(membership=partner, target=target, submitted=True)
    draft = ReferralFactory(membership=partner, target=target)
    _document(submitted, partner, "jugement.pdf", b"%PDF-1.4 jugement")
    _document(submitted, partner, "attestation.pdf", b"%PDF-1.4 attestation \x00\xff")
    journal.record(actor(partner), AccessLog.Action.VIEW, submitted)
    journal.record(actor(partner), AccessLog.Action.LIST, None, references=[submitted.reference])
    return partner, submitted, draft


def test_a_restore_gives_back_referrals_history_journal_and_documents(key, tmp_path):
    partner, submitted, draft = _world()
    before = _state()
    assert len(before["events"]) >= 2 and len(before["journal"]) == 2
    archive = tmp_path / "sauvegarde.ilotbak"
    out = StringIO()
    call_command("backup", "--output", str(archive), stdout=out)
    assert "2 fichier(s)" in out.getvalue()
    raw = archive.read_bytes()
    assert raw.startswith(backup.MAGIC)
    for secret in (b"jugement", submitted.last_name.encode(), b"PGDMP"):
        assert secret not in raw  # encrypted, names and dump included

    # Life goes on: a referral is withdrawn, the draft deleted, a document lost, the journal
    # grows, and a new referral appears.
    workflow.perform(submitted, Action.WITHDRAW, actor(partner), reason="autre_solution")
    draft.delete()
    lost = Attachment.objects.get(original_name="jugement.pdf")
    storages["private"].delete(lost.file.name)
    lost.delete()
    journal.record(actor(partner), AccessLog.Action.VIEW, submitted)
    ReferralFactory(membership=partner, target=submitted.target)
    assert _state() != before

    call_command("restore", str(archive), "--yes", stdout=StringIO())
    assert _state() == before
    # The journal is still append-only after the restore (its trigger came back too).
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM referrals_accesslog")


def test_a_wrong_key_or_a_tampered_archive_changes_nothing(key, tmp_path, settings):
    _world()
    archive = tmp_path / "sauvegarde.ilotbak"
    call_command("backup", "--output", str(archive), stdout=StringIO())
    before = _state()

    settings.BACKUP_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(CommandError, match="mauvaise clé"):
        call_command("restore", str(archive), "--yes")
    settings.BACKUP_ENCRYPTION_KEY = key

    data = bytearray(archive.read_bytes())
    data[len(backup.MAGIC) + 40] ^= 0xFF
    tampered = tmp_path / "alteree.ilotbak"
    tampered.write_bytes(bytes(data))
    with pytest.raises(CommandError, match=r"altérée|mauvaise clé"):
        call_command("restore", str(tampered), "--yes")
    truncated = tmp_path / "tronquee.ilotbak"
    truncated.write_bytes(archive.read_bytes()[:-100])
    with pytest.raises(CommandError):
        call_command("restore", str(truncated), "--yes")
    assert _state() == before


def test_chunks_cannot_be_reordered_or_dropped(key, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "CHUNK", 16)
    plain = tmp_path / "clair"
    plain.write_bytes(bytes(range(256)) * 3)
    encrypted, decrypted = tmp_path / "chiffre", tmp_path / "dechiffre"
    backup.encrypt_file(plain, encrypted)
    backup.decrypt_file(encrypted, decrypted)
    assert decrypted.read_bytes() == plain.read_bytes()

    data = encrypted.read_bytes()[len(backup.MAGIC) :]
    chunks = []
    while data:
        size = int.from_bytes(data[:4], "big")
        chunks.append(data[: 4 + size])
        data = data[4 + size :]
    for forged in (
        [chunks[1], chunks[0], *chunks[2:]],  # reordered
        chunks[:-1],  # the end dropped
        [*chunks, chunks[-1]],  # something after the end
    ):
        encrypted.write_bytes(backup.MAGIC + b"".join(forged))
        with pytest.raises(backup.BackupError):
            backup.decrypt_file(encrypted, decrypted)


def test_no_backup_without_a_key(settings, tmp_path):
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(Exception, match="BACKUP_ENCRYPTION_KEY"):
        call_command("backup", "--output", str(tmp_path / "x.ilotbak"))
    assert not (tmp_path / "x.ilotbak").exists()
