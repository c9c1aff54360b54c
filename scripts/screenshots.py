"""Take the README's screenshots of the residents' pages from a running server.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000

Uses the distribution's Chromium; any request that is not for the server
(basemap tiles included) is blocked, so the pictures never depend on the network.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent.parent / "docs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=ARGS
        )

        def page(width: int, height: int):
            context = browser.new_context(
                locale="fr-FR", viewport={"width": width, "height": height}
            )
            new = context.new_page()
            new.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(base) else route.abort()
                ),
            )
            return new

        desktop = page(1280, 800)
        desktop.goto(base + "/")
        desktop.locator(".dmr-marker, .dmr-count-wrap").first.wait_for()
        desktop.wait_for_timeout(500)
        desktop.screenshot(path=DOCS / "map.png")

        phone = page(360, 740)
        phone.goto(base + "/signaler/")
        phone.locator(".cat-type summary").nth(2).click()
        phone.locator(".cat-type[open] input[type=radio]").first.check()
        phone.locator(".dmr-map").click()
        phone.locator("#id_description").fill("Le lampadaire devant le 12 ne s'allume plus.")
        phone.wait_for_timeout(500)
        phone.screenshot(path=DOCS / "report.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
