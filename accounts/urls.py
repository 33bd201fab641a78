from django.urls import path

from . import tokens, views

app_name = "accounts"

urlpatterns = [
    path("invitation/<str:token>/", views.invitation_accept, name="invitation"),
    path("organisation/changer/", views.switch_organisation, name="switch_organisation"),
    path("organisations/<int:pk>/membres/", views.members, name="members"),
    path("organisations/<int:pk>/inviter/", views.invite, name="invite"),
    path("organisations/<int:pk>/securite/", views.organisation_security, name="security"),
    path(
        "organisations/<int:pk>/invitations/<uuid:invitation_id>/renvoyer/",
        views.resend_invitation,
        name="resend_invitation",
    ),
    path(
        "organisations/<int:pk>/membres/<int:membership_id>/desactiver/",
        views.deactivate_member,
        name="deactivate_member",
    ),
    path("compte/notifications/", views.notification_preferences, name="notifications"),
    path("compte/jetons/", tokens.token_list, name="tokens"),
    path("compte/jetons/<int:pk>/revoquer/", tokens.token_revoke, name="token_revoke"),
]
