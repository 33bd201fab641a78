"""App config of the headless API (listed in INSTALLED_APPS before ``wagtail.snippets``).

Wagtail's API v3 builds its page and snippet schemas once, while the apps load
(``wagtail.api.v3.registry`` when first imported, ``wagtail.snippets`` in its ``ready()``). The
field schemas that make our API friendlier (StreamField as typed blocks, images with renditions,
see ``cms.api.schemas``) must be installed on v3's schema generator before that happens: this
app's ``ready()`` runs first because it is listed first.
"""

import sys

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsApiConfig(AppConfig):
    name = "cms.api"
    label = "cms_api"
    verbose_name = _("API du site public")

    def ready(self):
        # Here, not at the top: this module is imported before the models are loaded.
        from . import schemas

        if "wagtail.api.v3.routers.pages" in sys.modules:  # pragma: no cover - misconfiguration
            raise RuntimeError(
                "cms.api.apps.CmsApiConfig must come before wagtail.snippets and wagtail.images "
                "in INSTALLED_APPS: the API v3 page schemas are already built."
            )
        schemas.install()
