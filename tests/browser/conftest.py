"""Browser fixtures: one ``moderation serve`` on a database of its own (SQLite, or PostgreSQL
via MODERATION_TEST_DATABASE_URL) with the demo data, and one headless Chromium, both for
the browser tests only (stopped after the last); a fresh browser context per test, whose
pages are watched for console errors, CSP violations and requests to other hosts.

Use ``page`` (already watched: a test fails when the page misbehaves) and ``service``
(``service.url``, ``service.database_url``); ``demo_data`` for the ids of the demo comments;
``watch`` to allow an error a test provokes;
``checks.assert_accessible(page)`` for axe-core; ``make_account()`` for a person to sign in
as and ``people.sign_in(page, person)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from moderation import migrate
from tests.browser import demo
from tests.browser.checks import PageWatch
from tests.browser.live import LiveServer, launch_chromium, serving
from tests.browser.people import Person, create_account
from tests.conftest import drop_database, fresh_database_url

# Long enough for a page under load on a shared CI machine, short enough to fail fast.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def browser_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="package")
def service_database(browser_folder: Path) -> Iterator[str]:
    """The URL of the service's database: migrated, of its own."""
    database_url = fresh_database_url("moderation_browser", browser_folder)
    migrate.upgrade(database_url)
    yield database_url
    drop_database(database_url)


@pytest.fixture(scope="package")
def demo_data(service_database: str) -> demo.Demo:
    """What the demo data holds (``demo_data.reported``, ``.appealed``, ``.comments[text]``)."""
    return demo.seed(service_database)


@pytest.fixture(scope="package")
def service(service_database: str, demo_data: demo.Demo,
            browser_folder: Path) -> Iterator[LiveServer]:
    """The service on loopback, on its database with the demo data."""
    with serving(service_database, browser_folder) as server:
        yield server


_numbers = itertools.count(1)


@pytest.fixture
def make_account(service: LiveServer) -> Callable[..., Person]:
    """Makes an account of its own for each call, so that no test's sign-ins, lockouts or
    sign-outs touch another's."""

    def make(role: str = "editor", name: str = "Anna Bergmann") -> Person:
        person = Person(f"person{next(_numbers)}@zeitung.example.de", name,
                        "Kaffee-und-Kuchen-2026", role)
        create_account(service.database_url, person)
        return person

    return make


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, service: LiveServer) -> Iterator[BrowserContext]:
    """A fresh profile (no cookies) in German, with ``page.goto("/…")`` relative to the
    service."""
    context = browser.new_context(base_url=service.url, locale="de-DE",
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def watch(context: BrowserContext) -> PageWatch:
    """What the context's pages did wrong; checked after the test (see
    ``pytest_runtest_call``)."""
    return PageWatch.attach(context)


@pytest.fixture
def page(context: BrowserContext, watch: PageWatch) -> Page:
    return context.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> object:
    """A test that passed fails after all if its pages logged an error, broke the CSP or
    asked another host for anything."""
    result = yield
    watch = getattr(item, "funcargs", {}).get("watch")
    if watch is not None:
        watch.assert_clean()
    return result
