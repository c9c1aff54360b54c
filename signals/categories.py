"""The offered categories (active, under an active type), held by each process: a report
names one, and need not query it.

Every report looks its category up by code, with its parent (the response
shows the parent's code) and whether it has active sub-categories (a type that has
some is refused: residents report under one of them); the public map's and list's
filters, the report form's list, the staff queue's filter and the API's category
list show the tree.
The table holds a few dozen rows and changes a few times a year, so each
process keeps a copy instead of asking PostgreSQL on every report and page.

The copy is tagged with a token kept in the default cache: saving or
deleting a category drops the token, and every process reloads on its next
use — at once when the cache is shared (`REDIS_URL`); with per-process
memory caches, the other workers' tokens expire after `COPY_SECONDS`. An
unknown code is always looked up in the database, so a report under a new
category is accepted at once; the lists shown (a category added, renamed or
deactivated) and a deactivation's refusal can lag by at most `COPY_SECONDS`.
"""

import copy
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.translation import gettext as _

from signals.models import Category
from signals.selectors import offered_categories

COPY_KEY = "signals:categories:token"
COPY_SECONDS = 60


@dataclass(frozen=True)
class ActiveCategories:
    token: str
    by_code: dict[str, Category] = field(default_factory=dict)
    # Codes of each category's active sub-categories, in display order.
    children: dict[int, list[str]] = field(default_factory=dict)
    # The active types (top-level categories), in display order.
    types: tuple[Category, ...] = ()
    # The categories no longer offered (deactivated, or under a deactivated type): signals
    # keep them, and the staff still filter by them.
    retired: tuple[Category, ...] = ()


_loaded = ActiveCategories(token="")


def categories_active() -> ActiveCategories:
    global _loaded
    token = cache.get(COPY_KEY)
    if token is None:
        token = uuid.uuid4().hex
        # Another process may have set one meanwhile: theirs wins, we follow it.
        if not cache.add(COPY_KEY, token, COPY_SECONDS):
            token = cache.get(COPY_KEY) or token
    loaded = _loaded
    if loaded.token != token:
        rows = list(offered_categories().select_related("parent"))
        children: dict[int, list[str]] = {}
        for category in rows:  # ordered by position, name (Meta.ordering)
            if category.parent_id is not None:
                children.setdefault(category.parent_id, []).append(category.code)
        # One assignment: threads of the same worker see the old copy or the new one.
        loaded = _loaded = ActiveCategories(
            token=token,
            by_code={c.code: c for c in rows},
            children=children,
            types=tuple(c for c in rows if c.parent_id is None),
            retired=tuple(
                Category.objects.exclude(pk__in=[c.pk for c in rows]).select_related("parent")
            ),
        )
    return loaded


def category_active(code: str) -> Category | None:
    """The active category with this code, its parent loaded; a copy the caller may keep."""
    found = categories_active().by_code.get(code)
    # Model instances copy their relation cache too: the shared one is never handed out.
    return copy.copy(found) if found is not None else None


def category_active_children(category: Category) -> list[str] | None:
    """Codes of the category's active sub-categories, in display order.

    None when the copy does not hold this category (read from the database since).
    """
    loaded = categories_active()
    held = loaded.by_code.get(category.code)
    if held is None or held.pk != category.pk:
        return None
    return loaded.children.get(category.pk, [])


def categories_by_type() -> list[tuple[Category, list[Category]]]:
    """Each active type with its active sub-types, both in display order: the tree that
    the API's category list, the public filters and the report form show, held by the
    process. The instances are the process's own: read them, never change them."""
    loaded = categories_active()
    return [
        (kind, [loaded.by_code[code] for code in loaded.children.get(kind.pk, [])])
        for kind in loaded.types
    ]


def categories_to_report() -> list[tuple[Category, list[Category]]]:
    """What a resident picks from, by type: its active sub-types, or the type itself when it
    has none (a type created without sub-types, or whose sub-types were all deactivated),
    as the API accepts it."""
    return [(kind, children or [kind]) for kind, children in categories_by_type()]


def category_filter_choices(*, retired: bool = False) -> list:
    """A filter's choices, in the active language: each active type as a group holding
    "All of <type>" then its active sub-types. The public map and list and the staff queue
    offer the same list, built from the process's copy rather than a query per page.

    `retired`: a last group holds the categories no longer offered ("Type › Sub-type"), for
    the staff, whose queue may still hold signals in them."""
    choices = [
        (
            kind.display_name,
            [(kind.code, _("All of “%s”") % kind.display_name)]
            + [(child.code, child.display_name) for child in children],
        )
        for kind, children in categories_by_type()
    ]
    gone = categories_active().retired if retired else ()
    if gone:
        choices.append((_("Deactivated"), [(c.code, str(c)) for c in gone]))
    return choices


def categories_changed() -> None:
    """Called when a category is saved or deleted: every process reloads its copy."""
    cache.delete(COPY_KEY)
