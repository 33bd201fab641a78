"""Mounts the partner API (see referrals.api) with `include("referrals.api_urls")`."""

from .api import api

urlpatterns = api.urls[0]
app_name = api.urls_namespace
