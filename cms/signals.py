"""Signals of the public site (connected by ``CmsConfig.ready()``).

* Editors: a user is in the Wagtail "Éditeurs" group exactly while they hold an active "editor"
  internal role, so deactivating a member also closes the site's admin to them.
* Front-end cache purges beyond the published page itself: ``wagtail.contrib.frontend_cache``
  purges a page when it is published or unpublished; a news item, an establishment or a
  programme also appears in its listing and (for news) on the home page, which are purged too.
  Nothing happens when no front-end cache is configured.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models.signals import post_delete, post_save
from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache
from wagtail.signals import page_published, page_unpublished

from accounts.models import InternalRole, Membership

from .models import EstablishmentPage, HomePage, NewsPage, ProgrammePage


def purge_listings(sender, instance, **kwargs):
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    page = instance.specific_deferred
    pages = [page.get_parent()]
    if page.specific_class is NewsPage:
        pages += list(HomePage.objects.ancestor_of(page))
    purge_pages_from_cache([p for p in pages if p is not None])


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

    for model in (NewsPage, EstablishmentPage, ProgrammePage):
        page_published.connect(purge_listings, sender=model, dispatch_uid=f"cms-purge-{model}")
        page_unpublished.connect(purge_listings, sender=model, dispatch_uid=f"cms-unpub-{model}")
