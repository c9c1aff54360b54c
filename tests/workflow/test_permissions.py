"""Who may do what: role × own/other service × read/act, through the API and the pages."""

import pytest

pytestmark = pytest.mark.django_db

ROLES = ["agent", "supervisor"]


def transition_url(signal):
    return f"/api/v1/signals/{signal.reference}/transitions/"


@pytest.mark.parametrize("role", ROLES)
def test_staff_read_their_services_signal(city, role):
    response = city.api(getattr(city, role)).get(f"/api/v1/staff/signals/{city.ours.reference}/")
    assert response.status_code == 200
    assert response.json()["reference"] == city.ours.reference


@pytest.mark.parametrize("role", ROLES)
def test_another_services_signal_is_a_404_to_read(city, role):
    response = city.api(getattr(city, role)).get(f"/api/v1/staff/signals/{city.theirs.reference}/")
    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_staff_act_on_their_services_signal(city, role):
    response = city.api(getattr(city, role)).post(
        transition_url(city.ours), {"to": "accepted", "message": "Vu"}, format="json"
    )
    assert response.status_code == 200
    city.ours.refresh_from_db()
    assert city.ours.status == "accepted"


@pytest.mark.parametrize("role", ROLES)
def test_another_services_signal_is_a_404_to_act_and_is_untouched(city, role):
    response = city.api(getattr(city, role)).post(
        transition_url(city.theirs), {"to": "accepted"}, format="json"
    )
    assert response.status_code == 404
    city.theirs.refresh_from_db()
    assert city.theirs.status == "new"


def test_the_queue_lists_only_ones_own_services(city):
    body = city.api(city.agent).get("/api/v1/staff/signals/").json()
    assert [row["reference"] for row in body["results"]] == [city.ours.reference]


def test_anonymous_and_serviceless_users_get_nothing(city):
    assert city.api(None).get("/api/v1/staff/signals/").status_code in (401, 403)
    assert city.api(None).post(transition_url(city.ours), {"to": "accepted"}).status_code in (
        401,
        403,
    )
    assert city.api(city.stranger).get("/api/v1/staff/signals/").json()["results"] == []
    stranger_act = city.api(city.stranger).post(transition_url(city.ours), {"to": "accepted"})
    assert stranger_act.status_code == 404


def test_statistics_are_for_supervisors(city):
    assert city.api(city.agent).get("/api/v1/staff/statistics/").status_code == 403
    body = city.api(city.supervisor).get("/api/v1/staff/statistics/").json()
    new = next(row for row in body["by_status"] if row["key"] == "new")
    # The supervisor's service has one signal; the other service's is not counted.
    assert new["count"] == 1
    assert body["total"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_pages_show_own_and_hide_other_services_signals(client, city, role):
    client.force_login(getattr(city, role))
    assert client.get(f"/gestion/signalements/{city.ours.reference}/").status_code == 200
    assert client.get(f"/gestion/signalements/{city.theirs.reference}/").status_code == 404
    other = client.post(
        f"/gestion/signalements/{city.theirs.reference}/statut/", {"to": "accepted"}
    )
    assert other.status_code == 404
    queue = client.get("/gestion/").content.decode()
    assert city.ours.reference in queue
    assert city.theirs.reference not in queue


def test_pages_need_a_login(client, city):
    response = client.get("/gestion/")
    assert response.status_code == 302
    assert "/gestion/connexion/" in response["Location"]
