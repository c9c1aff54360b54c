from django.contrib import admin

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
