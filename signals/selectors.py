"""Reads on signals."""

from django.db.models import QuerySet

from signals.models import Category, Signal


def signals_public() -> QuerySet[Signal]:
    """Every signal as the public may see it (the serializers choose the public fields)."""
    return Signal.objects.with_public_relations().prefetch_related("photos")


def categories_reportable() -> QuerySet[Category]:
    """The sub-categories a resident can report under."""
    return Category.objects.filter(is_active=True, children__isnull=True).select_related("parent")


def category_tree() -> QuerySet[Category]:
    return (
        Category.objects.filter(is_active=True, parent__isnull=True)
        .prefetch_related("children")
        .order_by("position", "name")
    )
