"""Open311 POST is limited per API key, and failed key attempts per client address."""

import pytest

from opendata.services import api_key_create
from signals.models import Signal
from tests.opendata.test_open311_post import URL, form

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(city):
    return api_key_create(name="Application mobile")[1], api_key_create(name="Prestataire")[1]


def post(client, secret, ip="203.0.113.5", fmt="json", **meta):
    return client.post(URL.replace(".json", f".{fmt}"), form(secret), REMOTE_ADDR=ip, **meta)


def assert_429(response, words: str):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    [error] = response.json()
    assert error["code"] == 429
    assert words in error["description"]


def test_a_key_over_its_rate_gets_429_and_stores_nothing_more(client, keys, settings):
    settings.OPEN311_POST_RATE = "3/hour"
    mobile, partner = keys
    # The same key from two addresses: one allowance, the key's.
    for ip in ("203.0.113.5", "203.0.113.6", "203.0.113.5"):
        assert post(client, mobile, ip).status_code == 201
    assert_429(post(client, mobile, "203.0.113.7"), "api_key")
    xml = post(client, mobile, fmt="xml")
    assert xml.status_code == 429
    assert b"<code>429</code>" in xml.content
    assert Signal.objects.filter(source=Signal.Source.OPEN311).count() == 3
    # Another key has its own allowance.
    assert post(client, partner).status_code == 201


def test_wrong_keys_from_one_address_get_429_then_even_a_right_key_waits(client, keys, settings):
    settings.OPEN311_KEY_FAILURE_RATE = "3/hour"
    mobile, _ = keys
    for guess in ("guess-1", "guess-2", "guess-3"):
        assert post(client, guess).status_code == 403
    assert_429(post(client, "guess-4"), "api_key")
    # The guesser may have found the right key: it waits all the same.
    assert_429(post(client, mobile), "api_key")
    # A forged X-Forwarded-For does not make a new address (no trusted proxy configured).
    assert_429(post(client, "guess-5", HTTP_X_FORWARDED_FOR="198.51.100.1"), "api_key")
    # Other addresses are not affected, and nothing was stored meanwhile.
    assert not Signal.objects.filter(source=Signal.Source.OPEN311).exists()
    assert post(client, mobile, ip="203.0.113.99").status_code == 201


def test_successful_posts_are_not_failed_attempts(client, keys, settings):
    settings.OPEN311_KEY_FAILURE_RATE = "2/hour"
    mobile, _ = keys
    for _ in range(3):
        assert post(client, mobile).status_code == 201
    assert post(client, "guess").status_code == 403


def test_none_turns_the_limits_off(client, keys, settings):
    settings.OPEN311_POST_RATE = "none"
    settings.OPEN311_KEY_FAILURE_RATE = "none"
    mobile, _ = keys
    for _ in range(3):
        assert post(client, "guess").status_code == 403
    for _ in range(3):
        assert post(client, mobile).status_code == 201
