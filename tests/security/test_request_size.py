"""One cap on every request body (`REQUEST_MAX_BYTES`): a clear 413 before the body is read.

Through a real gunicorn, with a raw socket: the client declares a body and
sends none of it (or only part of it), and the answer comes back anyway — so
nothing waited for, or read, the body. A chunked body (no Content-Length) is
read up to the cap and no further.
"""

import json
import socket

import pytest
from django.db import connection

from tests.live import Server, server_env
from tests.security.conftest import report

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DEFAULT_CAP = 34 * 1024 * 1024  # three photos of 10 MB, form fields and multipart overhead


def database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def raw_request(server: Server, head: str, body_parts=()) -> tuple[int, dict, bytes]:
    """Send `head` then each of `body_parts`; return (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        for part in body_parts:
            sock.sendall(part)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head_bytes, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return int(status_line.split()[1]), headers, body


def dechunk(data: bytes) -> bytes:
    out = b""
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return out
        out, data = out + data[:size], data[size + 2 :]


def declared(path: str, length: int, content_type: str, language: str = "fr") -> str:
    return (
        f"POST {path} HTTP/1.1\nHost: 127.0.0.1\nContent-Type: {content_type}\n"
        f"Content-Length: {length}\nAccept-Language: {language}\nConnection: close\n"
    )


def chunked(path: str) -> str:
    return (
        f"POST {path} HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n"
        "Transfer-Encoding: chunked\nConnection: close\n"
    )


def chunks(data: bytes, size: int = 64 * 1024):
    for start in range(0, len(data), size):
        piece = data[start : start + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def test_a_body_declared_over_the_cap_is_refused_before_it_is_sent():
    with Server(server_env(database_url()), workers=1) as server:
        # 40 MB declared, not one byte sent: the answer does not wait for them.
        status, headers, body = raw_request(
            server, declared("/api/v1/signals/", 40 * 1024 * 1024, "application/json")
        )
        assert status == 413
        assert headers["content-type"] == "application/json"
        assert "34 Mo" in json.loads(body)["detail"]
        assert "trop volumineuse" in json.loads(body)["detail"]

        # The residents' form: an HTML page, in French, or in English when asked.
        form = "/signaler/"
        status, headers, body = raw_request(
            server, declared(form, DEFAULT_CAP + 1, "multipart/form-data; boundary=x")
        )
        assert status == 413
        assert headers["content-type"].startswith("text/html")
        assert "Requête trop volumineuse" in body.decode()
        status, _, body = raw_request(
            server, declared(form, DEFAULT_CAP + 1, "multipart/form-data; boundary=x", "en")
        )
        assert status == 413
        assert "Request too large" in body.decode()
        assert "at most 34 MB" in body.decode()


def test_a_chunked_body_is_read_up_to_the_cap_and_no_further(city):
    env = server_env(database_url(), REQUEST_MAX_BYTES=str(1024 * 1024))
    with Server(env, workers=1) as server:
        # Under the cap, a chunked report works like any other: stored, 201.
        good = json.dumps(report(description="Envoyé en morceaux")).encode()
        status, _, body = raw_request(server, chunked("/api/v1/signals/"), chunks(good, 16))
        assert status == 201, body
        assert json.loads(body)["reference"].startswith("DMR-")

        # Over it: 413, and the server stopped reading after the cap.
        big = json.dumps(report(description="x" * (1024 * 1024))).encode()
        status, _, body = raw_request(server, chunked("/api/v1/signals/"), chunks(big))
        assert status == 413
        assert "1 Mo" in json.loads(body)["detail"]

    from signals.models import Signal

    assert list(Signal.objects.values_list("description", flat=True)) == ["Envoyé en morceaux"]


def test_the_cap_is_judged_on_the_declared_length(client, settings):
    settings.REQUEST_MAX_BYTES = 1000
    # Over it by one byte: refused on the header alone (the body sent is tiny).
    over = client.post(
        "/api/v1/signals/", b"{}", content_type="application/json", CONTENT_LENGTH="1001"
    )
    assert over.status_code == 413
    # Exactly at it: the view reads the body and answers on its content.
    body = b"{}" + b" " * 998
    at = client.post("/api/v1/signals/", body, content_type="application/json")
    assert at.status_code == 400
    assert "category" in at.json()
