"""Without JavaScript, photos survive the report form coming back (an error, "Déjà signalé ?").

A browser cannot put a file back into a file input: the server keeps the photos it has
already cleaned, under a token only the returned page holds, and sends them with the report.
"""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from signals.models import HeldPhoto, Signal
from tests.factories import INSIDE_WEST, make_signal
from tests.publicmap.test_pages import NEAR, report_data

pytestmark = pytest.mark.django_db


def photo(colour=(10, 120, 200), size=(40, 30), name="tag.jpg") -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    out.seek(0)
    out.name = name
    return out


def token_in(html: str) -> str:
    return re.search(r'name="held_photos" value="([^"]*)"', html)[1]


def file_inputs(html: str) -> int:
    return len(re.findall(r'<input type="file" name="photos"', html))


def stored_sizes(signal: Signal) -> list[tuple[int, int]]:
    return [(p.width, p.height) for p in signal.photos.order_by("id")]


def test_photos_sent_with_a_missing_field_are_kept_and_go_with_the_report(client, city):
    response = client.post(
        "/signaler/",
        report_data(description="", photos=[photo(size=(40, 30)), photo(size=(50, 20))]),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Vos 2 photos sont gardées : elles partiront avec votre signalement." in html
    assert file_inputs(html) == 1  # room for one more
    token = token_in(html)
    assert token and token not in response.headers.get("Location", "")

    response = client.post("/signaler/", report_data(held_photos=token))

    assert response.status_code == 302
    signal = Signal.objects.get()
    assert stored_sizes(signal) == [(40, 30), (50, 20)]
    assert not HeldPhoto.objects.exists()  # sent: nothing kept any more


def test_photos_held_back_by_deja_signale_go_with_the_report_sent_all_the_same(client, city):
    make_signal(city, INSIDE_WEST)
    html = client.post("/signaler/", report_data(photos=[photo()], **NEAR)).content.decode()
    assert "Déjà signalé ?" in html
    assert "Votre photo est gardée : elle partira avec votre signalement." in html
    seen = re.search(r'name="nearby_seen" id="id_nearby_seen" value="([^"]*)"', html)[1]

    response = client.post(
        "/signaler/", report_data(nearby_seen=seen, held_photos=token_in(html), **NEAR)
    )

    assert response.status_code == 302
    assert stored_sizes(Signal.objects.latest("id")) == [(40, 30)]


def test_a_photo_added_on_the_second_sending_joins_the_kept_ones(client, city):
    html = client.post(
        "/signaler/", report_data(description="", photos=[photo(size=(40, 30))])
    ).content.decode()
    html = client.post(
        "/signaler/",
        report_data(description="", held_photos=token_in(html), photos=[photo(size=(60, 20))]),
    ).content.decode()
    assert "Vos 2 photos sont gardées" in html

    client.post("/signaler/", report_data(held_photos=token_in(html)))

    assert stored_sizes(Signal.objects.get()) == [(40, 30), (60, 20)]


def test_kept_photos_can_be_removed(client, city):
    html = client.post("/signaler/", report_data(description="", photos=[photo()])).content.decode()
    token = token_in(html)

    response = client.post("/signaler/", report_data(held_photos=token, drop_held_photos="1"))

    assert response.status_code == 302
    assert Signal.objects.get().photos.count() == 0
    assert not HeldPhoto.objects.filter(token=token).exists()


def test_more_than_three_photos_in_all_is_refused_and_the_kept_ones_stay(client, city):
    html = client.post(
        "/signaler/", report_data(description="", photos=[photo(), photo()])
    ).content.decode()
    token = token_in(html)

    response = client.post("/signaler/", report_data(held_photos=token, photos=[photo(), photo()]))

    html = response.content.decode()
    assert response.status_code == 400
    assert "3 photos au plus." in html
    assert "Vos 2 photos sont gardées" in html
    assert Signal.objects.count() == 0


def test_photos_kept_longer_than_an_hour_are_asked_again_not_silently_dropped(client, city):
    html = client.post("/signaler/", report_data(description="", photos=[photo()])).content.decode()
    token = token_in(html)
    HeldPhoto.objects.update(held_at=timezone.now() - timedelta(hours=1, minutes=1))

    response = client.post("/signaler/", report_data(held_photos=token))

    assert response.status_code == 400
    assert "ne sont gardées qu’une heure : choisissez-les à nouveau" in response.content.decode()
    assert Signal.objects.count() == 0


@pytest.mark.parametrize("token", ["../../etc/passwd", "x" * 64, "' OR 1=1 --"])
def test_a_forged_token_keeps_nothing_and_breaks_nothing(client, city, token):
    response = client.post("/signaler/", report_data(held_photos=token))
    assert response.status_code == 400
    assert "choisissez-les à nouveau" in response.content.decode()


def test_the_page_script_keeps_its_files_itself_so_the_server_keeps_none(client, city):
    response = client.post(
        "/signaler/", report_data(description="", photos=[photo()], photos_in_browser="1")
    )
    assert response.status_code == 400
    assert token_in(response.content.decode()) == ""
    assert not HeldPhoto.objects.exists()


def test_kept_photos_are_already_stripped_of_their_metadata(client, city):
    tagged = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    Image.new("RGB", (40, 30), (1, 2, 3)).save(tagged, format="JPEG", exif=exif)
    tagged.seek(0)
    tagged.name = "tagged.jpg"
    client.post("/signaler/", report_data(description="", photos=[tagged]))
    kept = bytes(HeldPhoto.objects.get().jpeg)
    assert b"PhoneMaker" not in kept and b"Exif" not in kept


def test_the_timer_deletes_photos_past_the_hour_and_keeps_the_others(client, city):
    from io import StringIO

    from django.core.management import call_command

    client.post("/signaler/", report_data(description="", photos=[photo()]))
    client.post("/signaler/", report_data(description="", photos=[photo(), photo()]))
    oldest = HeldPhoto.objects.order_by("held_at").first()
    HeldPhoto.objects.filter(token=oldest.token).update(
        held_at=timezone.now() - timedelta(hours=1, minutes=1)
    )
    out = StringIO()
    call_command("forget_held_photos", stdout=out)
    assert out.getvalue().startswith("1 held photo(s) deleted")
    assert HeldPhoto.objects.count() == 2
    assert not HeldPhoto.objects.filter(token=oldest.token).exists()
