"""Oversized uploads in the Wagtail admin get a clear French error and nothing is stored."""

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
