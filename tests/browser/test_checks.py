"""The checks every browser test relies on catch what they are for: a page that breaks its
policy, throws, calls another host or has an unlabelled field. The pages are made up here
and answered by the browser context itself, so no server is involved."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Route

from tests.browser.checks import PageWatch, assert_accessible

pytestmark = pytest.mark.browser

ORIGIN = "http://127.0.0.1:9"  # nothing listens there: every answer comes from a route
STRICT = "default-src 'none'; script-src 'self'; img-src 'self'"
MISBEHAVING = """<!DOCTYPE html><html lang="de"><head><title>Probe</title></head><body>
<main><h1>Probe</h1>
<script>document.title = "inline";</script>
<script src="/wirft.js"></script>
<img src="http://bilder.example.invalid/logo.png" alt="Logo">
</main></body></html>"""
UNLABELLED = """<!DOCTYPE html><html lang="de"><head><title>Formular</title></head><body>
<main><h1>Formular</h1><form><input type="text" name="email"></form></main></body></html>"""


@pytest.fixture
def made_up(browser: Browser) -> Iterator[BrowserContext]:
    """A context whose pages at ``ORIGIN`` are the made-up ones above."""
    context = browser.new_context()

    def answer(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/wirft.js":
            route.fulfill(body="throw new Error('kaputt');", content_type="text/javascript")
        elif path == "/fehlerhaft":
            route.fulfill(body=MISBEHAVING, content_type="text/html",
                          headers={"Content-Security-Policy": STRICT})
        else:
            route.fulfill(body=UNLABELLED, content_type="text/html")

    context.route(f"{ORIGIN}/**", answer)
    yield context
    context.close()


def test_the_watch_reports_policy_violations_script_errors_and_other_hosts(
        made_up: BrowserContext) -> None:
    watch = PageWatch.attach(made_up)
    page = made_up.new_page()
    page.goto(f"{ORIGIN}/fehlerhaft")
    page.wait_for_load_state("load")

    problems = "\n".join(watch.problems())
    assert "CSP violation: script-src-elem blocked inline" in problems
    assert "CSP violation: img-src blocked http://bilder.example.invalid/logo.png" in problems
    assert "script error: Error: kaputt" in problems
    assert page.title() == "Probe"  # the inline script never ran
    with pytest.raises(AssertionError, match="The page misbehaved"):
        watch.assert_clean()


def test_the_watch_reports_a_request_to_another_host(made_up: BrowserContext) -> None:
    watch = PageWatch.attach(made_up)
    page = made_up.new_page()
    page.goto(f"{ORIGIN}/formular")
    # evaluate waits for the fetch to fail: its request has been seen by then
    page.evaluate("fetch('https://cdn.example.invalid/lib.js').catch(() => null)")

    assert watch.foreign_requests == ["https://cdn.example.invalid/lib.js"]


def test_axe_fails_a_field_without_a_label(made_up: BrowserContext) -> None:
    page = made_up.new_page()
    page.goto(f"{ORIGIN}/formular")

    with pytest.raises(AssertionError, match=r"- label \(critical\): Form elements must have "
                                             r"labels.*\n    input"):
        assert_accessible(page)
