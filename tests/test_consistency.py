"""Project-wide invariants: cheap checks over every model, template and URL of our apps, so that
a new one cannot skip a decision the others made deliberately.

Our apps are the Django apps whose module lives in one of PROJECT_PACKAGES (``accounts``,
``cms``, ``referrals``, ``portal`` and the ``core`` app under way, with their sub-apps such as
``cms.api_apps``); Wagtail's, allauth's and Django's own are left to their authors.
"""

import re
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.template.loader import get_template
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.template_guard import PROJECT_APPS, project_template_dirs

PROJECT_PACKAGES = set(PROJECT_APPS)


def project_app_configs():
    return [cfg for cfg in apps.get_app_configs() if cfg.name.split(".")[0] in PROJECT_PACKAGES]


def project_models():
    return [model for cfg in project_app_configs() for model in cfg.get_models()]


# --------------------------------------------------------------------------------------------
# Foreign keys: what happens to the rows that point to a deleted row is a decision, written here.
# --------------------------------------------------------------------------------------------

CASCADE, PROTECT, SET_NULL = models.CASCADE, models.PROTECT, models.SET_NULL
DO_NOTHING = models.DO_NOTHING

# "app_label.Model.field" → on_delete. Wagtail's page_ptr parent links (always CASCADE, made by
# Django for multi-table inheritance) are not listed.
ON_DELETE = {
    # A membership, role, invitation or pending email means nothing without its user/organisation.
    "accounts.Membership.user": CASCADE,
    "accounts.Membership.organisation": CASCADE,
    "accounts.InternalRole.membership": CASCADE,
    "accounts.InternalRole.establishment": CASCADE,
    "accounts.Invitation.organisation": CASCADE,
    "accounts.PendingNotification.user": CASCADE,
    # A token's expiry goes with the token.
    "accounts.APITokenExpiry.token": CASCADE,
    # Who invited / accepted is history: kept when the account goes.
    "accounts.Invitation.invited_by": SET_NULL,
    "accounts.Invitation.accepted_by": SET_NULL,
    # Site content: a deleted page or image leaves an empty link, never deletes the content.
    "cms.KeyFigure.page": SET_NULL,
    "cms.SiteSettings.site": CASCADE,
    "cms.SiteSettings.legal_notice_page": SET_NULL,
    "cms.SiteSettings.accessibility_page": SET_NULL,
    "cms.HomePage.hero_image": SET_NULL,
    "cms.HomePage.hero_cta_page": SET_NULL,
    "cms.NewsPage.image": SET_NULL,
    # Inline items of a page, and a featured figure that is deleted disappears from the home page.
    "cms.HomeKeyFigure.page": CASCADE,
    "cms.HomeKeyFigure.figure": CASCADE,
    "cms.EstablishmentPlace.page": CASCADE,
    # A page's tags go with the page; a tag deleted (in the admin's tag list) leaves the pages.
    "cms.StandardPageTag.content_object": CASCADE,
    "cms.StandardPageTag.tag": CASCADE,
    "cms.NewsPageTag.content_object": CASCADE,
    "cms.NewsPageTag.tag": CASCADE,
    "cms.EventPageTag.content_object": CASCADE,
    "cms.EventPageTag.tag": CASCADE,
    "cms.IndexPageTag.content_object": CASCADE,
    "cms.IndexPageTag.tag": CASCADE,
    # The Plone mapping of an object means nothing once its kind of object is gone.
    "cms.PloneItem.content_type": CASCADE,
    # Referrals are records: an establishment, organisation or officer with referrals (or a
    # referral that was re-oriented) cannot be deleted; deactivate them instead.
    "referrals.CommissionSession.establishment": PROTECT,
    "referrals.Referral.organisation": PROTECT,
    "referrals.Referral.officer": PROTECT,
    "referrals.Referral.target": PROTECT,
    "referrals.Referral.reoriented_from": PROTECT,
    "referrals.Referral.second_contact": SET_NULL,
    "referrals.Referral.session": SET_NULL,
    "referrals.CommissionSession.created_by": SET_NULL,
    # A referral's history, exchanges, documents and access log go with the referral; the person
    # or organisation who wrote or read them may go without erasing them.
    "referrals.ReferralEvent.referral": CASCADE,
    "referrals.ReferralEvent.actor": SET_NULL,
    "referrals.ReferralEvent.organisation": SET_NULL,
    "referrals.Message.referral": CASCADE,
    "referrals.Message.author": SET_NULL,
    "referrals.Message.organisation": SET_NULL,
    "referrals.InternalNote.referral": CASCADE,
    "referrals.InternalNote.author": SET_NULL,
    "referrals.Attachment.referral": CASCADE,
    "referrals.Attachment.uploaded_by": SET_NULL,
    # A stay goes with its referral (erasure); an establishment with stays cannot be deleted.
    "referrals.Stay.referral": CASCADE,
    "referrals.Stay.establishment": PROTECT,
    "referrals.Stay.recorded_by": SET_NULL,
    # A funder's indicator belongs to its programme; who last set it is kept as nobody.
    "referrals.FunderIndicator.programme": CASCADE,
    "referrals.FunderIndicator.updated_by": SET_NULL,
    # A housing certificate goes with its referral (a deleted draft never had one); who issued it
    # may go; a certificate that superseded another may not outlive it in practice, but if it
    # goes the older one simply stays invalid.
    "referrals.Certificate.referral": CASCADE,
    "referrals.Certificate.issued_by": SET_NULL,
    "referrals.Certificate.superseded_by": SET_NULL,
    # "Seen" markers are a user's reading position on a referral: they go with either.
    "referrals.ReferralSeen.user": CASCADE,
    "referrals.ReferralSeen.referral": CASCADE,
    # The counts by status: the referrals PROTECT their organisation and establishment, so a
    # count row outlives them only at zero; it goes with them.
    "referrals.ReferralCount.organisation": CASCADE,
    "referrals.ReferralCount.target": CASCADE,
    # The access journal is append-only and outlives what it names: no constraint, no cascade,
    # so that a deleted draft's or account's readers stay known until the retention purge.
    "referrals.AccessLog.referral": DO_NOTHING,
    "referrals.AccessLog.user": DO_NOTHING,
    "referrals.AccessLog.organisation": DO_NOTHING,
    # ProConnect sign-ins outlive a deleted account, without naming it.
    "accounts.LoginEvent.user": SET_NULL,
}


def project_foreign_keys():
    for model in project_models():
        for field in model._meta.local_fields:
            if field.many_to_one or field.one_to_one:
                if field.remote_field.parent_link:
                    continue
                yield f"{model._meta.label}.{field.name}", field


def test_every_foreign_key_has_a_deliberate_on_delete():
    found = dict(project_foreign_keys())
    missing = sorted(set(found) - set(ON_DELETE))
    assert not missing, (
        f"New foreign key(s) {missing}: decide what deleting the target does (CASCADE, PROTECT, "
        "SET_NULL…) and add it to ON_DELETE in tests/test_consistency.py, with the reason."
    )
    stale = sorted(set(ON_DELETE) - set(found))
    assert not stale, f"ON_DELETE lists foreign keys that no longer exist: {stale}"
    wrong = {
        key: (field.remote_field.on_delete.__name__, ON_DELETE[key].__name__)
        for key, field in found.items()
        if field.remote_field.on_delete is not ON_DELETE[key]
    }
    assert not wrong, f"on_delete differs from the decision (actual, expected): {wrong}"


def test_every_model_says_what_it_is():
    """Admin lists, deletion pages, log entries and revisions show str(instance)."""
    nameless = [
        model._meta.label for model in project_models() if model.__str__ is models.Model.__str__
    ]
    assert not nameless, f"Models without __str__: {nameless}"


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def project_templates():
    """(name as get_template knows it, file) for every template file of ours."""
    for directory in project_template_dirs():
        if directory.is_dir():
            for path in sorted(directory.rglob("*")):
                if path.is_file() and path.suffix in {".html", ".txt", ".xml"}:
                    yield path.relative_to(directory).as_posix(), path


TEMPLATES = list(project_templates())


def test_templates_are_found():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize(("name", "path"), TEMPLATES, ids=[name for name, _path in TEMPLATES])
def test_template_loads(name, path: Path):
    """Every template compiles (tags and filters exist, blocks are closed), is the one the
    loaders find under its name (not shadowed), and the templates it extends or includes by a
    constant name exist."""
    template = get_template(name)
    assert Path(template.origin.name) == path, f"{path} is shadowed by {template.origin.name}"
    nodelist = template.template.nodelist
    for node in nodelist.get_nodes_by_type(ExtendsNode):
        if not node.parent_name.is_var:
            get_template(node.parent_name.var)
    for node in nodelist.get_nodes_by_type(IncludeNode):
        if not node.template.is_var:
            get_template(node.template.var)


# --------------------------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------------------------

# Includes of Ninja APIs are lists, not modules: these are the third-party ones.
THIRD_PARTY_NAMESPACES = {"admin", "wagtailapi_v3"}


def _is_project_urlconf(resolver: URLResolver) -> bool:
    urlconf = resolver.urlconf_name
    if isinstance(urlconf, ModuleType):
        urlconf = urlconf.__name__
    if isinstance(urlconf, str):
        return urlconf.split(".")[0] in PROJECT_PACKAGES
    return resolver.namespace not in THIRD_PARTY_NAMESPACES


def project_url_patterns(resolver=None, prefix="", namespace=""):
    """(route, qualified name or None, pattern) of every URL pattern declared by our urlconfs
    (Wagtail's, allauth's and the Django admin's includes are skipped)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if _is_project_urlconf(entry):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from project_url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, (namespace + entry.name if entry.name else None), entry


def test_urls_are_found():
    routes = [route for route, _name, _pattern in project_url_patterns()]
    assert "orientations/<uuid:pk>/" in routes
    assert "api/v3/site/navigation/" in routes  # a Ninja API of ours
    third_party = ("admin/pages/", "django-admin/", "compte/login/", "api/v3/pages/")
    assert not any(route.startswith(third_party) for route in routes)


def test_every_url_has_a_name():
    """Templates, redirects and tests reverse URLs by name, never by path."""
    unnamed = [route for route, name, _pattern in project_url_patterns() if not name]
    assert not unnamed, f"URL patterns without a name: {unnamed}"


# Who may open a URL without signing in is a decision too. Every other URL of ours must send an
# anonymous visitor to the login page, or answer 401/403 (token APIs).
PUBLIC_URLS = {
    "healthz": "the load balancer's probe",
    "favicon": "browsers ask for /favicon.ico on every site",
    "csp_report": "browsers post Content-Security-Policy violations there, signed in or not",
    "choose_language": "the language selector of the public site",
    "sitemap": "public site",
    "robots_txt": "public site",
    "search": "public site",
    "certificate_verify": "a housing certificate checked by a court clerk, without an account: "
    "valid or not, reference, establishment, dates, no personal data",
    "accounts:invitation": "the invitation link: its signed key is the credential",
    "referrals_api:api-root": "Ninja's root (404)",
    "referrals_api:openapi-json": "the partner API's description (no data)",
    "referrals_api:openapi-view": "the partner API's documentation (no data)",
}
PUBLIC_NAMESPACES = {
    "cms_api": "the public site's headless API",
    "data_inclusion_api": "the open data export of the establishments (data·inclusion)",
}
SAMPLE_ARGUMENTS = {
    "uuid": "7c6e0d5e-1d2b-4d5e-9a3b-2f1e0c9b8a77",
    "int": "1",
    "commission_action": "avis-favorable",
}


def _sample_url(route: str) -> str:
    """The route with a plausible value for each parameter (the object need not exist: the
    login check comes first)."""
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGUMENTS.get(m.group(1), "x"), route)


def private_urls():
    for route, name, _pattern in project_url_patterns():
        if name in PUBLIC_URLS or (name or "").split(":")[0] in PUBLIC_NAMESPACES:
            continue
        yield name or route, _sample_url(route)


def test_public_urls_exist():
    names = {name for _route, name, _pattern in project_url_patterns()}
    assert set(PUBLIC_URLS) <= names
    assert {name.split(":")[0] for name in names if ":" in name} >= set(PUBLIC_NAMESPACES)


@pytest.mark.parametrize(("name", "url"), list(private_urls()), ids=[n for n, _u in private_urls()])
def test_private_urls_refuse_anonymous_visitors(client, db, name, url):
    response = client.get(url)
    if response.status_code == 405:  # POST only: the method check may come first
        response = client.post(url)
    login = reverse(settings.LOGIN_URL)
    refused = response.status_code in (401, 403) or (
        response.status_code == 302 and response["Location"].startswith(login)
    )
    assert refused, (
        f"{url} answers {response.status_code} to an anonymous visitor: protect the view, or "
        "add it to PUBLIC_URLS in tests/test_consistency.py with the reason"
    )
