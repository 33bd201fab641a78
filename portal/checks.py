from django.conf import settings
from django.core.checks import Warning, register


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
