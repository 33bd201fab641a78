from django.urls import path, register_converter

from ..figures import views as figures
from . import views
from .converters import ActionConverter

app_name = "commission"

register_converter(ActionConverter, "commission_action")

urlpatterns = [
    path("", views.queue, name="queue"),
    path("lot/", views.batch, name="batch"),
    path("orientations/<uuid:pk>/notes/", views.add_note, name="note"),
    path("orientations/<uuid:pk>/accueil-de-jour/", views.day_centre, name="day_centre"),
    path("orientations/<uuid:pk>/<commission_action:action>/", views.act, name="act"),
    path("orientations/<uuid:pk>/<slug:action>/", views.legacy_action, name="legacy_act"),
    path("seances/", views.session_list, name="sessions"),
    path("seances/nouvelle/", views.session_edit, name="session_create"),
    path("seances/<int:pk>/", views.session_detail, name="session"),
    path("seances/<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("seances/<int:pk>/<slug:document>/", views.session_print, name="session_print"),
    path("sejours/", views.stays, name="stays"),
    path("sejours/arrivee-sans-orientation/", views.stay_create, name="stay_create"),
    path("sejours/<uuid:pk>/sortie/", views.stay_departure, name="stay_departure"),
    path("bilan/", figures.figures_view, name="figures"),
    path("bilan/indicateurs/", figures.indicators_view, name="indicators"),
]
