from django import template

from publicmap.icons import icon_url

register = template.Library()


@register.simple_tag
def category_icon(name: str) -> str:
    return icon_url(name or "")
