"""Stored photos: random names under MEDIA_ROOT, served as JPEG and nothing else."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from PIL import Image

from signals.photos import photo_clean
from tests.factories import WEST, make_area, make_signal

pytestmark = pytest.mark.django_db


def a_photo(name="IMG_0042 rue de Rivoli.png"):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, format="PNG")
    return photo_clean(data=out.getvalue(), name=name)


@pytest.fixture
def photo():
    make_area(polygon=WEST)
    return make_signal(photos=[a_photo()]).photos.get()


def test_a_photo_is_stored_under_a_random_name_outside_the_code_tree(photo):
    assert re.fullmatch(r"photos/([0-9a-f]{2})/\1[0-9a-f]{30}\.jpg", photo.image.name)
    path = Path(photo.image.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    for code in ("signals", "config", "static", "templates"):
        assert not path.is_relative_to((settings.BASE_DIR / code).resolve())
    assert "Rivoli" not in photo.image.name


def test_a_public_photo_is_served_as_a_jpeg_that_no_browser_may_sniff(client, photo):
    response = client.get(photo.image.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).format == "JPEG"


def test_a_hidden_photo_is_served_to_staff_only(client, photo):
    photo.is_public = False
    photo.save()
    assert client.get(photo.image.url).status_code == 404
    staff = get_user_model().objects.create_user("agent", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get(photo.image.url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "url",
    [
        "/media/photos/00/00000000000000000000000000000000.jpg",  # well-formed, unknown
        "/media/photos/..%2F..%2Fconfig/settings.py",
        "/media/photos/ab/ab0000000000000000000000000000000.html",
    ],
)
def test_anything_else_under_media_photos_is_not_found(client, photo, url):
    assert client.get(url).status_code == 404
