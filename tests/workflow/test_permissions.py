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


# --- Accounts that change under a live session or token ------------------------------


def logged_in(client, username: str, password: str):
    """A real staff login through the login form (not force_login): a session cookie."""
    response = client.post("/gestion/connexion/", {"username": username, "password": password})
    assert response.status_code == 302, "login failed"
    assert client.get("/gestion/").status_code == 200
    return client


def assert_untouched(signal):
    version = signal.version
    signal.refresh_from_db()
    assert signal.status == "new"
    assert signal.version == version
    assert list(signal.history.values_list("to_state", flat=True)) == ["new"]


def test_a_deactivated_account_is_refused_despite_its_session_and_its_token(client, city):
    logged_in(client, "agent-voirie", "pw-agent-1")
    token_client = city.api(city.agent)
    assert token_client.get("/api/v1/staff/signals/").status_code == 200

    city.agent.is_active = False
    city.agent.save()

    # Pages: the session no longer names a user; back to the login page, nothing shown.
    for path in ("/gestion/", f"/gestion/signalements/{city.ours.reference}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/gestion/connexion/" in response["Location"]
    page_act = client.post(
        f"/gestion/signalements/{city.ours.reference}/statut/",
        {"to": "accepted", "version": city.ours.version},
    )
    assert page_act.status_code == 302 and "/gestion/connexion/" in page_act["Location"]
    # The staff API, with the token and with the session cookie alike.
    assert token_client.get("/api/v1/staff/signals/").status_code == 401
    assert token_client.get(f"/api/v1/staff/signals/{city.ours.reference}/").status_code == 401
    token_act = token_client.post(
        f"/api/v1/signals/{city.ours.reference}/transitions/", {"to": "accepted"}, format="json"
    )
    assert token_act.status_code == 401
    session_api = client.get(f"/api/v1/staff/signals/{city.ours.reference}/")
    assert session_api.status_code in (401, 403)
    assert "reporter@example.org" not in session_api.content.decode()
    assert_untouched(city.ours)


def test_a_deactivated_account_cannot_log_in_again(client, city):
    city.agent.is_active = False
    city.agent.save()
    response = client.post(
        "/gestion/connexion/", {"username": "agent-voirie", "password": "pw-agent-1"}
    )
    assert response.status_code == 200  # the form again, with its error
    assert client.get("/gestion/").status_code == 302


def test_a_superuser_sees_and_acts_on_every_service(client, city, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", password="pw-admin-1")
    api = city.api(admin)
    queue = api.get("/api/v1/staff/signals/").json()
    assert {row["reference"] for row in queue["results"]} == {
        city.ours.reference,
        city.theirs.reference,
    }
    for signal in (city.ours, city.theirs):
        assert api.get(f"/api/v1/staff/signals/{signal.reference}/").status_code == 200
    assert api.get("/api/v1/staff/statistics/").json()["total"] == 2
    moved = api.post(
        f"/api/v1/signals/{city.theirs.reference}/transitions/",
        {"to": "accepted", "message": "Vu"},
        format="json",
    )
    assert moved.status_code == 200
    assert moved.json()["history"][-1]["actor"] == "admin"

    logged_in(client, "admin", "pw-admin-1")
    page = client.get("/gestion/").content.decode()
    assert city.ours.reference in page and city.theirs.reference in page
    assert client.get(f"/gestion/signalements/{city.ours.reference}/").status_code == 200
    assert client.get(f"/gestion/signalements/{city.theirs.reference}/").status_code == 200
    assert client.get("/gestion/statistiques/").status_code == 200


def test_a_membership_removed_mid_session_closes_the_service_at_the_next_request(client, city):
    logged_in(client, "agent-voirie", "pw-agent-1")
    token_client = city.api(city.agent)
    detail = f"/gestion/signalements/{city.ours.reference}/"
    assert client.get(detail).status_code == 200
    assert token_client.get(f"/api/v1/staff/signals/{city.ours.reference}/").status_code == 200

    city.agent.memberships.all().delete()

    # Pages: still logged in, but a member of no service any more.
    assert client.get("/gestion/").status_code == 403
    assert client.get(detail).status_code == 403
    page_act = client.post(f"{detail}statut/", {"to": "accepted", "version": city.ours.version})
    assert page_act.status_code == 403
    bulk = client.post(
        "/gestion/lot/", {"selected": [f"{city.ours.reference}:1"], "to": "accepted"}
    )
    assert bulk.status_code == 403
    # API: the signal is now another service's, a 404 like one that does not exist.
    assert token_client.get("/api/v1/staff/signals/").json()["results"] == []
    assert token_client.get(f"/api/v1/staff/signals/{city.ours.reference}/").status_code == 404
    token_act = token_client.post(
        f"/api/v1/signals/{city.ours.reference}/transitions/", {"to": "accepted"}, format="json"
    )
    assert token_act.status_code == 404
    assert "reporter@example.org" not in token_act.content.decode()
    assert_untouched(city.ours)


def test_a_supervisor_made_agent_mid_session_loses_the_statistics(client, city):
    logged_in(client, "chef-voirie", "pw-chef-1")
    token_client = city.api(city.supervisor)
    assert client.get("/gestion/statistiques/").status_code == 200
    assert token_client.get("/api/v1/staff/statistics/").status_code == 200

    city.supervisor.memberships.update(role="agent")

    assert client.get("/gestion/statistiques/").status_code == 403
    assert token_client.get("/api/v1/staff/statistics/").status_code == 403
    # Still an agent of the service: the signals stay visible.
    assert client.get(f"/gestion/signalements/{city.ours.reference}/").status_code == 200
