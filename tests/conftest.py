import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded photos of one test never leak into another, nor into var/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters (and any cached value) start from zero in each test.
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language (French).

    LocaleMiddleware activates a request's language in the thread and nothing
    deactivates it: after a test asking for English, code called directly
    (photo_clean, a command) spoke English to the next test on that worker.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
