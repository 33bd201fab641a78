"""Wagtail admin: oversized uploads get a clear French error; editor access follows the role."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

from tests.factories import UserFactory
from tests.utils import login, text

pytestmark = pytest.mark.django_db


def png(size: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_oversized_image_is_refused_with_a_french_message(client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1024
    login(client, UserFactory(is_superuser=True, is_staff=True))
    big = SimpleUploadedFile("grande.png", png(300) + b"\0" * 2048, content_type="image/png")
    response = client.post(
        "/admin/images/add/",
        {"title": "Grande", "file": big, "collection": Collection.get_first_root_node().pk},
    )
    assert "Ce fichier est trop gros" in text(response)
    assert not get_image_model().objects.exists()


def test_oversized_document_is_refused_with_a_french_message(client, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    login(client, UserFactory(is_superuser=True, is_staff=True))
    big = SimpleUploadedFile("rapport.pdf", b"%PDF-1.4\n" + b"0" * 4096)
    response = client.post(
        "/admin/documents/add/",
        {"title": "Rapport", "file": big, "collection": Collection.get_first_root_node().pk},
    )
    assert "Ce fichier est trop gros" in text(response)
    assert not get_document_model().objects.exists()


def test_editor_role_opens_and_membership_deactivation_closes_the_admin(client):
    from accounts.models import InternalRole
    from tests.factories import InternalRoleFactory

    role = InternalRoleFactory(role=InternalRole.Role.EDITOR)
    user = role.membership.user
    login(client, user)
    assert client.get("/admin/").status_code == 200
    role.membership.is_active = False
    role.membership.save()  # also ends the sessions (accounts.security)
    assert client.get("/admin/").status_code == 302
    role.membership.is_active = True
    role.membership.save()
    login(client, user)
    assert client.get("/admin/").status_code == 200
    role.delete()
    assert client.get("/admin/").status_code == 302
    login(client, user)  # signed in again: the group went with the role
    assert client.get("/admin/").status_code == 302
