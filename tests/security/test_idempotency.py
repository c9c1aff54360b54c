"""Retries are safe: one Idempotency-Key, one signal — also under concurrent retries."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from signals.models import Signal
from tests.security.conftest import post_report
from workflow.models import StatusChange


@pytest.mark.django_db
def test_the_same_key_returns_the_same_signal(client, city):
    headers = {"Idempotency-Key": "3f0c9a1e-retry-1"}
    first = post_report(client, headers=headers)
    again = post_report(client, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert first.json()["reference"] == again.json()["reference"]
    assert Signal.objects.count() == 1
    assert StatusChange.objects.count() == 1


@pytest.mark.django_db
def test_different_keys_make_different_signals(client, city):
    a = post_report(client, headers={"Idempotency-Key": "key-a"})
    b = post_report(client, headers={"Idempotency-Key": "key-b"})
    assert a.json()["reference"] != b.json()["reference"]


@pytest.mark.django_db
def test_the_same_key_with_another_report_is_a_409(client, city):
    post_report(client, headers={"Idempotency-Key": "key-1"})
    other = post_report(client, headers={"Idempotency-Key": "key-1"}, description="Autre chose")
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"]
    assert Signal.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "a key with spaces", "x" * 129, "clé"])
def test_a_malformed_key_is_a_400_and_stores_nothing(client, city, key):
    response = post_report(client, headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert Signal.objects.count() == 0


@pytest.mark.django_db
def test_a_refused_report_does_not_burn_its_key(client, city):
    bad = post_report(client, headers={"Idempotency-Key": "k"}, description="")
    assert bad.status_code == 400
    good = post_report(client, headers={"Idempotency-Key": "k"})
    assert good.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_store_one_signal(city):
    clients = 8
    barrier = threading.Barrier(clients)
    results: list = [None] * clients

    def retry(index: int) -> None:
        try:
            barrier.wait()
            response = post_report(APIClient(), headers={"Idempotency-Key": "storm-1"})
            results[index] = (response.status_code, response.json().get("reference"))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in results} == {201}
    assert len({reference for _, reference in results}) == 1
    assert Signal.objects.count() == 1
    assert StatusChange.objects.count() == 1
