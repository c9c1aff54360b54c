"""Administrators manage services and their areas here.

Area geometries are drawn or pasted on a Leaflet map (django-leaflet: Leaflet
and Leaflet.draw come from our own static files, no CDN). Every save goes
through `geo.services`, so an area's subdivided pieces and size are always
recomputed: a geometry changed here routes the very next signal.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geo.models import Service, ServiceArea
from geo.services import service_area_create, service_area_update
from signals.models import Category


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "email", "daily_digest", "mail_each_signal", "is_active"]
    list_filter = ["is_active", "daily_digest", "mail_each_signal"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ServiceArea)
class ServiceAreaAdmin(LeafletGeoAdmin):
    list_display = ["name", "service", "priority", "area_km2"]
    list_filter = ["service"]
    search_fields = ["name", "service__name"]
    filter_horizontal = ["categories"]
    fields = ["service", "name", "priority", "categories", "geom"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and match.url_name == "geo_servicearea_changelist":
            # The list shows no geometry, and one area can hold 500,000 vertices.
            queryset = queryset.defer("geom")
        return queryset

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "categories":
            # Each sub-type is listed as "Type › Sub-type": its parent comes in the same query.
            kwargs["queryset"] = Category.objects.select_related("parent")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("area (km²)"), ordering="area_m2")
    def area_km2(self, area: ServiceArea) -> str:
        return f"{area.area_m2 / 1e6:.2f}"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            service_area_update(
                area=obj,
                geom=data["geom"] if "geom" in form.changed_data else None,
                priority=data["priority"],
                name=data["name"],
            )
            ServiceArea.objects.filter(pk=obj.pk).update(service=data["service"])
        else:
            created = service_area_create(
                service=data["service"],
                name=data["name"],
                geom=data["geom"],
                priority=data["priority"],
            )
            obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        # Categories are the only many-to-many; set them on the row the service wrote.
        form.instance = ServiceArea.objects.get(pk=form.instance.pk)
        form.instance.categories.set(form.cleaned_data["categories"])
