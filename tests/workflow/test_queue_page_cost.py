"""The queue page's fixed cost: what it reads, and that its cheaper rendering shows the same."""

import re
from datetime import timedelta

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.widgets import PlainSelect
from tests.factories import INSIDE_WEST, CategoryFactory, make_signal
from workflow.forms import CategoryChangeForm, TransferForm
from workflow.models import Membership
from workflow.selectors import (
    is_staff_member,
    is_supervisor,
    services_of,
    signals_visible_to,
    staff_access,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _select(html: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)


def test_the_queue_page_runs_eight_queries(client, city, django_assert_num_queries):
    for _ in range(3):
        make_signal(city.category, INSIDE_WEST)
    client.force_login(city.agent)
    client.get("/gestion/")  # the process loads its copy of the categories once
    # Session, user, the agent's services and role (one query), the chosen category's
    # ids, the page, the counts per status, the resolved signals residents contest, the
    # colleagues to filter by. The filter's categories are the process's.
    with django_assert_num_queries(8):
        response = client.get("/gestion/", {"status": "new", "category": city.category.code})
    assert response.status_code == 200
    assert response.content.decode().count('name="selected"') == 4


def test_the_signal_page_reads_the_signal_once_and_declares_no_cursor(client, city):
    client.force_login(city.agent)
    url = f"/gestion/signalements/{city.ours.reference}/"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **EN)
    # Session, user, the agent's services and role, the signal, its photos, its history,
    # the residents' answers, the services to transfer to, the categories to change to,
    # the service's members to assign it to: one query each.
    assert response.status_code == 200 and len(captured) == 10
    statements = [query["sql"] for query in captured.captured_queries]
    assert not [sql for sql in statements if sql.startswith("DECLARE")]
    html = response.content.decode()
    assert f'<option value="{city.proprete.pk}">Propreté</option>' in _select(html, "service")
    assert f">{city.category.parent.name} › {city.category.name}</option>" in _select(
        html, "category"
    )
    assert f'<option value="{city.agent.pk}">agent-voirie</option>' in _select(html, "assignee")


def test_a_new_category_filters_at_once_and_a_deactivated_one_moves_to_its_own_group(client, city):
    client.force_login(city.agent)
    assert '"pothole"' not in _select(client.get("/gestion/").content.decode(), "category")

    added = CategoryFactory(code="pothole", name="Nid-de-poule", parent=city.category.parent)
    listed = _select(client.get("/gestion/").content.decode(), "category")
    group = re.search(rf'<optgroup label="{added.parent.name}">(.*?)</optgroup>', listed).group(1)
    # The type first (all its sub-types), then each sub-type: the public map's list.
    assert group.startswith(f'<option value="{added.parent.code}">Tout « {added.parent.name} »')
    assert '<option value="pothole">Nid-de-poule</option>' in group
    # A signal of the new category can be found with it at once.
    make_signal(added, INSIDE_WEST)
    page = client.get("/gestion/", {"category": "pothole"})
    assert page.status_code == 200
    assert page.content.decode().count('name="selected"') == 1

    added.is_active = False
    added.save()
    # Off its type's group, into the deactivated ones: its signals are still to be found.
    listed = _select(client.get("/gestion/").content.decode(), "category")
    group = re.search(rf'<optgroup label="{added.parent.name}">(.*?)</optgroup>', listed).group(1)
    assert '"pothole"' not in group
    gone = re.search(r'<optgroup label="Désactivées">(.*?)</optgroup>', listed).group(1)
    assert gone == f'<option value="pothole">{added.parent.name} › Nid-de-poule</option>'
    page = client.get("/gestion/", {"category": "pothole"})
    assert page.content.decode().count('name="selected"') == 1
    assert '"pothole"' not in _select(client.get("/").content.decode(), "category")


def test_the_filters_show_what_was_chosen_after_submit(client, city):
    other = CategoryFactory(code="trottoir", name="Trottoir")
    client.force_login(city.agent)
    html = client.get(
        "/gestion/",
        {
            "status": ["accepted", "on_hold"],
            "category": other.code,
            "sort": "followed",
            "q": "égout <b>",
            "older_than_days": "3",
        },
    ).content.decode()
    checked = re.findall(r'name="status" value="(\w+)" checked', html)
    assert checked == ["accepted", "on_hold"]
    assert '<option value="trottoir" selected>' in _select(html, "category")
    assert '<option value="" selected>' not in _select(html, "category")
    assert '<option value="followed" selected>' in _select(html, "sort")
    assert 'value="égout &lt;b&gt;"' in html
    assert 'name="older_than_days" value="3"' in html


def test_a_category_added_or_renamed_shows_in_the_filter_at_once(client, city):
    client.force_login(city.agent)
    before = _select(client.get("/gestion/").content.decode(), "category")
    assert "Nid de poule" in before
    city.category.name = "Nid-de-poule profond"
    city.category.save()
    CategoryFactory(code="banc-casse", name="Banc cassé", parent=city.category.parent)
    after = _select(client.get("/gestion/").content.decode(), "category")
    assert "Nid-de-poule profond" in after
    assert '<option value="banc-casse">' in after


@pytest.mark.parametrize("grouped", [False, True])
def test_the_plain_select_writes_what_django_select_writes(grouped):
    choices = [("", "Tout"), ("a&b", "Propreté › <Déchets>"), ("2", 'Guillemets "x"')]
    if grouped:  # as the public filters list them: each type, then its sub-types
        choices = [
            ("", "Tout"),
            ("Propreté <&>", [("a&b", "Tout « Propreté »"), ("2", 'Guillemets "x"')]),
            ("Voirie", [("3", "Nid de poule")]),
        ]
    for value in (None, "", "a&b", "2", "3", "absent"):
        ours = PlainSelect(choices=choices, attrs={"class": "f"}).render(
            "category", value, {"id": "id_category"}
        )
        django = forms.Select(choices=choices, attrs={"class": "f"}).render(
            "category", value, {"id": "id_category"}
        )
        assert parse_html(ours) == parse_html(django)


def test_the_signal_pages_model_selects_write_what_django_select_writes(city):
    """The transfer and category forms list model choices (ids, "---------" first)."""

    for form, name in (
        (CategoryChangeForm(data={"category": str(city.category.pk)}), "category"),
        (TransferForm(data={"service": str(city.proprete.pk)}), "service"),
        (TransferForm(), "service"),
    ):
        field = form.fields[name]
        value = form[name].value()
        ours = field.widget.render(name, value, {"id": f"id_{name}"})
        django = forms.Select(choices=field.choices).render(name, value, {"id": f"id_{name}"})
        assert isinstance(field.widget, PlainSelect)
        assert parse_html(ours) == parse_html(django)
        assert ours.count("<option") == len(list(field.choices))


def test_each_row_shows_status_category_dates_and_the_overdue_badge(client, city):
    city.category.service_level_days = 2
    city.category.save()
    reported = timezone.now() - timedelta(days=5)
    late = make_signal(
        city.category,
        INSIDE_WEST,
        created_at=reported,
        address="12 rue de Rivoli",
        description="x" * 120,
    )
    client.force_login(city.agent)
    html = client.get("/gestion/", {"status": "new"}).content.decode()
    row = re.search(rf"<tr class=\"overdue\">(?:(?!</tr>).)*{late.reference}.*?</tr>", html, re.S)
    assert row, html
    row = row.group(0)
    due = timezone.localtime(reported + timedelta(days=2)).strftime("%d/%m/%Y")
    assert f'title="À traiter avant le {due}"' in row
    assert ">En retard</span>" in row
    assert ">Nouveau</span>" in row
    assert f">{city.category.parent.name} › Nid de poule</td>" in row
    assert "x" * 89 + "…" in row and "x" * 91 not in row
    assert "<br><small>12 rue de Rivoli</small>" in row
    assert timezone.localtime(reported).strftime("%d/%m/%Y %H:%M") in row
    assert f'href="/gestion/signalements/{late.reference}/"' in row
    assert f'value="{late.reference}:1"' in row
    # The signal that is not late has neither the class nor the badge.
    fresh = re.search(rf"<tr class=\"\">(?:(?!</tr>).)*{city.ours.reference}.*?</tr>", html, re.S)
    assert fresh and "badge" not in fresh.group(0)


def test_a_row_escapes_what_residents_typed_and_keeps_a_90_character_text_whole(client, city):
    typed = make_signal(
        city.category,
        INSIDE_WEST,
        description="<script>alert(1)</script> & " + "y" * 62,  # 90 characters
        address='5 "rue" <b>Oberkampf</b>',
    )
    client.force_login(city.agent)
    html = client.get("/gestion/", {"status": "new"}).content.decode()
    row = re.search(rf"<tr class=\"\">(?:(?!</tr>).)*{typed.reference}.*?</tr>", html, re.S)
    assert row, html
    row = row.group(0)
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; " + "y" * 62 + "<br><small>" in row
    assert "<small>5 &quot;rue&quot; &lt;b&gt;Oberkampf&lt;/b&gt;</small>" in row
    assert "<script>" not in row and "<b>" not in row


def test_the_rows_follow_the_language(client, city):
    city.category.service_level_days = 1
    city.category.name_en = "Pothole"
    city.category.save()
    make_signal(city.category, INSIDE_WEST, created_at=timezone.now() - timedelta(days=3))
    client.force_login(city.agent)
    html = client.get("/gestion/", {"status": "new"}, **EN).content.decode()
    assert ">New</span>" in html
    assert "Overdue</span>" in html
    assert 'title="Due on ' in html
    assert "› Pothole</td>" in html


@pytest.mark.parametrize("who", ["agent", "supervisor", "other_agent", "stranger", "superuser"])
def test_staff_access_says_what_the_separate_selectors_say(city, who):
    if who == "superuser":
        user = get_user_model().objects.create_superuser("admin", password="pw-admin-1")
    else:
        user = getattr(city, who)
    Membership.objects.create(
        user=city.supervisor, service=city.proprete, role=Membership.Role.AGENT
    )
    access = staff_access(user)
    assert list(access.services) == list(services_of(user))
    assert access.is_staff_member == is_staff_member(user)
    assert access.supervises == is_supervisor(user)
    assert sorted(access.signals().values_list("pk", flat=True)) == sorted(
        signals_visible_to(user).values_list("pk", flat=True)
    )


def test_staff_access_of_an_anonymous_visitor_sees_nothing():
    from django.contrib.auth.models import AnonymousUser

    access = staff_access(AnonymousUser())
    assert (list(access.services), access.is_staff_member, access.supervises) == ([], False, False)
    assert list(access.signals()) == []
