"""Anonymous creation is limited per client IP; a forged X-Forwarded-For buys nothing."""

import uuid

import pytest
import redis
from django.core.cache import caches

from signals.models import Signal
from tests.security.conftest import URL, post_report

pytestmark = pytest.mark.django_db

REDIS_TEST_DB = 13  # a database number nobody else on this machine uses


def test_past_the_limit_a_report_is_a_429_with_retry_after_and_is_not_stored(
    client, city, settings
):
    settings.SIGNAL_CREATE_RATE = "3/minute"
    assert [post_report(client).status_code for _ in range(3)] == [201, 201, 201]
    refused = post_report(client)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "detail" in refused.json()
    assert Signal.objects.count() == 3
    # Reading the map is never limited.
    assert client.get(URL, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_a_forged_x_forwarded_for_does_not_reset_the_counter(client, city, settings):
    settings.SIGNAL_CREATE_RATE = "2/minute"
    statuses = [
        post_report(client, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [201, 201, 429, 429, 429]


def test_each_client_address_has_its_own_counter(client, city, settings):
    settings.SIGNAL_CREATE_RATE = "1/minute"
    assert post_report(client, ip="198.51.100.1").status_code == 201
    assert post_report(client, ip="198.51.100.1").status_code == 429
    assert post_report(client, ip="198.51.100.2").status_code == 201


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(client, city, settings):
    settings.SIGNAL_CREATE_RATE = "1/minute"
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.5"
    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    first = post_report(client, ip=proxy, headers={"X-Forwarded-For": "203.0.113.9"})
    forged = post_report(client, ip=proxy, headers={"X-Forwarded-For": "1.1.1.1, 203.0.113.9"})
    other = post_report(client, ip=proxy, headers={"X-Forwarded-For": "203.0.113.10"})
    assert [first.status_code, forged.status_code, other.status_code] == [201, 429, 201]


def test_none_turns_the_limit_off(client, city, settings):
    settings.SIGNAL_CREATE_RATE = "none"
    assert {post_report(client).status_code for _ in range(5)} == {201}


def test_staff_are_not_limited(client, city, settings, django_user_model):
    settings.SIGNAL_CREATE_RATE = "1/minute"
    client.force_login(django_user_model.objects.create_user("agent", is_staff=True))
    assert {post_report(client).status_code for _ in range(3)} == {201}


@pytest.fixture
def redis_cache(settings):
    url = f"redis://127.0.0.1:6379/{REDIS_TEST_DB}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis answers on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    yield redis.Redis.from_url(url), prefix
    caches["default"].clear()


def test_with_redis_the_counter_lives_in_redis_where_every_worker_sees_it(
    client, city, settings, redis_cache
):
    server, prefix = redis_cache
    settings.SIGNAL_CREATE_RATE = "2/minute"
    assert [post_report(client).status_code for _ in range(3)] == [201, 201, 429]
    keys = [key.decode() for key in server.keys(f"{prefix}:*")]
    assert any("throttle_signal_create_198.51.100.7" in key for key in keys)
