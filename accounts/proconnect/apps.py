from django.apps import AppConfig


class ProConnectConfig(AppConfig):
    name = "accounts.proconnect"
    label = "proconnect"
    verbose_name = "ProConnect"

    def ready(self):
        from . import signals  # noqa: F401  (connects the journal's receivers)
