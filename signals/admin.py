from django.contrib import admin
from django.utils.translation import gettext as _

from geo.selectors import areas_handling_only
from signals.models import Category, Signal


class SubCategoryInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = ["code", "name", "name_en", "icon", "service_level_days", "is_active", "position"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "name_en",
        "code",
        "parent",
        "service_level_days",
        "is_active",
        "position",
    ]
    list_filter = ["is_active", "parent"]
    search_fields = ["name", "name_en", "code"]
    inlines = [SubCategoryInline]

    def get_deleted_objects(self, objs, request):
        """Refuses, as for a protected object, to delete the only categories of an area:
        its emptied list would mean "every category", and it would take every report
        under it. The admin lists those areas instead; give them other categories first."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for area in areas_handling_only([category.pk for category in objs]):
            protected.append(
                _(
                    "Service area “%(area)s” (%(service)s) handles only this category: "
                    "give it other categories, or delete it, first."
                )
                % {"area": area.name, "service": area.service.name}
            )
        return deleted, counts, perms_needed, protected


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    """Read-only: signals change through the workflow (staff pages and API), never here."""

    list_display = ["reference", "category", "service", "status", "created_at"]
    list_filter = ["status", "service", "category__parent"]
    search_fields = ["reference", "description", "address"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
