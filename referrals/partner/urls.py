from django.urls import path

from ..documents import views as documents
from ..figures import views as figures
from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("nouvelle/", views.referral_create, name="create"),
    path("statistiques/", figures.partner_figures_view, name="figures"),
    path("reattribuer/", views.referral_reassign, name="reassign"),
    path("<uuid:pk>/", views.referral_detail, name="detail"),
    path("<uuid:pk>/modifier/", views.referral_edit, name="edit"),
    path("<uuid:pk>/imprimer/", views.referral_print, name="print"),
    path("<uuid:pk>/supprimer/", views.referral_delete, name="delete"),
    path("<uuid:pk>/transmettre/", views.referral_submit, name="submit"),
    path("<uuid:pk>/repondre/", views.referral_answer, name="answer"),
    path("<uuid:pk>/retirer/", views.referral_withdraw, name="withdraw"),
    path("<uuid:pk>/contester/", views.referral_contest, name="contest"),
    path("<uuid:pk>/date-de-sortie/", views.referral_release_date, name="release_date"),
    path("<uuid:pk>/rectifier/", views.referral_rectify, name="rectify"),
    path("<uuid:pk>/messages/", views.referral_message, name="message"),
    path("<uuid:pk>/documents/", views.referral_upload, name="upload"),
    path("<uuid:pk>/attestation/", documents.certificate_download, name="certificate"),
    path("<uuid:pk>/recepisse/", documents.receipt, name="receipt"),
    path("<uuid:pk>/recepisse.pdf", documents.receipt_pdf, name="receipt_pdf"),
    path(
        "<uuid:pk>/documents/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]
