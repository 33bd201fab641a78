"""Headless preview: an editor previews a draft in the decoupled front-end.

When ``HEADLESS_PREVIEW_URL`` is set (the front-end's preview page, for example
``https://www.ilot.example/apercu``), the page editor gets an « Aperçu sur le site » button. It
leads to an admin view that checks the editor may edit the page, signs a short-lived token
(``HEADLESS_PREVIEW_MAX_AGE`` seconds) and redirects to
``HEADLESS_PREVIEW_URL?token=…&id=…&type=cms.NewsPage``. The front-end then asks
``GET /api/v3/site/preview/?token=…`` (no API token needed) and gets the latest revision, draft
included, in the same JSON as ``GET /api/v3/pages/{id}/``.

Server-side tools holding an editor's API token can also read drafts directly with
``GET /api/v3/pages/{id}/?version=draft`` (Wagtail API v3).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.models import Page

SALT = "cms.headless-preview"


class InvalidPreviewToken(Exception):
    pass


def make_token(page, user) -> str:
    return signing.dumps({"page": page.pk, "user": user.pk}, salt=SALT, compress=True)


def read_token(token: str):
    """The page (latest revision, as an object) a valid token gives access to."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.HEADLESS_PREVIEW_MAX_AGE)
    except signing.SignatureExpired as error:
        raise InvalidPreviewToken(_("Le lien d'aperçu a expiré : relancez l'aperçu.")) from error
    except signing.BadSignature as error:
        raise InvalidPreviewToken(_("Le lien d'aperçu n'est pas valide.")) from error
    user = get_user_model().objects.filter(pk=data.get("user"), is_active=True).first()
    page = Page.objects.filter(pk=data.get("page")).first()
    if user is None or page is None:
        raise InvalidPreviewToken(_("Le lien d'aperçu n'est pas valide."))
    page = page.specific
    if not page.permissions_for_user(user).can_edit():
        raise InvalidPreviewToken(_("Le lien d'aperçu n'est plus valide."))
    return page.get_latest_revision_as_object()


def front_end_preview_url(page, user) -> str:
    query = urlencode(
        {"token": make_token(page, user), "id": page.pk, "type": page.specific_class._meta.label}
    )
    separator = "&" if "?" in settings.HEADLESS_PREVIEW_URL else "?"
    return f"{settings.HEADLESS_PREVIEW_URL}{separator}{query}"


def preview_redirect(request, page_id: int):
    """Admin view: sign a token for this editor and page, go to the front-end's preview."""
    page = get_object_or_404(Page, pk=page_id).specific
    if not settings.HEADLESS_PREVIEW_URL or not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    response = redirect(front_end_preview_url(page, request.user))
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


class HeadlessPreviewButton(PageMenuItem):
    """« Aperçu sur le site » in the page editor's header (registered in ``cms.wagtail_hooks``)."""

    label = _("Aperçu sur le site")
    icon_name = "view"
    url_name = "cms_headless_preview"
    link_rel = "noreferrer"
    priority = 12

    def is_shown(self, user):
        return bool(settings.HEADLESS_PREVIEW_URL) and (
            self.page.permissions_for_user(user).can_edit()
        )
