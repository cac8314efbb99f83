"""/docs in Chromium: Swagger UI from the package runs under the strict policy, draws every
operation and asks no other host for anything."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import FAILING_IMPACTS, PageWatch, axe_violations

pytestmark = pytest.mark.browser


def test_swagger_ui_draws_the_api_under_the_policy(page: Page, watch: PageWatch) -> None:
    page.goto("/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("moderation")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 20
    assert any(url.endswith("/openapi.json") for url in watch.requests)
    # the watch fails the test on any CSP violation, console error or foreign request


def test_try_it_out_calls_only_this_service(page: Page, watch: PageWatch) -> None:
    page.goto("/docs")
    health = page.locator(".opblock", has=page.locator("[data-path='/healthz']"))
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()

    expect(health.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
    assert any(url.endswith("/healthz") for url in watch.requests)


def test_swagger_ui_falls_short_only_in_its_stock_colours(page: Page) -> None:
    """Swagger UI's own theme fails colour contrast (its method badges and links, about 50
    elements); that is its stylesheet, not ours, so the strict check is for our pages.
    Anything else serious would be ours: the page around it, or how we start it."""
    page.goto("/docs")
    expect(page.locator(".opblock").first).to_be_visible()

    serious = {violation["id"] for violation in axe_violations(page)
               if violation["impact"] in FAILING_IMPACTS}

    assert serious <= {"color-contrast"}
