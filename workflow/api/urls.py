from django.urls import path

from workflow.api import views

app_name = "workflow-api"

urlpatterns = [
    path("staff/statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("staff/signals/", views.QueueView.as_view(), name="queue"),
    path("staff/signals/<str:reference>/", views.SignalDetailView.as_view(), name="signal"),
    path(
        "signals/<str:reference>/transitions/",
        views.TransitionView.as_view(),
        name="transitions",
    ),
    path("signals/<str:reference>/transfer/", views.TransferView.as_view(), name="transfer"),
    path("signals/<str:reference>/category/", views.CategoryView.as_view(), name="category"),
    path("signals/<str:reference>/comments/", views.CommentView.as_view(), name="comments"),
    path("signals/<str:reference>/questions/", views.QuestionView.as_view(), name="questions"),
    path(
        "signals/<str:reference>/assignment/",
        views.AssignmentView.as_view(),
        name="assignment",
    ),
]
