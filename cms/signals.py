"""Front-end cache purges beyond the published page itself.

``wagtail.contrib.frontend_cache`` purges a page when it is published or unpublished. A news item,
an establishment or a programme also appears in its listing and (for news) on the home page:
those are purged too. Nothing happens when no front-end cache is configured.
"""

from django.conf import settings
from wagtail.signals import page_published, page_unpublished


def purge_listings(sender, instance, **kwargs):
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache

    from .models import HomePage

    page = instance.specific_deferred
    pages = [page.get_parent()]
    if page.specific_class.__name__ == "NewsPage":
        pages += list(HomePage.objects.ancestor_of(page))
    purge_pages_from_cache([p for p in pages if p is not None])


def register():
    from .models import EstablishmentPage, NewsPage, ProgrammePage

    for model in (NewsPage, EstablishmentPage, ProgrammePage):
        page_published.connect(purge_listings, sender=model, dispatch_uid=f"cms-purge-{model}")
        page_unpublished.connect(purge_listings, sender=model, dispatch_uid=f"cms-unpub-{model}")
