from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as accounts_views
from cms import views as cms_views
from cms.api import data_inclusion
from cms.api.site import site_api
from cms.api.v3 import v3_urls
from core.views import csp_report
from portal import views

handler500 = "portal.views.server_error"

# Both admin sites sign in through allauth, so they get the same rate limits and MFA.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(settings.CSP_REPORT_URL.strip("/") + "/", csp_report, name="csp_report"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("django-admin/", admin.site.urls),
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="admin_login",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # allauth's page, but the last security key of someone who must use MFA cannot be removed.
    path(
        "compte/2fa/webauthn/keys/<int:pk>/remove/",
        accounts_views.remove_webauthn,
        name="mfa_remove_webauthn",
    ),
    path("compte/", include("allauth.urls")),
    path("espace/", views.dashboard, name="dashboard"),
    path("orientations/", include("referrals.partner.urls")),
    path("commission/", include("referrals.commission.urls")),
    path("donnees-personnelles/", include("referrals.privacy.urls")),
    path("attestations/", include("referrals.documents.urls")),
    path("api/orientations/v1/", include("referrals.api.urls")),
    path("api/v3/site/", site_api.urls),
    path("api/v3/", v3_urls()),
    path("api/data-inclusion/v1/", data_inclusion.api.urls),
    path("", include("accounts.urls")),
    path("langue/<str:code>/", views.choose_language, name="choose_language"),
]

if settings.DEBUG:
    from django.conf.urls.static import static  # development only: serves uploaded media

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", cms_views.robots_txt, name="robots_txt"),
    path("recherche/", cms_views.search, name="search"),
]

urlpatterns += [
    # Wagtail's login for private pages is Django's plain LoginView: it would sign in around
    # allauth (rate limits, MFA). The portal's login serves instead.
    path(
        "_util/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailcore_login",
    ),
    path("", include(wagtail_urls)),
]
