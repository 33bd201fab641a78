"""The certificate's public verification page (no account needed)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:token>/", views.certificate_verify, name="certificate_verify"),
]
