"""No reporter e-mail, no internal note, no staff name in any public output, in any format.

Two sweeps: an explicit list of every public endpoint and format, and every URL
route of the project that takes no parameter or only parameters we can fill
(a reference, a token, a code...), so that a public page added later is
checked too without anyone remembering to list it here.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from tests.opendata.conftest import INTERNAL_NOTE, SECRET_EMAIL
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db

STAFF_NAME = "Bérénice-Agentdusecteur"


@pytest.fixture
def secrets_city(city):
    agent = get_user_model().objects.create_user(
        "agent.secret",
        "agent.secret@ville.example",
        "pw",
        first_name=STAFF_NAME,
        last_name=STAFF_NAME,
    )
    signal_transition(
        signal=city["recent"],
        to="accepted",
        actor=agent,
        message="Pris en charge",
        note=INTERNAL_NOTE,
    )
    return city


def explicit_urls(city) -> list[str]:
    ref, closed = city["old"].reference, city["closed"].reference
    token = city["recent"].uuid
    urls = [
        "/",
        "/api/v1/signals/",
        "/api/v1/signals/?page_size=1000",
        f"/api/v1/signals/{ref}/",
        f"/api/v1/signals/{closed}/",
        "/api/v1/signals/aggregates/?zoom=12",
        "/api/v1/signals/nearby/?lon=2.36&lat=48.857&category=voirie-nid-de-poule&radius=200",
        "/api/v1/categories/",
        "/signalements/",
        f"/signalements/{ref}/",
        f"/signalements/{closed}/",
        "/signaler/",
        "/api/v1/services/",
        "/api/schema/",
        "/api/schema/?format=json",
        "/api/docs/",
        "/opendata/signalements.geojson",
        "/opendata/signalements.csv",
        "/opendata/dans-ma-rue.csv",
        "/ogc/",
        "/ogc/api",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/signals",
        "/ogc/collections/signals/items",
        "/ogc/collections/signals/items?f=html",
        f"/ogc/collections/signals/items/{ref}",
        f"/ogc/collections/signals/items/{ref}?f=html",
        "/ogc/collections/service-areas/items",
        "/ogc/collections/service-areas/items?f=html",
    ]
    for fmt in ("json", "xml"):
        urls += [
            f"/open311/v2/discovery.{fmt}",
            f"/open311/v2/services.{fmt}",
            f"/open311/v2/services/voirie-nid-de-poule.{fmt}",
            f"/open311/v2/requests.{fmt}",
            f"/open311/v2/requests/{ref}.{fmt}",
            f"/open311/v2/requests/{closed}.{fmt}",
            f"/open311/v2/tokens/{token}.{fmt}",
        ]
    return urls


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def swept_urls(city) -> set[str]:
    """Every `path()` route whose parameters we know how to fill; regex routes are listed above."""
    values = {
        "reference": city["old"].reference,
        "ref": city["old"].reference,
        "request_id": city["old"].reference,
        "feature_id": city["old"].reference,
        "token": str(city["recent"].uuid),
        "uuid": str(city["recent"].uuid),
        "code": "voirie-nid-de-poule",
        "category": "voirie-nid-de-poule",
        "collection_id": "signals",
        "slug": "ouest",
        "service": "ouest",
    }
    urls = set()
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(("admin/", "i18n/", "media/")) or "^" in route:
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if all(name in values for name in names):
            urls.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route))
    return urls


def content(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", errors="replace")
    return response.content.decode("utf-8", errors="replace")


def test_no_personal_data_in_any_public_output(client, secrets_city):
    listed = explicit_urls(secrets_city)
    swept = sorted(swept_urls(secrets_city) - set(listed))
    photo_urls = set()
    for url in listed + swept:
        for accept in ("application/json", "text/html"):
            response = client.get(url, HTTP_ACCEPT=accept)
            # Listed URLs must answer; a swept one may need parameters we could not guess
            # (its error page is checked all the same).
            # 401/403/302: staff-only routes refusing an anonymous visitor, which is the point.
            # 301: a former address leading to a route that is swept too.
            expected = (
                (200, 406) if url in listed else (200, 301, 302, 400, 401, 403, 404, 405, 406)
            )
            assert response.status_code in expected, (url, accept, response.status_code)
            text = content(response)
            for secret in (
                SECRET_EMAIL,
                "secret.reporter",
                INTERNAL_NOTE,
                STAFF_NAME,
                "agent.secret",
            ):
                assert secret not in text, (url, accept, secret)
            photo_urls.update(re.findall(r"/media/photos/[\w/.-]+", text))
    # The photos themselves are re-encoded: nothing of the reporter's in their bytes either.
    assert photo_urls
    for url in photo_urls:
        response = client.get(url)
        data = b"".join(response.streaming_content) if response.streaming else response.content
        assert SECRET_EMAIL.encode() not in data
