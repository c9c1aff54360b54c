"""Not fixed? A resident shows it with a photo: the service sees it, nobody else does."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from signals.models import Photo, Signal
from signals.unsubscribe import reporter_token
from tests.signals.test_photos import SERIAL, jpeg_with_metadata
from workflow.feedback import feedback_url
from workflow.models import Feedback
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(city, django_capture_on_commit_callbacks):
    signal_transition(signal=city.ours, to="accepted")
    signal_transition(signal=city.ours, to="resolved", message="Trou rebouché.")
    city.ours.refresh_from_db()
    return city.ours


def answer_path(signal) -> str:
    return feedback_url(token=reporter_token(signal)).removeprefix(settings.SITE_URL.rstrip("/"))


def upload(data: bytes, name="trou.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def stored_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*.jpg")]


def test_a_not_fixed_photo_reaches_the_service_stripped_and_stays_private(
    client, api_client, city, resolved, django_capture_on_commit_callbacks
):
    page = client.get(answer_path(resolved)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "Une photo (facultatif)" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            answer_path(resolved),
            {"is_fixed": "no", "comment": "Toujours là", "photo": upload(jpeg_with_metadata())},
        )
    assert response.status_code == 302
    [told] = [m for m in mail.outbox if m.to == [city.voirie.email]]
    assert "Il a joint une photo à sa réponse : elle est sur la page du signalement." in told.body
    answer = Feedback.objects.get(signal=resolved)
    photo = answer.photo
    assert (photo.kind, photo.is_public) == ("feedback", False)
    raw = Path(photo.image.path).read_bytes()
    assert SERIAL.encode() not in raw and b"Exif" not in raw  # the phone's details are gone

    # The agent of the service sees it with the answer, and can open it.
    client.force_login(city.agent)
    staff_page = client.get(f"/gestion/signalements/{resolved.reference}/").content.decode()
    assert photo.image.url in staff_page
    assert "Photo envoyée avec la réponse (services seulement)" in staff_page
    assert client.get(photo.image.url).status_code == 200
    detail = city.api(city.agent).get(f"/api/v1/staff/signals/{resolved.reference}/").json()
    assert detail["feedback"][0]["photo"].endswith(photo.image.url)

    # Another service's agent, and the public, do not.
    client.force_login(city.other_agent)
    assert client.get(photo.image.url).status_code == 404
    client.logout()
    assert client.get(photo.image.url).status_code == 404
    public_page = client.get(f"/signalements/{resolved.reference}/").content.decode()
    public_api = api_client.get(f"/api/v1/signals/{resolved.reference}/").content.decode()
    open311 = client.get(f"/open311/v2/requests/{resolved.reference}.json").content.decode()
    for public in (public_page, public_api, open311):
        assert photo.image.name.rsplit("/", 1)[-1] not in public


def test_a_file_that_is_not_a_photo_is_refused_with_the_answer_kept(client, resolved):
    response = client.post(
        answer_path(resolved),
        {"is_fixed": "no", "comment": "Toujours là", "photo": upload(b"%PDF-1.4 not a photo")},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="erreurs"' in page
    assert "Toujours là" in page  # what was typed comes back
    assert re.search(r'value="no"[^>]*checked', page)  # and the answer chosen
    assert not Feedback.objects.exists()
    assert not Photo.objects.filter(kind="feedback").exists()
    assert stored_files() == []


def test_answering_again_keeps_the_photo_or_replaces_it(
    client, resolved, django_capture_on_commit_callbacks
):
    path = answer_path(resolved)
    client.post(path, {"is_fixed": "no", "photo": upload(jpeg_with_metadata())})
    first = Feedback.objects.get().photo
    first_file = Path(first.image.path)

    again = client.get(path).content.decode()
    assert "La photo envoyée avec votre réponse précédente est gardée" in again
    client.post(path, {"is_fixed": "no", "comment": "Et maintenant ?"})
    assert Feedback.objects.get().photo == first  # a browser cannot send the file back

    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"is_fixed": "no", "photo": upload(jpeg_with_metadata((200, 200)))})
    second = Feedback.objects.get().photo
    assert second != first
    assert not Photo.objects.filter(pk=first.pk).exists()
    assert (second.width, second.height) == (200, 200)
    assert not first_file.exists()  # the replaced file goes once the answer is stored
    assert Path(second.image.path).exists()


def test_the_photo_is_erased_with_the_comment_when_the_reporter_is_forgotten(
    client, resolved, django_capture_on_commit_callbacks
):
    client.post(answer_path(resolved), {"is_fixed": "no", "photo": upload(jpeg_with_metadata())})
    photo_file = Path(Feedback.objects.get().photo.image.path)
    assert photo_file.exists()
    Signal.objects.filter(pk=resolved.pk).update(closed_at=timezone.now() - timedelta(days=400))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("anonymize_reporters")

    answer = Feedback.objects.get()
    assert answer.photo is None and answer.comment == ""
    assert not Photo.objects.filter(kind="feedback").exists()
    assert not photo_file.exists()


def test_a_photo_sent_with_a_form_that_comes_back_is_kept_for_the_next_sending(
    client, city, resolved, django_capture_on_commit_callbacks
):
    from signals.models import HeldPhoto

    refused = client.post(
        answer_path(resolved),
        {"comment": "Toujours là", "photo": upload(jpeg_with_metadata())},  # yes or no missing
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Votre photo est gardée : elle partira avec votre réponse." in page
    token = re.search(r'name="held_photo" value="([^"]+)"', page).group(1)
    assert HeldPhoto.objects.filter(token=token).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            answer_path(resolved), {"is_fixed": "no", "comment": "Toujours là", "held_photo": token}
        )
    assert sent.status_code == 302
    photo = Feedback.objects.get(signal=resolved).photo
    assert photo is not None and photo.kind == "feedback"
    assert SERIAL.encode() not in Path(photo.image.path).read_bytes()
    assert not HeldPhoto.objects.exists()  # it went with the answer
