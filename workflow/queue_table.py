"""The rows of the queue page's table, written in Python.

Like the admin's change list (`items_for_result`), the repeated part of the page is built
with `format_html` rather than through the template engine: there, each of the 50 rows cost
some twenty variable lookups, filters and tags (`get_status_display` alone rebuilds the
status choices every time), two thirds of the page's time. The texts are the template's:
same translations, the active language's date formats, the city's time zone, every value
escaped.
"""

import html

from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format, localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import get_current_timezone
from django.utils.translation import gettext as _

from signals.models import Signal
from workflow.assignment import display_name
from workflow.states import State

ROW = """<tr class="{}">
  <td><input type="checkbox" name="selected" value="{}:{}" aria-label="{}"></td>
  <td><a href="{}">{}</a>
      {}</td>
  <td><span class="status s-{}">{}</span>{}</td>
  <td>{}</td>
  <td>{}{}</td>
  <td>{}</td>
  <td>{}</td>
</tr>
"""
OVERDUE = '<span class="badge late" title="{}">{}</span>'
CONTESTED = '<span class="badge late">{}</span>'
ANSWERED = '<span class="badge answered">{}</span>'
ADDRESS = "<br><small>{}</small>"
ASSIGNEE = '<br><small class="assignee" title="{}">{}</small>'
EMPTY = mark_safe("")
# References are capitals, digits and dashes (`DMR-2026-000123`), which a URL keeps as they
# are: one `reverse()` per page, the reference put in its place on each row.
PLACEHOLDER = "REFERENCE"
PREVIEW_CHARS = 90
# What a row shows (and the next page's key), for `queue_read(fields=...)`.
FIELDS = (
    "reference",
    "version",
    "status",
    "description",
    "address",
    "created_at",
    "followers_count",
    "category__name",
    "category__name_en",
    "category__parent__name",
    "category__parent__name_en",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def queue_table_rows(
    signals: list[Signal], *, contested: set[int] = frozenset()
) -> list[SafeString]:
    """The `<tr>` of each signal (annotated by `with_queue_annotations`), in the active
    language; the signals whose ids are in `contested` marked as such (workflow.feedback)."""
    statuses = {value: str(label) for value, label in State.choices}
    overdue = _("Overdue")
    contested_badge = _html_format(CONTESTED, _("A resident says it is not fixed"))
    answered_badge = _html_format(ANSWERED, _("The reporter answered"))
    assigned_to = _("Assigned to")
    names: dict[int, SafeString] = {}  # a page holds a few agents: each written once
    url = reverse("workflow:signal", args=[PLACEHOLDER])
    # What the `date` filter does, its format and time zone looked up once per page.
    zone = get_current_timezone()
    day, moment = get_format("SHORT_DATE_FORMAT"), get_format("SHORT_DATETIME_FORMAT")
    categories: dict[int, str] = {}  # a page holds a few categories: each named once
    rows = []
    for signal in signals:
        category = categories.get(signal.category_id)
        if category is None:
            category = categories[signal.category_id] = str(signal.category)
        badge = EMPTY
        if signal.is_overdue:
            due = dateformat.format(signal.due_at.astimezone(zone), day)
            badge = _html_format(OVERDUE, _("Due on %(date)s") % {"date": due}, overdue)
        elif signal.pk in contested:
            badge = contested_badge
        if getattr(signal, "has_unread_answer", False):
            badge = mark_safe(badge + answered_badge)  # noqa: S308 (both built escaped)
        rows.append(
            _html_format(
                ROW,
                "overdue" if signal.is_overdue else "",
                signal.reference,
                signal.version,  # read back by the bulk form: never with a thousands separator
                signal.reference,
                url.replace(PLACEHOLDER, signal.reference),
                signal.reference,
                badge,
                signal.status,
                statuses[signal.status],
                _assignee(signal, names, assigned_to),
                category,
                _preview(signal.description),
                _html_format(ADDRESS, signal.address) if signal.address else EMPTY,
                dateformat.format(signal.created_at.astimezone(zone), moment),
                localize(signal.followers_count),
            )
        )
    return rows


def _assignee(signal: Signal, names: dict[int, SafeString], label: str) -> SafeString:
    if signal.assignee_id is None:
        return EMPTY
    name = names.get(signal.assignee_id)
    if name is None:
        name = names[signal.assignee_id] = _html_format(
            ASSIGNEE, label, display_name(signal.assignee)
        )
    return name


def _preview(text: str) -> str:
    # Truncator walks every character of the text (combining marks take no room), even
    # when it keeps them all: a text of at most that many characters is kept as it is.
    return text if len(text) <= PREVIEW_CHARS else Truncator(text).chars(PREVIEW_CHARS)


def _html_format(template: str, *values) -> SafeString:
    """`format_html` for the rows' texts and numbers, without the wrapper that checks
    each value for a lazy translation (a third of the rows' time): same escaping,
    and values that are HTML already (`__html__`) go in as they are."""
    return mark_safe(  # noqa: S308 (every value escaped just below)
        template.format(
            *(
                value.__html__() if hasattr(value, "__html__") else html.escape(str(value))
                for value in values
            )
        )
    )
