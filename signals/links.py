"""Absolute links to the site, for e-mails: built from `SITE_URL`, never from a request's
Host header (which a client chooses)."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` on the site, as a link in an e-mail."""
    return settings.SITE_URL.rstrip("/") + path
