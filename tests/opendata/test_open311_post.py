import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from opendata.models import ApiKey, ServiceAttribute, SignalAttributeValue
from opendata.services import api_key_create, api_key_revoke
from signals.models import Signal
from tests.opendata.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db
URL = "/open311/v2/requests.json"


@pytest.fixture
def key(city):
    return api_key_create(name="Application mobile")[1]


def form(key, **overrides):
    data = {
        "api_key": key,
        "service_code": "voirie-nid-de-poule",
        "lat": "48.857",
        "long": "2.36",
        "description": "Trou profond devant l'école",
        "email": "Habitante@example.org",
        "address_string": "3 rue de la Verrerie, 75004 Paris",
        "first_name": "Jeanne",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_posting_a_request_creates_a_routed_signal(client, key):
    response = client.post(URL, form(key))
    assert response.status_code == 201, response.content
    [created] = response.json()
    signal = Signal.objects.get(reference=created["service_request_id"])
    assert created["token"] == str(signal.uuid)
    assert signal.source == Signal.Source.OPEN311
    assert signal.service.slug == "est"
    assert signal.reporter_email == "habitante@example.org"
    assert signal.address == "3 rue de la Verrerie, 75004 Paris"
    # It can be read back straight away, with or without the token.
    assert client.get(f"/open311/v2/tokens/{created['token']}.json").status_code == 200
    assert client.get(f"/open311/v2/requests/{signal.reference}.json").json()[0]["status"] == "open"


def test_the_resident_is_acknowledged_in_the_app_s_language(
    client, key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form(key), HTTP_ACCEPT_LANGUAGE="en")
    reference = response.json()[0]["service_request_id"]
    [message] = mail.outbox
    assert message.to == ["habitante@example.org"]
    assert message.subject == f"Your signal {reference} has been received"
    assert "Jeanne" not in message.body  # the name is not stored, let alone sent


def test_posting_in_xml(client, key):
    response = client.post("/open311/v2/requests.xml", form(key))
    assert response.status_code == 201
    assert b"<service_requests><request><service_request_id>" in response.content


def test_a_photo_can_be_uploaded_as_media(client, key):
    data = form(key, media=SimpleUploadedFile("trou.jpg", jpeg_bytes(), "image/jpeg"))
    response = client.post(URL, data)
    assert response.status_code == 201
    reference = response.json()[0]["service_request_id"]
    assert Signal.objects.get(reference=reference).photos.count() == 1
    media_url = client.get(f"/open311/v2/requests/{reference}.json").json()[0]["media_url"]
    assert media_url.startswith("http://testserver/media/photos/")


@pytest.mark.parametrize("api_key", [None, "", "not-a-key"])
def test_a_missing_or_unknown_key_is_a_403_and_stores_nothing(client, key, api_key):
    response = client.post(URL, form(api_key))
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    assert not Signal.objects.filter(source=Signal.Source.OPEN311).exists()


def test_a_subnormal_latitude_is_outside_the_territory_not_a_500(client, key):
    response = client.post(URL, form(key, lat="5e-324"))
    assert response.status_code == 400
    assert "territoire" in response.json()[0]["description"]


def test_a_revoked_key_is_refused(client, city):
    api_key, secret = api_key_create(name="Prestataire")
    api_key_revoke(api_key=api_key)
    assert client.post(URL, form(secret)).status_code == 403


def test_using_a_key_records_when(client, key):
    client.post(URL, form(key))
    assert ApiKey.objects.get().last_used_at is not None


def test_only_the_hash_of_a_key_is_stored(key):
    stored = ApiKey.objects.get()
    assert key not in (stored.key_hash, stored.prefix)


@pytest.mark.parametrize(
    ("overrides", "word"),
    [
        ({"service_code": None}, "service_code"),
        ({"service_code": "voirie"}, "service_code"),  # a type, not a service
        ({"lat": None}, "lat"),
        ({"long": "east"}, "long"),
        ({"lat": "95"}, "lat"),
        ({"description": "  "}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"email": "not-an-email"}, "email"),
        ({"media_url": "http://169.254.169.254/"}, "media_url"),
        ({"media": SimpleUploadedFile("a.jpg", b"not an image")}, "media"),
        ({"lat": "10", "long": "10"}, "territ"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(client, key, overrides, word):
    response = client.post(URL, form(key, **overrides))
    assert response.status_code == 400, response.content
    errors = response.json()
    assert all(error["code"] == 400 for error in errors)
    assert any(word in error["description"] for error in errors), errors
    assert not Signal.objects.filter(source=Signal.Source.OPEN311).exists()


def test_a_nul_in_any_field_is_a_400_naming_each_field_and_stores_nothing(client, key):
    # PostgreSQL text cannot hold a NUL: a service code carrying one failed its look-up (500).
    response = client.post(
        URL,
        form(key, service_code="voirie-nid-de-poule\x00", address_string="3 rue\x00"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert [error["description"] for error in response.json()] == [
        "address_string contains a NUL character, which is not allowed.",
        "service_code contains a NUL character, which is not allowed.",
    ]
    assert not Signal.objects.filter(source=Signal.Source.OPEN311).exists()


def test_every_bad_field_is_reported_at_once(client, key):
    response = client.post(URL, form(key, lat="x", long=None, description=""))
    assert len(response.json()) == 3


def test_attributes_are_checked_and_stored(client, city, key):
    depth = ServiceAttribute.objects.create(
        category=city["pothole"],
        code="profondeur",
        description="Profondeur ?",
        datatype="singlevaluelist",
        required=True,
        values=[{"key": "petit", "name": "Petit"}, {"key": "grand", "name": "Grand"}],
    )
    missing = client.post(URL, form(key))
    assert missing.status_code == 400
    assert "attribute[profondeur]" in missing.json()[0]["description"]
    wrong = client.post(URL, form(key, **{"attribute[profondeur]": "énorme"}))
    assert wrong.status_code == 400
    ok = client.post(URL, form(key, **{"attribute[profondeur]": "grand"}))
    assert ok.status_code == 201
    assert SignalAttributeValue.objects.get().attribute == depth
    assert SignalAttributeValue.objects.get().value == "grand"


def test_get_and_post_only(client, key):
    assert client.put(URL).status_code == 405


def test_admin_creates_a_key_shown_once_and_revokes_it(client, city):
    admin = get_user_model().objects.create_superuser("admin", "admin@ville.example", "pw")
    client.force_login(admin)
    response = client.post("/admin/opendata/apikey/add/", {"name": "Appli"}, follow=True)
    assert response.status_code == 200
    key = ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    secret = next(m for m in shown if key.prefix in m).split(" — ")[0].rsplit(" ", 1)[-1]
    client.logout()
    assert client.post(URL, form(secret)).status_code == 201
    client.force_login(admin)
    client.post(
        "/admin/opendata/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    client.logout()
    assert client.post(URL, form(secret)).status_code == 403
