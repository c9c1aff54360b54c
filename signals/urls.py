from django.urls import path

from signals.api import views

app_name = "signals-api"

urlpatterns = [
    path("signals/", views.SignalListCreateView.as_view(), name="signal-list"),
    path("signals/aggregates/", views.SignalAggregatesView.as_view(), name="signal-aggregates"),
    path("signals/nearby/", views.SignalNearbyView.as_view(), name="signal-nearby"),
    path("signals/<str:reference>/", views.SignalDetailView.as_view(), name="signal-detail"),
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
]
