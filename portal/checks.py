from django.conf import settings
from django.core.checks import Error, Warning, register


@register(deploy=True)
def shared_cache(app_configs, **kwargs):
    """Rate limits (failed logins, password resets) live in the cache: with a per-process
    cache, each app server and worker counts separately."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The cache is local to each process: login rate limits are not shared.",
                hint="Set REDIS_URL to a Redis shared by every app server.",
                id="portal.W001",
            )
        ]
    return []


RETENTION_SETTINGS = [
    "RETENTION_ATTACHMENTS_DAYS",
    "RETENTION_REFERRALS_DAYS",
    "RETENTION_DRAFTS_DAYS",
    "RETENTION_UNANSWERED_DAYS",
    "RETENTION_JOURNAL_DAYS",
    "RETENTION_NOTICE_DAYS",
]


@register()
def retention_delays(app_configs, **kwargs):
    """The purge must never run with a delay it cannot read: the app refuses to start."""
    return [
        Error(
            f"{name} doit être un nombre entier de jours supérieur à zéro "
            f"(valeur actuelle : {getattr(settings, name)!r}).",
            hint="Corrigez la variable d'environnement, par exemple 730.",
            id="portal.E002",
        )
        for name in RETENTION_SETTINGS
        if not isinstance(getattr(settings, name), int)
        or isinstance(getattr(settings, name), bool)
        or getattr(settings, name) <= 0
    ]
