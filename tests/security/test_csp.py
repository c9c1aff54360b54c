"""Content-Security-Policy: only our own scripts (and nonced inline ones), only our tile server."""

import re

import pytest

from signals.demo import load_categories, load_signals, load_territory
from signals.models import Signal

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)
DATA_TYPES = ("application/json", "application/ld+json")


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture
def city():
    load_categories()
    load_territory()
    load_signals(count=3)
    return Signal.objects.first()


def html_pages(signal) -> list[str]:
    return [
        "/",
        "/signaler/",
        f"/signalements/{signal.reference}/",
        "/signalements/",
        "/admin/login/",
        "/ogc/?f=html",
        "/api/docs/",
    ]


def test_every_page_allows_only_our_scripts_and_nonced_inline_ones(client, city):
    for path in html_pages(city):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        directives = policy(response)
        scripts = directives["script-src"]
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, path
        assert "*" not in scripts and not any(s.startswith("http") for s in scripts), path
        assert directives["default-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        nonces = [
            s.removeprefix("'nonce-").removesuffix("'") for s in scripts if s.startswith("'nonce-")
        ]
        html = response.content.decode()
        for attributes in INLINE_SCRIPT.findall(html):
            if any(f'type="{kind}"' in attributes for kind in DATA_TYPES):
                continue  # data, not code: json_script
            assert nonces, f"{path}: an inline script but no nonce in the policy"
            assert f'nonce="{nonces[0]}"' in attributes, f"{path}: inline script without nonce"


def test_the_nonce_changes_with_every_response(client, city):
    first = [s for s in policy(client.get("/"))["script-src"] if s.startswith("'nonce-")]
    second = [s for s in policy(client.get("/"))["script-src"] if s.startswith("'nonce-")]
    assert first and second and first != second


def test_images_may_come_from_the_configured_tile_server_only(client, city):
    img = policy(client.get("/"))["img-src"]
    assert "'self'" in img
    assert "https://tile.openstreetmap.org" in img
    assert not any(source in ("*", "https:", "http:") for source in img)


def test_a_tile_server_with_subdomains_is_allowed_as_such():
    from config.settings import tile_origin

    assert (
        tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    )
    assert (
        tile_origin("https://tiles.example.org:8443/{z}/{x}/{y}.png")
        == "https://tiles.example.org:8443"
    )
    assert tile_origin("/static/publicmap/blank-tile.png") == "'self'"


def test_the_api_is_covered_too(client, city):
    response = client.get("/api/v1/signals/")
    assert policy(response)["default-src"] == ["'self'"]


def test_a_photo_keeps_its_stricter_sandbox_policy(client):
    from tests.factories import WEST, make_area, make_signal
    from tests.signals.test_photo_storage import a_photo

    make_area(polygon=WEST)
    photo = make_signal(photos=[a_photo()]).photos.get()
    response = client.get(photo.image.url)
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
