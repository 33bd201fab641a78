from django.urls import path

from . import figures

app_name = "commission"

urlpatterns = [
    path("bilan/", figures.figures_view, name="figures"),
]
