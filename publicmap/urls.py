from django.urls import path

from publicmap import views

app_name = "publicmap"

urlpatterns = [
    path("", views.home, name="home"),
]
