from django.urls import path

from publicmap import my_signals_views, question_views, views

app_name = "publicmap"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path("signaler/", views.report, name="report"),
    path("signaler/envoye/<str:reference>/", views.report_done, name="report-done"),
    path("signalements/", views.signal_list, name="signal-list"),
    # "Mes signalements": a link by e-mail to one's reported and followed signals.
    path("mes-signalements/", my_signals_views.my_signals_ask, name="my-signals-ask"),
    path("mes-signalements/<str:token>/", my_signals_views.my_signals, name="my-signals"),
    path("signalements/suivi/<uuid:token>/confirmer/", views.follow_confirm, name="follow-confirm"),
    # The stop link of every e-mail to a follower or a reporter (signals.unsubscribe).
    path("signalements/suivi/<str:token>/arreter/", views.follow_stop, name="follow-stop"),
    # "Is it fixed?": the link in the "resolved" e-mail, with the same token (workflow.feedback).
    path("signalements/suivi/<str:token>/avis/", views.feedback, name="feedback"),
    # A service's question to the reporter, with the reporter's token (workflow.questions).
    path(
        "signalements/suivi/<str:token>/question/<int:number>/",
        question_views.question,
        name="question",
    ),
    path("signalements/<str:reference>/", views.signal_detail, name="signal-detail"),
    path("signalements/<str:reference>/suivre/", views.signal_follow, name="signal-follow"),
    # The stop link of the status e-mails sent before there was one way to stop.
    path(
        "notifications/desabonnement/<str:token>/",
        views.follow_stop_former_url,
        name="follow-stop-former",
    ),
]
