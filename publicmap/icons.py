"""Category icons: Font Awesome's SVGs, from the xstatic-font-awesome package."""

from functools import cache

from django.contrib.staticfiles import finders
from django.templatetags.static import static

# Names in the category tree that Font Awesome's free set spells differently.
ALIASES = {"bench": "chair"}
FALLBACK = "circle-exclamation"


@cache
def icon_url(name: str) -> str:
    name = ALIASES.get(name, name) or FALLBACK
    path = f"fontawesome/svgs/solid/{name}.svg"
    if not finders.find(path):
        path = f"fontawesome/svgs/solid/{FALLBACK}.svg"
    return static(path)
