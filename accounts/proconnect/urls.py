"""Included by allauth under /compte/ (allauth builds its providers' URLs)."""

from django.urls import path

from . import views

urlpatterns = [
    path("proconnect/", views.account, name="proconnect_account"),
    path("proconnect/login/", views.login, name="proconnect_login"),
    path("proconnect/login/callback/", views.callback, name="proconnect_callback"),
    path("proconnect/logout/", views.logout, name="proconnect_logout"),
    path("proconnect/logout/callback/", views.logout_callback, name="proconnect_logout_callback"),
]
