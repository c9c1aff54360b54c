"""The residents' pages without JavaScript: what a browser with scripts off gets."""

import io
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from PIL import Image

from signals.models import Follower, Signal
from tests.factories import (
    INSIDE_WEST,
    CategoryFactory,
    make_signal,
)
from workflow.services import signal_transition
from workflow.states import State

pytestmark = pytest.mark.django_db
XSS = "<img src=x onerror=alert(1)>"


def report_data(**overrides):
    data = {
        "category": "graffitis-tag",
        "description": "Tag sur la porte du 3",
        "longitude": str(INSIDE_WEST.x),
        "latitude": str(INSIDE_WEST.y),
        "email": "",
    }
    data.update(overrides)
    return data


def a_jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, format="JPEG")
    out.seek(0)
    out.name = "tag.jpg"
    return out


def test_the_home_page_is_a_map_whose_assets_are_all_ours(client, city):
    html = client.get("/").content.decode()
    assert 'class="folium-map dmr-map"' in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assets = [s for s in sources if s.endswith((".js", ".css", ".svg", ".png"))]
    assert "/static/leaflet/leaflet.js" in assets
    assert "/static/leaflet-markercluster/leaflet.markercluster.js" in assets
    assert all(url.startswith("/static/") for url in assets), assets
    assert "cdn" not in html.lower()
    assert "user-scalable=no" not in html  # folium's header would forbid zooming on phones


@pytest.mark.parametrize("url", ["/", "/signaler/", "/signalements/", "/gestion/connexion/"])
def test_every_page_has_our_icon_for_tabs_and_home_screens(client, city, url):
    html = client.get(url, follow=True).content.decode()
    assert '<link rel="icon" href="/static/publicmap/icon.svg" type="image/svg+xml">' in html
    icon = finders.find("publicmap/icon.svg")
    assert icon and Path(icon).read_text().startswith("<svg")
    assert client.get("/favicon.ico").url == "/static/publicmap/icon.svg"


def test_the_home_page_is_in_french_by_default_and_english_on_request(client, city):
    assert "Signaler un problème" in client.get("/").content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in english
    assert "Report a problem" in english


def test_the_report_form_lists_categories_in_two_levels_with_icons(client, city):
    html = client.get("/signaler/").content.decode()
    assert "Graffitis" in html and "Graffiti ou tag" in html
    assert "/static/fontawesome/svgs/solid/spray-can.svg" in html
    assert html.count('accept="image/*" capture="environment"') == 3


def test_the_filters_and_the_report_form_follow_the_categories_as_they_change(client, city):
    def listed() -> tuple[str, str, str]:
        home = client.get("/").content.decode()
        filters = re.search(r'<select name="category".*?</select>', home, re.S).group(0)
        radios = re.findall(
            r'name="category" value="([^"]+)"', client.get("/signaler/").content.decode()
        )
        return filters, " ".join(radios), client.get("/signalements/").content.decode()

    filters, radios, page = listed()
    assert re.search(
        r'<optgroup label="Graffitis">\s*<option value="graffitis">Tout « Graffitis »</option>'
        r'\s*<option value="graffitis-tag">Graffiti ou tag</option>\s*</optgroup>',
        filters,
    ), filters
    assert radios == "graffitis-tag"

    CategoryFactory(code="graffitis-fresque", name="Fresque abîmée", parent=city.parent)
    filters, radios, page = listed()
    assert '<option value="graffitis-fresque">Fresque abîmée</option>' in filters
    assert radios == "graffitis-fresque graffitis-tag"  # by position, then name
    assert '<option value="graffitis-fresque">Fresque abîmée</option>' in page

    city.is_active = False
    city.save()
    filters, radios, page = listed()
    assert "graffitis-tag" not in filters and "graffitis-tag" not in page
    assert radios == "graffitis-fresque"


def test_a_report_without_javascript_is_stored_and_shows_its_reference(client, city):
    response = client.post("/signaler/", report_data(email="Ana@Example.org", photos=[a_jpeg()]))
    signal = Signal.objects.get()
    assert response.status_code == 302
    assert response.url == f"/signaler/envoye/{signal.reference}/"
    assert signal.source == Signal.Source.WEB
    assert signal.reporter_email == "ana@example.org"
    assert signal.photos.count() == 1
    done = client.get(response.url).content.decode()
    assert signal.reference in done
    assert f"/signalements/{signal.reference}/" in done
    assert "ana@example.org" not in done


def test_a_wrong_report_comes_back_with_messages_and_what_was_typed(client, city):
    response = client.post(
        "/signaler/", report_data(category="", email="pas-un-email", description="Mon texte à moi")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mon texte à moi" in html
    assert 'value="pas-un-email"' in html
    assert 'id="category-errors"' in html
    assert "Saisissez une adresse e-mail valide" in html
    assert Signal.objects.count() == 0


def test_a_report_without_a_point_asks_for_one(client, city):
    response = client.post("/signaler/", report_data(longitude="", latitude=""))
    assert response.status_code == 400
    assert "Placez le point sur la carte" in response.content.decode()
    assert Signal.objects.count() == 0


def test_a_point_outside_the_territory_is_refused_clearly(client, city):
    response = client.post(
        "/signaler/", report_data(longitude="5.37", latitude="43.29"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "outside the territory we serve" in html
    assert 'value="Tag sur la porte du 3"' not in html  # a textarea, not an input…
    assert "Tag sur la porte du 3" in html  # …but what was typed is still there
    assert Signal.objects.count() == 0


def test_an_unreadable_photo_refuses_the_report_and_keeps_the_text(client, city):
    bad = io.BytesIO(b"MZ not a picture")
    bad.name = "photo.jpg"
    response = client.post("/signaler/", report_data(photos=[bad]))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="photos-errors"' in html
    assert "Tag sur la porte du 3" in html
    assert Signal.objects.count() == 0


def test_the_signal_page_escapes_what_residents_typed(client, city):
    signal = make_signal(city, description=XSS)
    html = client.get(f"/signalements/{signal.reference}/").content.decode()
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_signal_page_shows_public_messages_never_notes_nor_the_reporter(client, city):
    signal = make_signal(city, email="reporter@example.org")
    signal_transition(
        signal=signal, to=State.ACCEPTED, message="Équipe prévue jeudi", note="voisin pénible"
    )
    html = client.get(f"/signalements/{signal.reference}/").content.decode()
    assert "Équipe prévue jeudi" in html
    assert "À traiter" in html  # the status label, in French
    assert "voisin pénible" not in html
    assert "reporter@example.org" not in html
    assert signal.service.name in html


def test_the_list_view_filters_like_the_map(client, city):
    tag = make_signal(city)
    other = make_signal(CategoryFactory(code="trou", name="Trou"))
    html = client.get("/signalements/", {"category": "graffitis"}).content.decode()
    assert tag.reference in html and other.reference not in html
    html = client.get("/signalements/", {"status": "resolved"}).content.decode()
    assert tag.reference not in html
    html = client.get("/signalements/", {"period": "7"}).content.decode()
    assert tag.reference in html and other.reference in html


def test_following_sends_a_confirmation_link_then_counts_the_follower(
    client, city, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://dansmarue.example"
    signal = make_signal(city)
    page = f"/signalements/{signal.reference}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{page}suivre/", {"email": "Voisin@Example.org"})
    assert response.status_code == 302
    follower = Follower.objects.get()
    assert follower.email == "voisin@example.org" and follower.confirmed_at is None
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    confirm = f"https://dansmarue.example/signalements/suivi/{follower.token}/confirmer/"
    assert confirm in body
    client.get(confirm.removeprefix("https://dansmarue.example"))
    follower.refresh_from_db()
    assert follower.confirmed_at is not None
    html = client.get(page).content.decode()
    assert "1 personne" in html
    assert "voisin@example.org" not in html


def test_following_twice_never_reveals_it_on_the_page_but_says_so_by_mail(
    client, city, django_capture_on_commit_callbacks
):
    signal = make_signal(city)
    url = f"/signalements/{signal.reference}/suivre/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"email": "a@example.org"}, follow=True).content.decode()
    Follower.objects.update(confirmed_at="2026-01-01T00:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, {"email": "a@example.org"}, follow=True).content.decode()
    assert Follower.objects.count() == 1
    # The page says the same thing both times: it does not reveal who follows what.
    assert "vérifiez vos e-mails" in first
    assert "vérifiez vos e-mails" in again
    assert len(mail.outbox) == 2
    assert "déjà" in mail.outbox[-1].subject.lower()


def test_stopping_needs_a_post_so_that_mail_scanners_unsubscribe_nobody(client, city):
    signal = make_signal(city)
    client.post(f"/signalements/{signal.reference}/suivre/", {"email": "b@example.org"})
    token = Follower.objects.get().token
    url = f"/signalements/suivi/{token}/arreter/"
    assert client.get(url).status_code == 200
    assert Follower.objects.count() == 1
    assert client.post(url).status_code == 302
    assert Follower.objects.count() == 0
    assert client.post(url).status_code == 404


def test_a_bad_follow_email_stores_nothing(client, city):
    signal = make_signal(city)
    response = client.post(f"/signalements/{signal.reference}/suivre/", {"email": "x"}, follow=True)
    assert "adresse e-mail valide" in response.content.decode()
    assert Follower.objects.count() == 0


def test_unknown_references_and_tokens_are_404(client, city):
    assert client.get("/signalements/DMR-2026-999999/").status_code == 404
    assert (
        client.get(
            "/signalements/suivi/00000000-0000-0000-0000-000000000000/confirmer/"
        ).status_code
        == 404
    )


# "Déjà signalé ?" without JavaScript: the server shows the open signals nearby before sending.

NEAR = {"longitude": str(INSIDE_WEST.x), "latitude": str(INSIDE_WEST.y + 0.0002)}  # ~22 m north


def test_a_report_near_an_open_one_of_its_kind_shows_it_and_waits(client, city):
    existing = make_signal(city, INSIDE_WEST, description="Tag bleu déjà signalé")
    response = client.post("/signaler/", report_data(email="ana@example.org", **NEAR))
    html = response.content.decode()
    assert response.status_code == 200
    assert Signal.objects.count() == 1  # nothing sent yet
    assert "Déjà signalé ?" in html
    assert "pas encore envoyé" in html
    assert existing.reference in html
    assert "Tag bleu déjà signalé" in html
    assert f'action="/signalements/{existing.reference}/suivre/"' in html
    assert 'value="ana@example.org"' in html  # the follow form is ready to go
    assert "Envoyer mon signalement quand même" in html
    # What was typed is all there to send it all the same.
    assert "Tag sur la porte du 3" in html


def test_following_the_nearby_one_instead_sends_nothing_new(
    client, city, django_capture_on_commit_callbacks
):
    existing = make_signal(city, INSIDE_WEST)
    html = client.post("/signaler/", report_data(**NEAR)).content.decode()
    action = re.search(r'action="(/signalements/[^"]+/suivre/)"', html)[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action, {"email": "ana@example.org"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/signalements/{existing.reference}/#suivre"
    assert "vérifiez vos e-mails" in response.content.decode()
    assert Follower.objects.get().signal == existing
    assert Signal.objects.count() == 1
    assert mail.outbox[0].to == ["ana@example.org"]


def test_sending_all_the_same_after_seeing_them_creates_the_report(client, city):
    make_signal(city, INSIDE_WEST)
    html = client.post("/signaler/", report_data(**NEAR)).content.decode()
    seen = re.search(r'name="nearby_seen" id="id_nearby_seen" value="([^"]*)"', html)[1]
    assert seen
    response = client.post("/signaler/", report_data(nearby_seen=seen, **NEAR))
    assert response.status_code == 302
    assert Signal.objects.count() == 2


def test_moving_the_point_after_seeing_them_checks_again(client, city):
    make_signal(city, INSIDE_WEST)
    html = client.post("/signaler/", report_data(**NEAR)).content.decode()
    seen = re.search(r'name="nearby_seen" id="id_nearby_seen" value="([^"]*)"', html)[1]
    closer = {"longitude": str(INSIDE_WEST.x + 0.0001), "latitude": str(INSIDE_WEST.y)}
    response = client.post("/signaler/", report_data(nearby_seen=seen, **closer))
    assert response.status_code == 200
    assert Signal.objects.count() == 1


def test_closed_ones_and_other_kinds_nearby_do_not_hold_a_report_back(client, city):
    closed = make_signal(city, INSIDE_WEST)
    signal_transition(signal=closed, to=State.REJECTED, message="Hors de la voie publique")
    other_kind = CategoryFactory(code="encombrant", name="Encombrant", parent=city.parent)
    make_signal(other_kind, INSIDE_WEST)
    response = client.post("/signaler/", report_data(**NEAR))
    assert response.status_code == 302
    assert Signal.objects.count() == 3
