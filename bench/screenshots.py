"""Screenshots of the editors' workspace for the README: one PNG per main screen.

Starts ``moderation serve`` on a fresh SQLite file with the demo data of the browser tests
(German comments, some held, reported and appealed), creates an admin, signs in with
Debian's Chromium and photographs each screen in ``tests/browser/screens.py`` at 1280×800.

    .venv/bin/python bench/screenshots.py [--out bench/screenshots]

Prints the machine, then each file written. A new screen is one line in ``SCREENS``
(which also checks it in the browser tests).
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
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from moderation import migrate  # noqa: E402
from tests.browser import demo  # noqa: E402
from tests.browser.live import launch_chromium, serving  # noqa: E402
from tests.browser.people import Person, create_account, sign_in  # noqa: E402
from tests.browser.screens import SCREENS, Screen  # noqa: E402

# A throw-away admin on a temporary database.
ADMIN = Person("chefin@zeitung.example.de", "Claudia Brandt", "Screenshot-Passwort-2026",
               role="admin")


def photograph(page: Page, screen: Screen, demo_data: demo.Demo, out: Path) -> Path:
    page.goto(screen.url(demo_data))
    path = out / f"{screen.name}.png"
    page.screenshot(path=path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {describe('playwright')}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        database_url = f"sqlite:///{Path(folder) / 'screenshots.db'}"
        migrate.upgrade(database_url)
        demo_data = demo.seed(database_url)
        create_account(database_url, ADMIN)
        browser = launch_chromium(playwright)
        print(f"browser: Chromium {browser.version}")
        with serving(database_url, Path(folder)) as server:
            context = browser.new_context(base_url=server.url, locale="de-DE",
                                          viewport={"width": 1280, "height": 800})
            page = context.new_page()
            signed_in = False
            for screen in sorted(SCREENS, key=lambda screen: screen.signed_in):
                if screen.signed_in and not signed_in:
                    sign_in(page, ADMIN)
                    signed_in = True
                path = photograph(page, screen, demo_data, args.out)
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
                      f"  {path.stat().st_size / 1024:.0f} KiB")
            context.close()
        browser.close()
    print(f"{len(SCREENS)} screens in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
