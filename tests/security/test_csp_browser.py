"""In a real browser, the Content-Security-Policy blocks nothing of ours, and the map works."""

import pytest

from signals.models import Signal
from tests.publicmap.test_browser import browser, city, close_when_idle  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_our_pages_run_under_the_policy_without_a_single_violation(browser, city):  # noqa: F811
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    signal = Signal.objects.first()
    for path in ("/", "/signaler/", f"/signalements/{signal.reference}/"):
        response = page.goto(city.url + path)
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
        # The map exists only if the nonced inline script ran.
        page.wait_for_function("() => window.dmrMap !== undefined")
    # Swagger UI (the API docs) starts from files too.
    page.goto(city.url + "/api/docs/")
    page.locator(".swagger-ui .info").wait_for()
    # An injected inline script without the nonce is refused.
    page.goto(city.url + "/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.injected === undefined")
    close_when_idle(context)
    # One violation reported by the page itself: the injected script, and nothing of ours.
    reported = [v for v in violations if v.startswith("Content Security Policy: ")]
    assert reported == ["Content Security Policy: script-src-elem inline"], violations
