from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: mechanisms every app uses (emails, tasks, exports, form widgets).
    It imports no domain app."""

    name = "core"
    verbose_name = "Socle"
