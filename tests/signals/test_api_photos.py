"""Reporting with photos: multipart/form-data with the repeated field `photos`."""

import io
import json

import pytest
from PIL import Image

from signals.models import Photo, Signal
from tests.factories import INSIDE_WEST, WEST, CategoryFactory, ServiceFactory, make_area

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"


@pytest.fixture
def city():
    make_area(ServiceFactory(slug="voirie", name="Voirie"), WEST)
    return CategoryFactory(code="graffiti", name="Graffiti")


def jpeg_with_gps(name="photo.jpg", size=(64, 48)) -> io.BytesIO:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 25.0)}  # GPSInfo: where the resident lives
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    out.seek(0)
    out.name = name
    return out


def form(**overrides):
    body = {
        "category": "graffiti",
        "description": "Tag sur la porte",
        "location": json.dumps({"type": "Point", "coordinates": [INSIDE_WEST.x, INSIDE_WEST.y]}),
    }
    body.update(overrides)
    return body


def test_photos_are_stored_cleaned_and_listed_with_their_urls(api_client, city):
    response = api_client.post(
        URL, form(photos=[jpeg_with_gps("a.jpg"), jpeg_with_gps("b.png", (30, 40))])
    )
    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert len(photos) == 2
    assert all(p["url"].startswith("http://testserver/media/photos/") for p in photos)
    assert {(p["width"], p["height"]) for p in photos} == {(64, 48), (30, 40)}
    assert all(p["kind"] == "before" for p in photos)
    signal = Signal.objects.get(reference=response.json()["reference"])
    for photo in signal.photos.all():
        data = photo.image.read()
        assert b"SecretCam" not in data
        with Image.open(io.BytesIO(data)) as stored:
            assert stored.format == "JPEG"
            assert not stored.getexif()


def test_the_stored_photo_is_served_at_its_public_url(api_client, client, city, settings):
    response = api_client.post(URL, form(photos=[jpeg_with_gps()]))
    url = response.json()["photos"][0]["url"].removeprefix("http://testserver")
    # The file name is random: it says nothing about the signal or the resident.
    assert response.json()["reference"] not in url
    path = settings.MEDIA_ROOT / url.removeprefix("/media/")
    assert path.is_file()


def test_an_unreadable_file_is_a_400_on_photos_and_nothing_is_stored(api_client, city):
    bad = io.BytesIO(b"<?php system($_GET['c']); ?>")
    bad.name = "photo.jpg"
    response = api_client.post(URL, form(photos=[jpeg_with_gps(), bad]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["photos"]
    assert "Photo 2 (photo.jpg)" in errors["photos"][0]
    assert Signal.objects.count() == 0
    assert Photo.objects.count() == 0


def test_more_than_three_photos_is_a_400(api_client, city):
    response = api_client.post(URL, form(photos=[jpeg_with_gps() for _ in range(4)]))
    assert response.status_code == 400
    assert "photos" in response.json()
    assert Signal.objects.count() == 0


def test_an_empty_file_is_a_400_on_photos(api_client, city):
    empty = io.BytesIO(b"")
    empty.name = "vide.jpg"
    response = api_client.post(URL, form(photos=[empty]))
    assert response.status_code == 400
    assert "photos" in response.json()
    assert Signal.objects.count() == 0


def test_a_bad_photo_and_a_bad_field_are_reported_together(api_client, city):
    bad = io.BytesIO(b"not an image")
    bad.name = "x.jpg"
    response = api_client.post(URL, form(description="", photos=[bad]))
    assert response.status_code == 400
    assert {"photos", "description"} <= set(response.json())


def test_a_signal_without_photos_still_lists_an_empty_photos_array(api_client, city):
    response = api_client.post(URL, form())
    assert response.status_code == 201
    assert response.json()["photos"] == []
