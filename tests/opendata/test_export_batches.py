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
