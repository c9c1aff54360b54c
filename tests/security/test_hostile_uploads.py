"""Hostile photos through the public API: a 400 with a message, and nothing stored."""

import io
import json

import pytest
from PIL import Image

from signals.models import Photo, Signal
from tests.factories import INSIDE_WEST, WEST, CategoryFactory, ServiceFactory, make_area
from tests.signals.test_photos import SERIAL, encoded, jpeg_with_metadata, png_bomb

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"


@pytest.fixture
def city():
    make_area(ServiceFactory(slug="voirie", name="Voirie"), WEST)
    return CategoryFactory(code="graffiti", name="Graffiti")


def upload(data: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def form(*files):
    return {
        "category": "graffiti",
        "description": "Tag sur la porte",
        "location": json.dumps({"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]}),
        "photos": list(files),
    }


def truncated_jpeg() -> bytes:
    data = encoded(Image.effect_noise((300, 300), 64).convert("RGB"), "JPEG")
    return data[: len(data) // 2]


def nothing_stored(settings) -> bool:
    media = settings.MEDIA_ROOT
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    return Signal.objects.count() == 0 and Photo.objects.count() == 0 and files == []


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            lambda: encoded(Image.new("RGB", (40, 40)), "JPEG", comment=b"<html><script>x()"),
            "joli.jpg",
            "HTML ou script",
        ),
        (png_bomb, "bombe.png", "trop de pixels"),
        (lambda: truncated_jpeg(), "coupee.jpg", "tronqué"),
        (lambda: encoded(Image.new("RGB", (9, 9)), "GIF"), "anim.jpg", "JPEG, PNG, WebP ou HEIC"),
        (lambda: b"\xff\xd8\xff\xe0" + bytes(10 * 1024 * 1024), "lourde.jpg", "10 Mo"),
    ],
    ids=["polyglot", "bomb", "truncated", "not-allowed", "too-big"],
)
def test_a_hostile_photo_is_a_400_with_a_message_and_nothing_is_stored(
    api_client, city, settings, data, name, message
):
    response = api_client.post(URL, form(upload(data(), name)))
    assert response.status_code == 400
    assert list(response.json()) == ["photos"]
    assert message in response.json()["photos"][0]
    assert name in response.json()["photos"][0]
    assert nothing_stored(settings)


def test_an_iphone_photo_arrives_as_a_clean_jpeg_served_as_such(api_client, client, city):
    heic = encoded(Image.new("RGB", (2400, 1600), (20, 120, 200)), "HEIF", quality=10)
    gps_jpeg = jpeg_with_metadata()
    response = api_client.post(URL, form(upload(heic, "IMG_0001.HEIC"), upload(gps_jpeg, "b.jpg")))
    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert [(p["width"], p["height"]) for p in photos] == [(2048, 1365), (300, 100)]
    for photo in photos:
        served = client.get(photo["url"].removeprefix("http://testserver"))
        assert served["Content-Type"] == "image/jpeg"
        body = b"".join(served.streaming_content)
        assert SERIAL.encode() not in body
        assert not Image.open(io.BytesIO(body)).getexif()
