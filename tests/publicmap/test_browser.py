"""The residents' pages in the distribution's headless Chromium, against a live server.

Each page is checked by axe-core (from npm, injected by Playwright) for WCAG 2.1
A/AA violations. Nothing leaves the machine: every request that is not for the
live server is aborted and recorded, and the basemap is a local blank tile.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from PIL import Image

from signals.demo import load_categories, load_signals, load_territory
from signals.models import Signal
from workflow.states import State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("the distribution's chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make meanwhile are still plain synchronous calls. Only for this module:
    # a subprocess started by another test (check --deploy) must not inherit it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def city(settings, live_server):
    settings.MAP_TILE_URL = "/static/publicmap/blank-tile.png"
    settings.SITE_URL = live_server.url
    load_categories()
    load_territory()
    load_signals(count=40)
    return live_server


class Page:
    """A Playwright page that records what it tried to fetch outside and what it ran."""

    def __init__(self, page, base_url):
        self.page = page
        self.base = base_url
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.route(re.compile(r"^(?!" + re.escape(base_url) + ").*"), self._block)
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _block(self, route):
        self.outside.append(route.request.url)
        route.abort()

    def goto(self, path: str):
        self.page.goto(self.base + path)

    def axe_violations(self) -> list[str]:
        # Evaluated through DevTools: a <script> tag without our nonce would be refused by
        # the Content-Security-Policy, as it should.
        self.page.evaluate(AXE.read_text())
        result = self.page.evaluate(
            """() => axe.run(document, {runOnly: {type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})"""
        )
        return [
            f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]


def close_when_idle(context) -> None:
    """Close once no request is in flight: a map still fetching when the test ends keeps a
    live-server thread in a query, and the database flush that follows the test (TRUNCATE)
    can deadlock with it, leaving rows for the next test."""
    for open_page in context.pages:
        open_page.wait_for_load_state("networkidle")
    context.close()


@pytest.fixture
def page(browser, city):
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    wrapped = Page(context.new_page(), city.url)
    yield wrapped
    close_when_idle(context)
    assert wrapped.outside == [], "a page tried to reach the internet"
    assert wrapped.errors == []


def a_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (200, 60, 30)).save(out, format="JPEG")
    return out.getvalue()


def show_signal_on_map(page: Page, signal: Signal):
    page.page.evaluate(
        "([lat, lon]) => window.dmrMap.setView([lat, lon], 18)",
        [signal.location.y, signal.location.x],
    )
    marker = page.page.locator(f'.dmr-marker[title*="{signal.reference}"]')
    marker.wait_for()
    return marker


def test_the_map_shows_the_demo_signals_from_our_own_files(page):
    page.goto("/")
    page.page.locator(".dmr-marker, .dmr-count-wrap").first.wait_for()
    assert page.page.locator(".dmr-marker, .dmr-count-wrap").count() > 0
    status = page.page.locator("#etat-carte")
    assert re.search(r"\d+ signalements", status.inner_text())
    assert page.page.locator("html").get_attribute("lang") == "fr"
    assert page.axe_violations() == []


def test_a_report_with_a_photo_appears_on_the_map_and_on_its_page(page):
    p = page.page
    page.goto("/signaler/")
    assert page.axe_violations() == []
    p.get_by_text("Graffitis, tags, affiches et autocollants").click()
    p.get_by_label("Graffiti ou tag").check()
    p.locator(".dmr-map").click()  # the centre of the map, inside the demo city
    assert p.locator("#id_longitude").input_value() != ""
    p.get_by_label("Décrivez-le").fill("Tag rouge sur la porte de l'école")
    p.get_by_label("Photo 1").set_input_files(
        files=[{"name": "tag.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}]
    )
    p.get_by_role("button", name="Envoyer le signalement").click()
    p.wait_for_url(re.compile(r"/signaler/envoye/"))
    signal = Signal.objects.get(description="Tag rouge sur la porte de l'école")
    assert signal.reference in p.locator("main").inner_text()
    assert signal.photos.count() == 1
    assert page.axe_violations() == []

    p.get_by_role("link", name="Le suivre sur sa page").click()
    p.wait_for_url(re.compile(signal.reference))
    assert "Tag rouge sur la porte de l'école" in p.locator(".description").inner_text()
    assert p.locator(".photo-pair img").count() == 1
    assert page.axe_violations() == []

    page.goto("/")
    show_signal_on_map(page, signal).click()
    popup = p.locator(".dmr-popup")
    assert "Graffiti ou tag" in popup.inner_text()
    assert popup.locator("img").count() == 1
    assert popup.get_by_role("link").get_attribute("href") == f"/signalements/{signal.reference}/"


def test_a_report_outside_the_territory_comes_back_with_what_was_typed(page):
    p = page.page
    page.goto("/signaler/")
    p.get_by_label("Photo 1").set_input_files(
        files=[{"name": "tag.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}]
    )
    p.get_by_role("button", name="Envoyer le signalement").click()
    # Checked in the page first: nothing is sent, so the chosen photo stays.
    assert p.locator("#category-errors").inner_text() == "Choisissez le type de problème."
    assert p.locator("#location-errors").is_visible()
    assert p.locator("#description-errors").is_visible()
    assert p.get_by_label("Photo 1").evaluate("input => input.files.length") == 1
    assert Signal.objects.count() == 40
    p.get_by_text("Propreté").click()
    p.get_by_label("Corbeille de rue pleine").check()
    p.get_by_text("Saisir les coordonnées").click()
    p.get_by_label("Latitude").fill("43.29")
    p.get_by_label("Longitude").fill("5.37")
    p.get_by_label("Décrivez-le").fill("Corbeille qui déborde")
    p.get_by_role("button", name="Envoyer le signalement").click()
    p.wait_for_load_state()
    assert "en dehors du territoire desservi" in p.locator("#location-errors").inner_text()
    assert p.get_by_label("Décrivez-le").input_value() == "Corbeille qui déborde"
    assert p.get_by_label("Corbeille de rue pleine").is_checked()
    assert page.axe_violations() == []


def test_a_description_with_html_shows_as_text_and_runs_nothing(page, city):
    from signals.models import Category
    from signals.services import signal_create

    xss = signal_create(
        category=Category.objects.get(code="graffitis-tag"),
        description=XSS,
        location=Point(2.3522, 48.8566, srid=4326),  # Hôtel de Ville
    )
    page.goto(f"/signalements/{xss.reference}/")
    assert page.page.locator(".description").inner_text() == XSS
    assert page.page.locator(".description img").count() == 0
    page.goto("/")
    show_signal_on_map(page, xss).click()
    assert page.page.locator(".dmr-popup .popup-desc").inner_text() == XSS
    assert page.page.locator(".dmr-popup img[src='x']").count() == 0
    assert page.dialogs == []


def test_the_pages_switch_to_english_and_the_list_is_accessible(page):
    p = page.page
    page.goto("/signalements/")
    assert p.get_by_role("heading", level=1).inner_text() == "Liste des signalements"
    assert page.axe_violations() == []
    p.get_by_role("button", name="English").click()
    p.wait_for_load_state()
    assert p.locator("html").get_attribute("lang") == "en"
    assert p.get_by_role("heading", level=1).inner_text() == "List of reports"
    assert page.axe_violations() == []
    page.goto("/")
    assert p.get_by_role("link", name="Report a problem").first.is_visible()


def test_already_reported_nearby_then_follow_it_by_e_mail(page):
    p = page.page
    existing = Signal.objects.filter(status=State.NEW).select_related("category__parent").first()
    page.goto("/signaler/")
    p.locator("summary", has_text=existing.category.parent.name).click()
    p.get_by_label(existing.category.name, exact=True).check()
    p.get_by_text("Saisir les coordonnées").click()
    p.get_by_label("Latitude").fill(str(existing.location.y + 0.0002))  # ~22 m north
    p.get_by_label("Longitude").fill(str(existing.location.x))
    p.get_by_label("Longitude").press("Tab")
    box = p.locator("#deja-signale")
    box.wait_for()
    assert existing.reference in box.inner_text()
    assert page.axe_violations() == []

    p.get_by_role("link", name=re.compile("Suivre celui-ci plutôt")).first.click()
    p.wait_for_url(re.compile(existing.reference))
    p.get_by_label("Votre e-mail").fill("voisine@example.org")
    p.get_by_role("button", name="Suivre", exact=True).click()
    p.wait_for_load_state()
    assert "vérifiez vos e-mails" in p.locator(".messages").inner_text()
    assert "voisine@example.org" not in p.locator("article").inner_text()
    assert page.axe_violations() == []

    (message,) = mail.outbox
    link = re.search(r"http\S+/confirmer/", message.body).group(0)
    p.goto(link)
    assert "confirmé" in p.locator(".messages").inner_text()
    assert "1 personne" in p.locator(".facts").inner_text()


def test_the_stop_link_of_a_status_e_mail_asks_then_stops_and_is_accessible(page):
    from signals.models import Follower
    from workflow.services import signal_transition

    p = page.page
    signal = Signal.objects.filter(status=State.NEW).first()
    Follower.objects.create(
        signal=signal, email="voisine@example.org", confirmed_at=signal.created_at
    )
    signal_transition(signal=signal, to=State.ACCEPTED, message="Nous passons demain.")
    (message,) = [m for m in mail.outbox if m.to == ["voisine@example.org"]]
    link = re.search(r"http\S+/arreter/", message.body).group(0)
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"

    p.goto(link)
    assert p.get_by_role("heading", level=1).inner_text() == "Ne plus suivre ce signalement ?"
    assert signal.reference in p.locator("main").inner_text()
    assert page.axe_violations() == []
    p.get_by_role("button", name="Oui, arrêter les e-mails").click()
    p.wait_for_url(re.compile(signal.reference))
    assert "vous ne suivez plus ce signalement" in p.locator(".messages").inner_text()
    assert not Follower.objects.filter(email="voisine@example.org").exists()

    p.goto(link)
    assert p.get_by_role("heading", level=1).inner_text() == "Ce lien n’est pas valide"
    assert page.axe_violations() == []


def test_is_it_fixed_from_the_resolved_e_mail_on_a_phone_and_accessible(page):
    from signals.models import Follower
    from workflow.models import Feedback
    from workflow.services import signal_transition

    p = page.page
    signal = Signal.objects.filter(status=State.NEW).first()
    Follower.objects.create(
        signal=signal, email="voisin@example.org", confirmed_at=signal.created_at
    )
    signal_transition(signal=signal, to=State.ACCEPTED)
    signal_transition(signal=signal, to=State.RESOLVED, message="Trottoir réparé.")
    message = [m for m in mail.outbox if m.to == ["voisin@example.org"]][-1]
    link = re.search(r"http\S+/avis/", message.body).group(0)

    p.goto(link)
    assert p.get_by_role("heading", level=1).inner_text() == "Est-ce réglé ?"
    assert "Trottoir réparé." in p.locator("main").inner_text()
    assert page.axe_violations() == []
    # Sent without a choice: the page says what is missing and keeps the comment.
    p.get_by_label("Un mot pour le service (facultatif)").fill("Il reste un trou")
    p.get_by_role("button", name="Envoyer ma réponse").click()
    assert "Choisissez oui ou non." in p.locator(".error-summary").inner_text()
    assert p.get_by_label("Un mot pour le service (facultatif)").input_value() == "Il reste un trou"
    assert page.axe_violations() == []

    p.get_by_label("Non, ce n’est pas réglé").check()
    p.get_by_role("button", name="Envoyer ma réponse").click()
    p.wait_for_url(re.compile(signal.reference))
    assert "ce n’est pas réglé" in p.locator(".messages").inner_text()
    assert "Il reste un trou" not in p.locator("main").inner_text()
    answer = Feedback.objects.get(signal=signal)
    assert (answer.is_fixed, answer.comment, answer.from_reporter) == (
        False,
        "Il reste un trou",
        False,
    )


class PageWithoutJS(Page):
    """Scripts off. axe needs timers, which do not run then: it checks the same document,
    scripts removed, in a second page that has them on."""

    def __init__(self, page, base_url, browser):
        super().__init__(page, base_url)
        self.browser = browser

    def axe_violations(self) -> list[str]:
        html = re.sub(r"<script\b.*?</script>", "", self.page.content(), flags=re.S)
        context = self.browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
        try:
            checker = Page(context.new_page(), self.base)
            url = self.page.url
            checker.page.route(
                url, lambda route: route.fulfill(body=html, content_type="text/html")
            )
            checker.page.goto(url)
            violations = checker.axe_violations()
            assert checker.outside == []
            return violations
        finally:
            context.close()


@pytest.fixture
def page_without_js(browser, city):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    wrapped = PageWithoutJS(context.new_page(), city.url, browser)
    yield wrapped
    context.close()
    assert wrapped.outside == [], "a page tried to reach the internet"


def fill_report_without_js(p, existing, description: str):
    p.locator("summary", has_text=existing.category.parent.name).click()
    p.get_by_label(existing.category.name, exact=True).check()
    p.get_by_text("Saisir les coordonnées").click()
    p.get_by_label("Latitude").fill(str(existing.location.y + 0.0002))  # ~22 m north
    p.get_by_label("Longitude").fill(str(existing.location.x))
    p.get_by_label("Décrivez-le").fill(description)


def test_without_javascript_already_reported_shows_before_sending_then_follow(page_without_js):
    page, p = page_without_js, page_without_js.page
    existing = Signal.objects.filter(status=State.NEW).select_related("category__parent").first()
    page.goto("/signaler/")
    fill_report_without_js(p, existing, "Même problème, vu ce matin")
    p.get_by_label("Votre e-mail (facultatif)").fill("voisine@example.org")
    p.get_by_role("button", name="Envoyer le signalement").click()
    p.wait_for_load_state()
    box = p.locator("#deja-signale-envoye")
    assert "Déjà signalé ?" in box.inner_text()
    assert existing.reference in box.inner_text()
    assert Signal.objects.count() == 40  # not sent
    assert page.axe_violations() == []

    box.get_by_role("button", name=f"Suivre ce signalement ({existing.reference})").click()
    p.wait_for_url(re.compile(existing.reference))
    assert "vérifiez vos e-mails" in p.locator(".messages").inner_text()
    assert Signal.objects.count() == 40
    (message,) = mail.outbox
    assert message.to == ["voisine@example.org"]


def test_without_javascript_a_different_problem_is_sent_all_the_same(page_without_js):
    p = page_without_js.page
    existing = Signal.objects.filter(status=State.NEW).select_related("category__parent").first()
    page_without_js.goto("/signaler/")
    fill_report_without_js(p, existing, "Un autre tag, sur le mur d'en face")
    p.get_by_label("Photo 1").set_input_files(
        files=[{"name": "tag.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}]
    )
    p.get_by_role("button", name="Envoyer le signalement").click()
    p.wait_for_load_state()
    assert existing.reference in p.locator("#deja-signale-envoye").inner_text()
    assert p.get_by_label("Décrivez-le").input_value() == "Un autre tag, sur le mur d'en face"
    # The browser cannot refill a file input: the server kept the photo and says so.
    assert "Votre photo est gardée" in p.locator("#photos-kept").inner_text()
    assert page_without_js.axe_violations() == []
    p.get_by_role("button", name="Envoyer mon signalement quand même").click()
    p.wait_for_url(re.compile(r"/signaler/envoye/"))
    sent = Signal.objects.get(description="Un autre tag, sur le mur d'en face")
    assert sent.photos.count() == 1


def test_photos_chosen_once_survive_a_refusal_by_the_server(page):
    p = page.page
    page.goto("/signaler/")
    p.get_by_text("Graffitis, tags, affiches et autocollants").click()
    p.get_by_label("Graffiti ou tag").check()
    p.get_by_text("Saisir les coordonnées").click()
    p.get_by_label("Latitude").fill("48.8566")
    p.get_by_label("Longitude").fill("2.3522")
    p.get_by_label("Longitude").press("Tab")
    p.get_by_label("Décrivez-le").fill("Tag vert sur le kiosque")
    p.get_by_label("Photo 1").set_input_files(
        files=[{"name": "tag.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}]
    )
    p.get_by_label("Photo 2").set_input_files(
        files=[{"name": "tag2.jpg", "mimeType": "image/jpeg", "buffer": a_jpeg()}]
    )
    # The page does not check e-mail addresses: the server refuses this one (400).
    p.get_by_label("Votre e-mail (facultatif)").fill("pas-une-adresse")
    p.get_by_role("button", name="Envoyer le signalement").click()
    error = p.locator("#id_email_error")
    error.wait_for()
    assert "adresse e-mail valide" in error.inner_text()
    assert p.get_by_label("Votre e-mail (facultatif)").get_attribute("aria-invalid") == "true"
    assert not Signal.objects.filter(description="Tag vert sur le kiosque").exists()
    assert p.get_by_label("Photo 1").evaluate("input => input.files.length") == 1
    assert p.get_by_label("Photo 2").evaluate("input => input.files.length") == 1
    assert "choisissez-les à nouveau" not in p.locator("main").inner_text()
    assert page.axe_violations() == []

    p.get_by_label("Votre e-mail (facultatif)").fill("ana@example.org")
    p.get_by_role("button", name="Envoyer le signalement").click()
    p.wait_for_url(re.compile(r"/signaler/envoye/"))
    signal = Signal.objects.get(description="Tag vert sur le kiosque")
    assert signal.photos.count() == 2
    assert signal.reporter_email == "ana@example.org"


def test_my_reports_from_the_menu_to_the_list_on_a_phone_and_accessible(page):
    from signals.models import Follower

    p = page.page
    reported, followed = Signal.objects.filter(status=State.NEW)[:2]
    Signal.objects.filter(pk=reported.pk).update(reporter_email="ana@example.org")
    Follower.objects.create(
        signal=followed, email="ana@example.org", confirmed_at=followed.created_at
    )
    page.goto("/signalements/")
    p.get_by_role("link", name="Mes signalements").click()
    assert p.get_by_role("heading", level=1).inner_text() == "Mes signalements"
    assert page.axe_violations() == []
    # A mistyped address comes back with its error, as typed.
    p.get_by_label("Votre e-mail").fill("ana@example")
    p.get_by_role("button", name="M’envoyer le lien").click()
    assert "adresse e-mail valide" in p.locator(".error-summary").inner_text()
    assert p.get_by_label("Votre e-mail").input_value() == "ana@example"
    assert page.axe_violations() == []

    p.get_by_label("Votre e-mail").fill("ana@example.org")
    p.get_by_role("button", name="M’envoyer le lien").click()
    assert "nous venons de lui envoyer un lien" in p.locator(".messages").inner_text()
    link = re.search(r"http\S+/mes-signalements/\S+/", mail.outbox[-1].body).group(0)
    p.goto(link)
    main = p.locator("main").inner_text()
    assert reported.reference in main.split("Les signalements que vous suivez")[0]
    assert followed.reference in main.split("Les signalements que vous suivez")[1]
    assert page.axe_violations() == []
    # Nothing sticks out of a phone's screen.
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    # The language switch works on a page whose address is a credential (it once answered 403).
    p.get_by_role("button", name="English").click()
    assert p.get_by_role("heading", level=1).inner_text() == "My reports"
    assert reported.reference in p.locator("main").inner_text()


def mail_to(address: str, timeout: float = 5.0):
    """The last mail to `address`: the live server hands mails over once its response is
    written, so the test may look a moment before it is there."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mail.outbox if m.to == [address]]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no mail to {address}")


def test_the_reporter_answers_a_services_question_on_a_phone_and_accessible(page):
    from workflow.models import ReporterQuestion
    from workflow.questions import question_ask

    p = page.page
    signal = Signal.objects.filter(status=State.NEW).first()
    Signal.objects.filter(pk=signal.pk).update(reporter_email="ana@example.org")
    signal.refresh_from_db()
    question_ask(signal=signal, actor=None, question="Devant quel numéro ?")
    link = re.search(r"http\S+/question/\d+/", mail_to("ana@example.org").body).group(0)

    p.goto(link)
    assert p.get_by_role("heading", level=1).inner_text() == "Une question du service"
    assert "Devant quel numéro ?" in p.locator("main").inner_text()
    assert page.axe_violations() == []
    p.get_by_role("button", name="Envoyer ma réponse").click()
    assert (
        "Écrivez votre réponse, ou envoyez une photo." in p.locator(".error-summary").inner_text()
    )
    assert page.axe_violations() == []

    # The language switch keeps the reporter on their question.
    p.get_by_role("button", name="English").click()
    assert p.get_by_role("heading", level=1).inner_text() == "A question from the service"
    p.get_by_role("button", name="Français").click()
    p.get_by_label("Votre réponse").fill("Devant le 14.")
    p.get_by_role("button", name="Envoyer ma réponse").click()
    p.wait_for_url(re.compile(signal.reference))
    assert "votre réponse est transmise au service" in p.locator(".messages").inner_text()
    assert "Devant le 14." not in p.locator("main").inner_text()
    assert ReporterQuestion.objects.get(signal=signal).answer == "Devant le 14."


def test_an_agent_resets_a_forgotten_password_in_the_browser(browser, city, django_user_model):
    agent = django_user_model.objects.create_user(
        "agent-voirie", email="alice@ville.example", password="ancien-mot-de-passe-1"
    )
    context = browser.new_context(locale="fr-FR")
    page = Page(context.new_page(), city.url)
    p = page.page
    page.goto("/gestion/connexion/")
    p.get_by_role("link", name="Mot de passe oublié ?").click()
    assert page.axe_violations() == []
    p.get_by_label("L’adresse e-mail de votre compte").fill("alice@ville.example")
    p.get_by_role("button", name="M’envoyer un lien").click()
    assert "nous venons d’y envoyer un lien" in p.locator(".messages").inner_text()

    p.goto(re.search(r"http\S+/mot-de-passe-oublie/\S+", mail_to("alice@ville.example").body)[0])
    assert page.axe_violations() == []
    p.get_by_label(re.compile(r"^Nouveau mot de passe")).fill("trottoir-lumineux-42")
    p.get_by_label(re.compile(r"^Confirmation du nouveau mot de passe")).fill(
        "trottoir-lumineux-42"
    )
    p.get_by_role("button", name=re.compile(r"mon mot de passe$")).click()
    assert "Votre mot de passe est changé" in p.locator(".messages").inner_text()
    agent.refresh_from_db()
    assert agent.check_password("trottoir-lumineux-42")
    close_when_idle(context)
    assert page.outside == [] and page.errors == []
