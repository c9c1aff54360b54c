from django.contrib.auth import views as auth_views
from django.urls import path

from workflow import account_views, export_views, password_reset, views

app_name = "workflow"

urlpatterns = [
    path(
        "gestion/connexion/",
        auth_views.LoginView.as_view(template_name="workflow/login.html"),
        name="login",
    ),
    path("gestion/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "gestion/mot-de-passe-oublie/",
        password_reset.PasswordReset.as_view(),
        name="password-reset",
    ),
    path(
        "gestion/mot-de-passe-oublie/<uidb64>/<token>/",
        password_reset.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path("gestion/", views.queue, name="queue"),
    path("gestion/export.csv", export_views.queue_export, name="queue-export"),
    path("gestion/compte/", account_views.account, name="account"),
    path(
        "gestion/compte/mot-de-passe/",
        account_views.PasswordChange.as_view(),
        name="password-change",
    ),
    path("gestion/lot/", views.bulk, name="bulk"),
    path("gestion/statistiques/", views.stats, name="stats"),
    path("gestion/signalements/<str:reference>/", views.signal_detail, name="signal"),
    path(
        "gestion/signalements/<str:reference>/statut/",
        views.signal_transition_view,
        name="signal-transition",
    ),
    path(
        "gestion/signalements/<str:reference>/transfert/",
        views.signal_transfer_view,
        name="signal-transfer",
    ),
    path(
        "gestion/signalements/<str:reference>/categorie/",
        views.signal_category_view,
        name="signal-category",
    ),
    path(
        "gestion/signalements/<str:reference>/attribution/",
        views.signal_assign_view,
        name="signal-assign",
    ),
    path(
        "gestion/signalements/<str:reference>/question/",
        views.signal_question_view,
        name="signal-question",
    ),
    path(
        "gestion/signalements/<str:reference>/commentaire/",
        views.signal_comment_view,
        name="signal-comment",
    ),
]
