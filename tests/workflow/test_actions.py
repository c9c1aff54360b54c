"""The rules of each action, through the staff API, as an integrator meets them."""

import io
import threading

import pytest
from django.db import connection
from PIL import Image

from signals.models import Follower, Photo
from tests.factories import INSIDE_WEST, CategoryFactory, ServiceFactory, make_area, make_signal
from workflow.models import StatusChange

pytestmark = pytest.mark.django_db


def post(city, signal, body, user=None, fmt="json", what="transitions"):
    return city.api(user or city.agent).post(
        f"/api/v1/signals/{signal.reference}/{what}/", body, format=fmt
    )


def test_a_forbidden_transition_names_the_allowed_ones_and_changes_nothing(city):
    response = post(city, city.ours, {"to": "resolved"})
    assert response.status_code == 400
    assert "accepted" in response.json()["to"][0]
    assert city.ours.history.count() == 1


def test_rejecting_needs_a_public_reason(city):
    response = post(city, city.ours, {"to": "rejected"})
    assert response.status_code == 400
    assert "message" in response.json()
    ok = post(city, city.ours, {"to": "rejected", "message": "Domaine privé"})
    assert ok.status_code == 200
    assert ok.json()["status"] == "rejected"


def test_scheduling_needs_a_date(city):
    post(city, city.ours, {"to": "accepted"})
    assert "planned_for" in post(city, city.ours, {"to": "scheduled"}).json()
    ok = post(city, city.ours, {"to": "scheduled", "planned_for": "2026-12-01"})
    assert ok.status_code == 200
    assert city.ours.history.last().planned_for.isoformat() == "2026-12-01"


def test_a_duplicate_names_its_original_which_gains_the_followers(city):
    original = make_signal(city.category, INSIDE_WEST)
    Follower.objects.create(
        signal=city.ours, email="voisin@example.org", confirmed_at="2026-01-01T00:00Z"
    )
    assert "duplicate_of" in post(city, city.ours, {"to": "duplicate"}).json()
    response = post(city, city.ours, {"to": "duplicate", "duplicate_of": original.reference})
    assert response.status_code == 200
    followers = set(original.followers.values_list("email", flat=True))
    # The duplicate's follower and its reporter now hear about the original.
    assert followers == {"voisin@example.org", "reporter@example.org"}


def test_reopening_needs_a_reason(city):
    post(city, city.ours, {"to": "rejected", "message": "Non"})
    assert "message" in post(city, city.ours, {"to": "accepted"}).json()
    assert post(city, city.ours, {"to": "accepted", "message": "Erreur"}).status_code == 200


def test_resolving_with_an_after_photo(city):
    post(city, city.ours, {"to": "accepted"})
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "apres.jpg"
    response = post(
        city,
        city.ours,
        {"to": "resolved", "message": "Rebouché", "after_photo": buffer},
        fmt="multipart",
    )
    assert response.status_code == 200, response.content
    assert Photo.objects.filter(signal=city.ours, kind=Photo.Kind.AFTER).count() == 1
    public = city.api(None).get(f"/api/v1/signals/{city.ours.reference}/").json()
    assert [p["kind"] for p in public["properties"]["photos"]] == ["after"]


def test_a_transfer_needs_a_reason_and_hands_the_signal_over(city):
    assert "reason" in post(city, city.ours, {"service": "proprete"}, what="transfer").json()
    response = post(
        city, city.ours, {"service": "proprete", "reason": "Dépôt, pas voirie"}, what="transfer"
    )
    assert response.status_code == 200
    assert (
        city.api(city.agent).get(f"/api/v1/staff/signals/{city.ours.reference}/").status_code == 404
    )
    seen = city.api(city.other_agent).get(f"/api/v1/staff/signals/{city.ours.reference}/")
    assert seen.status_code == 200
    row = StatusChange.objects.filter(signal=city.ours, kind=StatusChange.Kind.TRANSFER).get()
    assert (row.from_service, row.to_service, row.note) == (
        city.voirie,
        city.proprete,
        "Dépôt, pas voirie",
    )


def test_changing_the_category_routes_again(city):
    lighting = CategoryFactory(code="lampadaire")
    eclairage = ServiceFactory(slug="eclairage")
    make_area(eclairage, city.ours.location.buffer(0.01), categories=[lighting], priority=1)
    response = post(city, city.ours, {"category": "lampadaire"}, what="category")
    assert response.status_code == 200
    assert response.json()["service"] == "eclairage"


def test_a_stale_version_is_a_409_and_changes_nothing(city):
    assert post(city, city.ours, {"to": "accepted", "version": 1}).status_code == 200
    late = post(city, city.ours, {"to": "rejected", "message": "Non", "version": 1})
    assert late.status_code == 409
    assert "detail" in late.json()
    city.ours.refresh_from_db()
    assert city.ours.status == "accepted"


@pytest.mark.django_db(transaction=True)
def test_two_agents_at_once_one_wins_the_other_gets_a_409(city):
    barrier = threading.Barrier(2)
    results = {}

    def act(name, body):
        try:
            barrier.wait()
            results[name] = post(
                city, city.ours, body, user=city.agent if name == "a" else city.supervisor
            ).status_code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("a", {"to": "accepted", "version": 1})),
        threading.Thread(
            target=act, args=("b", {"to": "rejected", "message": "Non", "version": 1})
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 409]
    moves = StatusChange.objects.filter(signal=city.ours).exclude(from_state="")
    assert moves.count() == 1


def test_comments_are_internal(city):
    response = post(city, city.ours, {"note": "Appeler le riverain"}, what="comments")
    assert response.status_code == 201
    public = city.api(None).get(f"/api/v1/signals/{city.ours.reference}/").content.decode()
    assert "Appeler le riverain" not in public


def test_an_after_photo_over_the_size_limit_is_refused_and_nothing_changes(city, settings):
    settings.PHOTO_MAX_BYTES = 1000
    post(city, city.ours, {"to": "accepted"})
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 80).convert("RGB").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "apres.png"
    response = post(
        city,
        city.ours,
        {"to": "resolved", "message": "Fait", "after_photo": buffer},
        fmt="multipart",
    )
    assert response.status_code == 400
    assert "after_photo" in response.json()
    city.ours.refresh_from_db()
    assert city.ours.status == "accepted"
    assert not Photo.objects.filter(signal=city.ours).exists()
