from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("droits/", views.rights, name="rights"),
    path("droits/export/", views.access_export, name="access_export"),
    path("droits/effacement/", views.erasure, name="erasure"),
    path("journal/", views.journal_view, name="journal"),
]
