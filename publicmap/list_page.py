"""Numbered pages of the public list that cost the same on page 1 and page 40,000.

Django's `Paginator` counts every match exactly on every page (80 ms for a million
signals) and reaches page n with `OFFSET`, which makes PostgreSQL join and build
every row it skips: page 20,000 took 2.7 s and page 39,000 4.9 s, while crawlers
follow `next` links all the way down. Here the count is the API's (exact up to
10,000, the planner's estimate above, said as such on the page), the rows skipped
are index entries only, and whether a next page exists is read off one extra row,
not off the estimate. Page numbers stay in the URL: links shared or bookmarked keep
working.
"""

import math
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.formats import number_format

from config.paging import count_fast, skip_to


@dataclass
class ListPage:
    """What the template asks of Django's `Page`, with an honest count."""

    rows: list
    number: int
    size: int
    count: int
    count_is_estimate: bool
    has_next: bool

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int:
        # An estimate can fall short of where the reader already is.
        return max(1, math.ceil(self.count / self.size), self.number + self.has_next)

    @property
    def count_shown(self) -> str:
        """The count as the page says it, grouped the active language's way; an estimate
        to two significant digits ("about 1,000,000", not "about 1,000,017")."""
        return number_format(
            _about(self.count) if self.count_is_estimate else self.count, force_grouping=True
        )

    @property
    def number_shown(self) -> str:
        return number_format(self.number, force_grouping=True)

    @property
    def num_pages_shown(self) -> str:
        pages = self.num_pages
        if self.count_is_estimate:
            pages = max(_about(pages), self.number + self.has_next)
        return number_format(pages, force_grouping=True)


def _about(value: int) -> int:
    return round(value, 2 - len(str(value))) if value >= 100 else value


def _number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def list_page(queryset: QuerySet, raw_number: str | None, *, size: int) -> ListPage:
    """Page `raw_number` (from the URL; anything not a page number is page 1) of the
    ordered `queryset`. Past the last page, the last page, as `Paginator.get_page`
    does; when the count was an estimate, finding that end costs one exact count, paid
    only by a page number typed past the rows (the links never lead there)."""
    count, estimate = count_fast(queryset)
    number = _number(raw_number)
    if not estimate:
        number = _last_number(count, size, number)
    rows = _rows(queryset, number, size)
    if not rows and number > 1 and estimate:
        count, estimate = queryset.count(), False
        number = _last_number(count, size, number)
        rows = _rows(queryset, number, size)
    return ListPage(
        rows=rows[:size],
        number=number,
        size=size,
        count=count,
        count_is_estimate=estimate,
        has_next=len(rows) > size,
    )


def _last_number(count: int, size: int, number: int) -> int:
    return min(number, max(1, math.ceil(count / size)))


def _rows(queryset: QuerySet, number: int, size: int) -> list:
    """The page's rows and one more, whose presence says a next page exists."""
    offset = (number - 1) * size
    return list(skip_to(queryset, offset, size + 1)[: size + 1])
