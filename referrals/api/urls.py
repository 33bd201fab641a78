"""Mounts the partner API (see referrals.api.router) with `include("referrals.api.urls")`."""

from .router import api

urlpatterns = api.urls[0]
app_name = api.urls_namespace
