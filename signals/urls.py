from django.urls import path

from signals.api import tiles, views

app_name = "signals-api"

urlpatterns = [
    path("signals/", views.SignalListCreateView.as_view(), name="signal-list"),
    path("signals/aggregates/", views.SignalAggregatesView.as_view(), name="signal-aggregates"),
    path("signals/nearby/", views.SignalNearbyView.as_view(), name="signal-nearby"),
    path("signals/<str:reference>/", views.SignalDetailView.as_view(), name="signal-detail"),
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("tiles/<int:z>/<int:x>/<int:y>.mvt", tiles.signal_tile_view, name="signal-tile"),
]
