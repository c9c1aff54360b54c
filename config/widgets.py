"""Form widgets written in Python where Django's templates cost a page too much."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

_OPTION = '<option value="{}"{}>{}</option>'


class PlainSelect(forms.Select):
    """A `<select>`, its options in `<optgroup>`s or not, with the HTML of `forms.Select`.

    Django renders each `<option>` through its own template (and one more for its
    attributes): for a list of categories that was a few milliseconds on every page
    that shows one (the staff queue, the public map and list).
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))

        def options(choices) -> SafeString:
            return format_html_join(
                "",
                _OPTION,
                (
                    (option, " selected" if str(option) in chosen else "", label)
                    for option, label in choices
                ),
            )

        parts = []
        for option, label in self.choices:
            if isinstance(label, (list, tuple)):  # a group: (its name, its choices)
                parts.append(
                    format_html('<optgroup label="{}">{}</optgroup>', option, options(label))
                )
            else:
                parts.append(options([(option, label)]))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            format_html_join("", "{}", ((part,) for part in parts)),
        )
