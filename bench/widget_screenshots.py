"""Screenshots of the readers' widget for the README: light and dark, German and English, a
reader's own comment waiting for review, and a rejected one with its reasons and the appeal
form, each as the widget shows inside a publisher's article page.

Starts ``moderation serve`` on a fresh SQLite file with the widget tests' thread and the
publisher's test site on another port (tests/browser/widget_site.py), and photographs the
widget with Debian's Chromium at 800 pixels wide.

    .venv/bin/python bench/widget_screenshots.py [--out bench/screenshots]

Prints the machine, then each file written.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe  # noqa: E402  (bench/ is on the path)
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from moderation import migrate  # noqa: E402
from tests.browser.live import launch_chromium, serving  # noqa: E402
from tests.browser.widget_site import (  # noqa: E402
    ARTICLE,
    Site,
    editor_call,
    publisher_site,
    seed,
)

# (file name, query of the article page): the thread as readers find it.
VIEWS = [
    ("widget-hell-de", "theme=light"),
    ("widget-dunkel-de", "theme=dark"),
    ("widget-light-en", "lang=en&theme=light"),
    ("widget-dark-en", "lang=en&theme=dark"),
]


def open_widget(page: Page, query: str) -> None:
    page.goto(f"/artikel/{ARTICLE}?{query}")
    expect(page.locator("#kommentare[data-state=ready]")).to_be_attached()


def shoot(page: Page, name: str, out: Path) -> Path:
    path = out / f"{name}.png"
    page.locator("#kommentare").screenshot(path=path)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
          f"  {path.stat().st_size / 1024:.0f} KiB", flush=True)
    return path


def reader(browser: Browser, site: Site) -> Page:
    context = browser.new_context(base_url=site.url, locale="de-DE",
                                  viewport={"width": 800, "height": 900})
    return context.new_page()


def own_comments(browser: Browser, site: Site, server_url: str, editor_key: str,
                 out: Path) -> None:
    """A reader writes; first the comment waits, then an editor rejects it."""
    page = reader(browser, site)
    open_widget(page, "theme=light&refresh=1")
    page.get_by_label("Name", exact=True).fill("Clara Fuchs")
    page.get_by_label("E-Mail (freiwillig)").fill("clara@example.de")
    page.get_by_label("Dein Kommentar").fill(
        "KI sollte überall gekennzeichnet werden – auch in Behörden und Schulen.")
    page.get_by_role("button", name="Kommentar senden").click()
    mine = page.locator("li[data-own]")
    expect(mine).to_contain_text("Dein Kommentar wird geprüft.")
    shoot(page, "widget-wartet", out)
    editor_call(server_url, editor_key,
                f"/v1/moderation/comments/{mine.get_attribute('data-own')}/reject",
                {"reason_code": "off_topic",
                 "reason": "Der Kommentar geht am Thema des Artikels vorbei."})
    expect(mine).to_have_attribute("data-status", "rejected", timeout=15_000)
    page.get_by_label("Warum ist die Entscheidung falsch?").fill(
        "Der Artikel handelt genau davon, wo KI im Alltag steckt.")
    shoot(page, "widget-abgelehnt", out)
    page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {describe('playwright')}", flush=True)
    started = time.perf_counter()
    with (tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright,
          publisher_site() as site):
        database_url = f"sqlite:///{Path(folder) / 'widget.db'}"
        migrate.upgrade(database_url)
        seeded = seed(database_url)
        browser = launch_chromium(playwright)
        print(f"browser: Chromium {browser.version}")
        with serving(database_url, Path(folder), CORS_ORIGINS=site.url) as server:
            site.point_to(server.url)
            for name, query in VIEWS:
                page = reader(browser, site)
                open_widget(page, query)
                shoot(page, name, args.out)
                page.context.close()
            own_comments(browser, site, server.url, seeded.editor_key, args.out)
        browser.close()
    print(f"{len(VIEWS) + 2} screenshots in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
