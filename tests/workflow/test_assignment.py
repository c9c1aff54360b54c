"""Who handles a signal: an agent of the service in charge takes it, or is given it."""

import re

import pytest
from django.core import mail

from signals.models import Signal
from tests.factories import INSIDE_WEST, make_signal
from workflow.models import StatusChange
from workflow.services import signal_assign, signal_transfer

pytestmark = pytest.mark.django_db


def page(client, signal) -> str:
    return client.get(f"/gestion/signalements/{signal.reference}/").content.decode()


def queue_references(client, **params) -> set[str]:
    html = client.get("/gestion/", params).content.decode()
    return set(re.findall(r'name="selected" value="(DMR-[\d-]+):', html))


def test_an_agent_takes_a_signal_and_finds_it_under_assigned_to_me(client, city):
    other = make_signal(city.category, INSIDE_WEST)
    client.force_login(city.agent)
    assert "Prendre en charge" in page(client, city.ours)
    response = client.post(
        f"/gestion/signalements/{city.ours.reference}/attribution/",
        {"assignee": city.agent.pk, "version": city.ours.version},
        follow=True,
    )
    html = response.content.decode()
    assert f"{city.ours.reference} est attribué à agent-voirie." in html
    assert "<dt>Attribué à</dt><dd>agent-voirie</dd>" in html
    assert "Prendre en charge" not in html  # already theirs
    change = StatusChange.objects.get(signal=city.ours, kind=StatusChange.Kind.ASSIGNMENT)
    assert (change.actor, change.assignee) == (city.agent, city.agent)

    assert queue_references(client, assignee="me", status="new") == {city.ours.reference}
    assert queue_references(client, assignee="none", status="new") == {other.reference}
    row = client.get("/gestion/", {"assignee": "me", "status": "new"}).content.decode()
    assert 'class="assignee" title="Attribué à">agent-voirie</small>' in row
    assert mail.outbox == []  # internal: no resident hears of it


def test_only_a_member_of_the_service_in_charge_can_be_given_it(client, city):
    client.force_login(city.supervisor)
    response = client.post(
        f"/gestion/signalements/{city.ours.reference}/attribution/",
        {"assignee": city.other_agent.pk, "version": city.ours.version},
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    city.ours.refresh_from_db()
    assert city.ours.assignee is None and city.ours.version == 1

    api = city.api(city.supervisor)
    url = f"/api/v1/signals/{city.ours.reference}/assignment/"
    refused = api.post(url, {"assignee": "agent-proprete"}, format="json")
    assert refused.status_code == 400
    assert "assignee" in refused.json()
    assert not StatusChange.objects.filter(kind=StatusChange.Kind.ASSIGNMENT).exists()


def test_the_staff_api_assigns_unassigns_and_reports_conflicts(city):
    api = city.api(city.supervisor)
    url = f"/api/v1/signals/{city.ours.reference}/assignment/"
    given = api.post(url, {"assignee": "agent-voirie", "version": 1}, format="json")
    assert given.status_code == 200, given.content
    body = given.json()
    assert body["assignee"] == {"username": "agent-voirie", "name": ""}
    assert body["history"][-1]["kind"] == "assignment"
    assert body["history"][-1]["assignee"] == "agent-voirie"

    stale = api.post(url, {"assignee": None, "version": 1}, format="json")
    assert stale.status_code == 409
    again = api.post(url, {"assignee": "agent-voirie", "version": 2}, format="json")
    assert again.status_code == 400  # already theirs: said, not silently repeated
    freed = api.post(url, {"assignee": None, "version": 2}, format="json")
    assert freed.status_code == 200 and freed.json()["assignee"] is None

    signal_assign(signal=Signal.objects.get(pk=city.ours.pk), assignee=city.agent)
    queue = city.api(city.agent).get("/api/v1/staff/signals/", {"assignee": "me"}).json()
    assert [row["reference"] for row in queue["results"]] == [city.ours.reference]
    assert queue["counts"]["new"] == 1


def test_a_transfer_leaves_the_signal_to_the_new_service_unassigned(city):
    signal_assign(signal=city.ours, assignee=city.agent)
    moved = signal_transfer(
        signal=Signal.objects.get(pk=city.ours.pk), service=city.proprete, reason="Pas chez nous"
    )
    assert Signal.objects.get(pk=moved.pk).assignee is None


def test_no_public_output_shows_who_handles_it(client, api_client, city):
    signal_assign(signal=city.ours, assignee=city.agent)
    public_page = client.get(f"/signalements/{city.ours.reference}/").content.decode()
    public_api = api_client.get(f"/api/v1/signals/{city.ours.reference}/").content.decode()
    open311 = client.get(f"/open311/v2/requests/{city.ours.reference}.json").content.decode()
    for output in (public_page, public_api, open311):
        assert "agent-voirie" not in output
    # The public timeline has the one status step, not the internal assignment.
    assert public_page.count('<li><time datetime="') == 1


def test_a_supervisor_lists_what_a_colleague_has(client, city):
    other = make_signal(city.category, INSIDE_WEST)
    signal_assign(signal=city.ours, assignee=city.agent)
    signal_assign(signal=other, assignee=city.supervisor)
    client.force_login(city.supervisor)
    html = client.get("/gestion/").content.decode()
    assert '<option value="agent-voirie">agent-voirie</option>' in html
    assert "agent-proprete" not in html  # another service's agent is no colleague
    assert queue_references(client, assignee="agent-voirie", status="new") == {city.ours.reference}
    # Not a colleague: refused as any unknown choice, with the form as typed.
    refused = client.get("/gestion/", {"assignee": "agent-proprete"})
    assert refused.status_code == 400
    api = city.api(city.supervisor).get("/api/v1/staff/signals/", {"assignee": "chef-voirie"})
    assert [row["reference"] for row in api.json()["results"]] == [other.reference]


def test_assigning_a_contested_signal_does_not_answer_the_resident(city):
    from workflow.feedback import contested
    from workflow.models import Feedback
    from workflow.services import signal_comment, signal_transition

    signal_transition(signal=city.ours, to="accepted")
    resolved = signal_transition(signal=Signal.objects.get(pk=city.ours.pk), to="resolved")
    Feedback.objects.create(
        signal=resolved,
        resolution=resolved.history.latest("created_at", "id"),
        giver="digest",
        from_reporter=True,
        is_fixed=False,
        awaiting_reply=True,
    )
    signal_assign(signal=resolved, assignee=city.agent)
    assert list(contested(Signal.objects.all())) == [resolved]
    signal_comment(signal=resolved, note="Vérifié sur place : réparé.")
    assert list(contested(Signal.objects.all())) == []


def test_the_demo_city_has_work_assigned_to_its_agents(client):
    from signals.demo import load_categories, load_signals, load_territory
    from workflow.demo import load_assignments, load_staff

    load_categories()
    load_territory()
    load_signals(count=80)
    load_staff()
    given = load_assignments()
    assert given > 0
    assert load_assignments() == 0  # safe to run again
    under_way = Signal.objects.filter(status__in=["scheduled", "in_progress"])
    assert under_way.filter(assignee__isnull=True).count() == 0
    agent = under_way.first().assignee
    assert agent.username == f"agent-{under_way.first().service.slug}"
    assert StatusChange.objects.filter(kind="assignment", assignee=agent).exists()
    client.force_login(agent)
    mine = client.get("/gestion/", {"assignee": "me", "status": ["scheduled", "in_progress"]})
    assert under_way.filter(assignee=agent).first().reference in mine.content.decode()
