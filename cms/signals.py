"""Signals of the public site (connected by ``CmsConfig.ready()``).

* Editors: a user is in the Wagtail "Éditeurs" group exactly while they hold an active "editor"
  internal role, so deactivating a member also closes the site's admin to them.
* The application's cache of public pages (``cms.cache``) is forgotten on every publication,
  unpublication, move, deletion or save of a live page and every change of a snippet or the
  site settings.
* Front-end cache purges beyond the published page itself: ``wagtail.contrib.frontend_cache``
  purges a page when it is published or unpublished; a news item, an establishment or a
  programme also appears in its listing and (for news) on the home page, which are purged too.
  Nothing happens when no front-end cache is configured.
"""

import contextlib

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models.signals import post_delete, post_save
from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from accounts.models import InternalRole, Membership

from .cache import purge_public_pages
from .models import (
    EstablishmentPage,
    GlossaryTerm,
    HomePage,
    KeyFigure,
    NewsPage,
    ProgrammePage,
    SiteSettings,
)


def purge_listings(sender, instance, **kwargs):
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    page = instance.specific_deferred
    pages = [page.get_parent()]
    if page.specific_class is NewsPage:
        pages += list(HomePage.objects.ancestor_of(page))
    purge_pages_from_cache([p for p in pages if p is not None])


def _page_saved(sender, instance, **kwargs):
    """A live page saved outside the publishing workflow (imports, scripts, the demo)."""
    if isinstance(instance, Page) and instance.live:
        purge_public_pages()


@contextlib.contextmanager
def public_pages_purged_once():
    """Saves of live pages (an import saving thousands) forget the cached public pages once,
    at the end, instead of at every save."""
    connected = post_save.disconnect(dispatch_uid="cms-cache-page-saved")
    try:
        yield
    finally:
        if connected:
            post_save.connect(_page_saved, dispatch_uid="cms-cache-page-saved")
        purge_public_pages()


def _settings_changed(sender, instance, created, **kwargs):
    """The site settings are created empty on a site's first page view: nothing to forget."""
    if not created:
        purge_public_pages()


EDITORS_GROUP = "Éditeurs"


def sync_editor_group(user):
    group = Group.objects.filter(name=EDITORS_GROUP).first()
    if group is None:
        return
    is_editor = InternalRole.objects.filter(
        role=InternalRole.Role.EDITOR,
        membership__user=user,
        membership__is_active=True,
        membership__organisation__is_active=True,
    ).exists()
    if is_editor:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def _role_changed(sender, instance, **kwargs):
    sync_editor_group(instance.membership.user)


def _membership_changed(sender, instance, **kwargs):
    sync_editor_group(instance.user)


def register():
    post_save.connect(_role_changed, sender=InternalRole, dispatch_uid="cms-editor-role")
    post_delete.connect(_role_changed, sender=InternalRole, dispatch_uid="cms-editor-role-del")
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="cms-editor-member")

    # The application's cache of public pages: forgotten whenever what they show may change.
    page_published.connect(purge_public_pages, dispatch_uid="cms-cache-published")
    page_unpublished.connect(purge_public_pages, dispatch_uid="cms-cache-unpublished")
    post_page_move.connect(purge_public_pages, dispatch_uid="cms-cache-moved")
    post_delete.connect(purge_public_pages, sender=Page, dispatch_uid="cms-cache-deleted")
    post_save.connect(_page_saved, dispatch_uid="cms-cache-page-saved")
    for model in (GlossaryTerm, KeyFigure):
        post_save.connect(purge_public_pages, sender=model, dispatch_uid=f"cms-cache-{model}")
        post_delete.connect(purge_public_pages, sender=model, dispatch_uid=f"cms-cache-d-{model}")
    post_save.connect(_settings_changed, sender=SiteSettings, dispatch_uid="cms-cache-settings")

    for model in (NewsPage, EstablishmentPage, ProgrammePage):
        page_published.connect(purge_listings, sender=model, dispatch_uid=f"cms-purge-{model}")
        page_unpublished.connect(purge_listings, sender=model, dispatch_uid=f"cms-unpub-{model}")
