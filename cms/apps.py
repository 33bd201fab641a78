from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site public")

    def ready(self):
        from . import signals  # imports models: only once the apps are loaded

        signals.register()
