"""Attachments live outside the public media: a separate directory (or bucket location) that
no URL serves; they are only streamed by a permission-checked view."""

from django.core.files.storage import storages
from django.utils.functional import LazyObject


class PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


private_storage = PrivateStorage()
