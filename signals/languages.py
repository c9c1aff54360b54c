"""The language a resident's e-mails are written in: the one they used on the site."""

from django.conf import settings
from django.utils.translation import get_supported_language_variant


def resident_language(code: str | None) -> str:
    """A language of `settings.LANGUAGES` for `code` (a request's language, "en-GB" → "en"),
    the site's own when the site does not speak it."""
    try:
        return get_supported_language_variant(code or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def mail_language(stored: str) -> str:
    """The language to write to someone in: what was stored for them, else the site's
    (rows from before the language was stored, imports, the demo)."""
    return stored or settings.LANGUAGE_CODE
