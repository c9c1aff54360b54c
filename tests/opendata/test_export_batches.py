"""Exports leave in large chunks: one socket write per ~64 kB, not one per row."""

import pytest

from opendata.exports import batched

pytestmark = pytest.mark.django_db


def test_small_exports_leave_in_one_chunk_with_every_row(client, city):
    response = client.get("/opendata/signalements.csv")
    chunks = list(response.streaming_content)
    assert len(chunks) == 1
    assert chunks[0].decode().count("\n") == 1 + 3  # header and three signals


def test_batches_keep_every_piece_in_order():
    pieces = [f"{i}," * 10 for i in range(1000)]
    chunks = list(batched(pieces, size=1000))
    assert "".join(chunks) == "".join(pieces)
    assert 1 < len(chunks) < len(pieces)


def test_the_paris_file_read_a_few_rows_a_query_has_every_row_once_in_order(
    client, city, monkeypatch
):
    from signals.models import Signal

    monkeypatch.setattr("opendata.dansmarue.CHUNK_SIZE", 2)
    first = Signal.objects.order_by("created_at", "id").first()
    # Three signals reported at the same instant, read two at a time: the second query has
    # to go on by id within that instant.
    Signal.objects.update(created_at=first.created_at)
    expected = list(Signal.objects.order_by("created_at", "id").values_list("reference", flat=True))
    body = b"".join(client.get("/opendata/dans-ma-rue.csv").streaming_content).decode()
    listed = [line.split(";")[0] for line in body.splitlines()[1:]]
    assert listed == expected and len(expected) >= 3
