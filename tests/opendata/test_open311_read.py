import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opendata.models import ServiceAttribute
from tests.factories import INSIDE_EAST, make_signal
from tests.opendata.conftest import INTERNAL_NOTE, PUBLIC_MESSAGE

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return ET.fromstring(response.content)  # noqa: S314 (our own response)


def ids(response) -> list[str]:
    return [r["service_request_id"] for r in response.json()]


def test_discovery_lists_the_georeport_v2_endpoint_in_both_formats(client, city):
    data = client.get(f"{BASE}/discovery.json").json()
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


def test_services_are_the_reportable_sub_categories(client, city):
    services = client.get(f"{BASE}/services.json").json()
    pothole = next(s for s in services if s["service_code"] == "voirie-nid-de-poule")
    assert pothole == {
        "service_code": "voirie-nid-de-poule",
        "service_name": "Nid de poule",
        "description": "Nid de poule",
        "metadata": False,
        "type": "realtime",
        "keywords": "Voirie et espace public, Nid de poule",
        "group": "Voirie et espace public",
    }
    assert "voirie" not in {s["service_code"] for s in services}  # a type is not reportable
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert "voirie-nid-de-poule" in [s.findtext("service_code") for s in root.iter("service")]


def test_a_category_with_attributes_has_metadata_and_a_definition(client, city):
    ServiceAttribute.objects.create(
        category=city["pothole"],
        code="profondeur",
        description="Profondeur du trou ?",
        datatype="singlevaluelist",
        required=True,
        order=1,
        values=[
            {"key": "petit", "name": "Moins de 5 cm"},
            {"key": "grand", "name": "Plus de 5 cm"},
        ],
    )
    services = client.get(f"{BASE}/services.json").json()
    assert (
        next(s for s in services if s["service_code"] == "voirie-nid-de-poule")["metadata"] is True
    )
    definition = client.get(f"{BASE}/services/voirie-nid-de-poule.json").json()
    assert definition == {
        "service_code": "voirie-nid-de-poule",
        "attributes": [
            {
                "variable": True,
                "code": "profondeur",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": "",
                "order": 1,
                "description": "Profondeur du trou ?",
                "values": [
                    {"key": "petit", "name": "Moins de 5 cm"},
                    {"key": "grand", "name": "Plus de 5 cm"},
                ],
            }
        ],
    }
    root = xml(client.get(f"{BASE}/services/voirie-nid-de-poule.xml"))
    assert [v.findtext("key") for v in root.iter("value")] == ["petit", "grand"]


def test_requests_carry_every_field_of_the_specification(client, city):
    data = client.get(f"{BASE}/requests.json").json()
    assert ids_of(data) == [
        city["recent"].reference,
        city["closed"].reference,
        city["old"].reference,
    ]
    old = data[-1]
    assert set(old) == REQUEST_FIELDS | {"extended_attributes"}
    assert old["status"] == "open"
    assert PUBLIC_MESSAGE in old["status_notes"]
    assert old["extended_attributes"]["detailed_status"] == "accepted"
    assert old["extended_attributes"]["detailed_status_label"] == "À traiter"
    assert old["status_notes"].startswith("À traiter — ")
    english = client.get(f"{BASE}/requests.json", HTTP_ACCEPT_LANGUAGE="en").json()[-1]
    assert english["extended_attributes"]["detailed_status_label"] == "To do"
    assert old["service_code"] == "voirie-nid-de-poule"
    assert old["agency_responsible"] == "Voirie Ouest"
    assert old["zipcode"] == "75004"
    assert (old["lat"], old["long"]) == (48.857, 2.34)
    requested = datetime.fromisoformat(old["requested_datetime"])
    # In the city's time zone, as the specification asks.
    assert requested.utcoffset() == timezone.localtime(city["old"].created_at).utcoffset()
    assert abs(requested - city["old"].created_at) < timedelta(seconds=1)
    assert old["expected_datetime"]
    closed = data[1]
    assert closed["status"] == "closed" and closed["expected_datetime"] is None
    assert closed["extended_attributes"]["detailed_status"] == "rejected"
    assert data[0]["media_url"].startswith("http://testserver/media/photos/")


def ids_of(data) -> list[str]:
    return [r["service_request_id"] for r in data]


def test_requests_in_xml_have_the_same_fields(client, city):
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert len(requests) == 3
    assert {child.tag for child in requests[0]} == REQUEST_FIELDS | {"extended_attributes"}
    assert requests[0].findtext("extended_attributes/detailed_status") == "new"


def test_requests_filters(client, city):
    assert ids(client.get(f"{BASE}/requests.json?status=closed")) == [city["closed"].reference]
    assert len(ids(client.get(f"{BASE}/requests.json?status=open,closed"))) == 3
    assert ids(client.get(f"{BASE}/requests.json?service_code=graffitis-tag")) == [
        city["closed"].reference
    ]
    start = (timezone.now() - timedelta(days=3)).isoformat()
    end = (timezone.now() - timedelta(days=1)).isoformat()
    response = client.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end})
    assert ids(response) == [city["closed"].reference]
    both = f"{city['old'].reference},{city['recent'].reference}"
    # With service_request_id, the other parameters are ignored (the specification says so).
    assert set(
        ids(client.get(f"{BASE}/requests.json?service_request_id={both}&status=closed"))
    ) == {
        city["old"].reference,
        city["recent"].reference,
    }


def test_requests_default_to_the_last_90_days(client, city):
    city["old"].__class__.objects.filter(pk=city["old"].pk).update(
        created_at=timezone.now() - timedelta(days=120)
    )
    assert city["old"].reference not in ids(client.get(f"{BASE}/requests.json"))
    start = (timezone.now() - timedelta(days=200)).date().isoformat()
    assert city["old"].reference in ids(client.get(f"{BASE}/requests.json?start_date={start}"))


def test_requests_pages_with_a_next_link(client, city):
    first = client.get(f"{BASE}/requests.json?page_size=2")
    assert ids(first) == [city["recent"].reference, city["closed"].reference]
    assert 'rel="next"' in first["Link"] and "page=2" in first["Link"]
    second = client.get(f"{BASE}/requests.json?page_size=2&page=2")
    assert ids(second) == [city["old"].reference]
    assert "Link" not in second
    # A page reached by skipping rows still carries each request's last public message
    # and photo (they are looked up for the page's rows only).
    assert PUBLIC_MESSAGE in second.json()[0]["status_notes"]
    pages = [client.get(f"{BASE}/requests.json?page_size=1&page={n}").json() for n in (1, 2, 3)]
    assert [page[0]["service_request_id"] for page in pages] == ids(first) + ids(second)
    assert pages[0][0]["media_url"].startswith("http://testserver/")


@pytest.mark.parametrize(
    "query",
    [
        "start_date=yesterday",
        "end_date=2026-13-45",
        "status=pending",
        "page=0",
        "page_size=5000",
        "page=abc",
        "start_date=2026-01-02T00:00:00Z&end_date=2026-01-01T00:00:00Z",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_parameters_are_a_400_in_the_specification_error_format(client, city, query, fmt):
    response = client.get(f"{BASE}/requests.{fmt}?{query}")
    assert response.status_code == 400
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 400 and error["description"]
    else:
        root = xml(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "400"
        assert root.findtext("error/description")


def test_one_request_and_its_404(client, city):
    data = client.get(f"{BASE}/requests/{city['closed'].reference}.json").json()
    assert ids_of(data) == [city["closed"].reference]
    root = xml(client.get(f"{BASE}/requests/{city['closed'].reference}.xml"))
    assert root.findtext("request/status") == "closed"
    response = client.get(f"{BASE}/requests/DMR-1999-999999.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
    assert xml(client.get(f"{BASE}/services/nope.xml")).findtext("error/code") == "404"


def test_tokens_lead_to_the_request(client, city):
    token = str(city["recent"].uuid)
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [
        {"service_request_id": city["recent"].reference, "token": token}
    ]
    assert client.get(f"{BASE}/tokens/not-a-token.json").status_code == 404


def test_no_internal_note_or_email_in_open311(client, city):
    for path in ("requests.json", "requests.xml", f"requests/{city['old'].reference}.xml"):
        text = client.get(f"{BASE}/{path}").content.decode()
        assert INTERNAL_NOTE not in text
        assert "secret.reporter" not in text


@pytest.mark.parametrize(
    ("datatype", "values"),
    [
        ("singlevaluelist", []),
        ("string", "petit,grand"),
        ("singlevaluelist", [{"name": "Sans clé"}]),
        ("multivaluelist", [["a", "b"]]),
    ],
)
def test_malformed_attribute_choices_are_refused_by_the_admin_form(city, datatype, values):
    from django.core.exceptions import ValidationError

    attribute = ServiceAttribute(
        category=city["pothole"], code="x", description="?", datatype=datatype, values=values
    )
    with pytest.raises(ValidationError) as error:
        attribute.full_clean()
    assert "values" in error.value.message_dict


def test_a_longer_list_costs_no_more_queries(client, city, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(f"{BASE}/requests.json").json()) == 3
    for _ in range(9):
        make_signal(city["graffiti"], INSIDE_EAST)
    with django_assert_max_num_queries(len(three.captured_queries)):
        assert len(client.get(f"{BASE}/requests.json").json()) == 12


def test_service_names_follow_the_language(client, city):
    city["pothole"].name_en = "Pothole"
    city["pothole"].save()
    english = client.get(f"{BASE}/requests.json", HTTP_ACCEPT_LANGUAGE="en").json()
    french = client.get(f"{BASE}/requests.json").json()
    assert [r["service_name"] for r in english] == ["Pothole", "Graffiti ou tag", "Pothole"]
    assert [r["service_name"] for r in french] == [
        "Nid de poule",
        "Graffiti ou tag",
        "Nid de poule",
    ]
