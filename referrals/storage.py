"""Attachments live outside the public media: a separate directory (or bucket location) that
no URL serves; they are only streamed by a permission-checked view."""

from django.core.files.storage import storages


def private_storage():
    """The "private" storage of settings.STORAGES (a callable, so that migrations do not
    depend on the environment's storage settings)."""
    return storages["private"]
