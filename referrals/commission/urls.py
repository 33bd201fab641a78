from django.urls import path

from ..figures import views as figures
from . import views

app_name = "commission"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("lot/", views.batch, name="batch"),
    path("orientations/<uuid:pk>/notes/", views.add_note, name="note"),
    path("orientations/<uuid:pk>/accueil-de-jour/", views.day_centre, name="day_centre"),
    path("orientations/<uuid:pk>/<slug:action>/", views.act, name="act"),
    path("seances/", views.session_list, name="sessions"),
    path("seances/nouvelle/", views.session_edit, name="session_create"),
    path("seances/<int:pk>/", views.session_detail, name="session"),
    path("seances/<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("seances/<int:pk>/<slug:document>/", views.session_print, name="session_print"),
    path("bilan/", figures.figures_view, name="figures"),
    path("bilan/indicateurs/", figures.indicators_view, name="indicators"),
]
