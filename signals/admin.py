from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from config.paging import count_fast, skip_to
from geo.selectors import areas_handling_only
from signals.models import Category, Signal
from signals.selectors import signals_matching_text


class EstimatedCountPaginator(Paginator):
    """Counts a large table from the planner's estimate, and reaches a deep page over the
    primary keys alone (an OFFSET would join every skipped row).

    An estimate can overshoot (a filter on correlated columns): a page past the real
    rows then counts them exactly, once, and shows the real last page and its links."""

    @cached_property
    def count(self) -> int:
        return count_fast(self.object_list)[0]

    def page(self, number):
        number = self.validate_number(number)
        rows = self._rows(number)
        if not rows and number > 1:
            self.__dict__["count"] = self.object_list.count()
            self.__dict__.pop("num_pages", None)
            self.__dict__.pop("page_range", None)
            number = self.num_pages
            rows = self._rows(number)
        return self._get_page(rows, number, self)

    def _rows(self, number: int) -> list:
        bottom = (number - 1) * self.per_page
        return list(skip_to(self.object_list, bottom, self.per_page)[: self.per_page])


class EstimatedCountChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # The paginator may have found the estimate too high and served the real last page.
        self.result_count = self.paginator.count
        self.page_num = min(self.page_num, self.paginator.num_pages)


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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # Options are named "Type › Sub-type": the parents come in the same query.
            kwargs["queryset"] = Category.objects.select_related("parent")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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
    # The admin's own `select_related()` skips nullable keys: a query per row for each.
    list_select_related = ["category__parent", "service"]
    # No `date_hierarchy`: its year links are a DISTINCT over every signal's date (0.6 s
    # for a million, 4 s more under a search). The period filter costs nothing.
    list_filter = [
        "status",
        "service",
        "category__parent",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["reference", "description", "address"]
    # A city's table is counted from the planner's estimate (exact below 10,000), once.
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return EstimatedCountChangeList

    def get_search_results(self, request, queryset, search_term):
        # The staff queue's search: an exact reference off its unique index, description and
        # address off their trigram indexes. The admin's own ORs `icontains` on the three
        # fields, the reference's unindexable: 7 s on a million signals.
        if not search_term.strip():
            return queryset, False
        return queryset.filter(signals_matching_text(search_term)), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
