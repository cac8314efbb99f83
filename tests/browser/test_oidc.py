"""Single sign-on in Chromium: from a workspace page, through the sign-in page's button and
the real OpenID provider's login form (another site: localhost beside the service's
127.0.0.1), back into the workspace, signed in, on the page first asked for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.checks import assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.live import LiveServer, serving
from tests.oidc import idp

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def oidc_provider(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> idp.Provider:
    return idp.shared(request.config, tmp_path_factory.mktemp("oidc-provider"))


@pytest.fixture(scope="module")
def sso_service(service_database: str, browser_folder: Path,
                oidc_provider: idp.Provider) -> Iterator[LiveServer]:
    """The service on the browser tests' database, with single sign-on at the provider."""
    settings = {f"OIDC_{name}": value for name, value in oidc_provider.settings().items()}
    with serving(service_database, browser_folder, **settings) as server:
        yield server


@pytest.fixture
def context(browser: Browser, sso_service: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=sso_service.url, locale="de-DE",
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def test_an_editor_signs_in_through_the_provider_and_lands_where_they_wanted(
        page: Page, context: BrowserContext, oidc_provider: idp.Provider) -> None:
    page.goto("/redaktion/warteschlange?status=reported")
    expect(page).to_have_url(re.compile(r"/redaktion/anmelden\?weiter="))
    button = page.get_by_role("link", name="Mit Keycloak anmelden")
    expect(button).to_be_visible()
    assert_accessible(page)

    button.click()
    expect(page).to_have_url(re.compile(re.escape(oidc_provider.issuer) + "/interaction/"))
    page.get_by_label("Login").fill("lena")
    page.get_by_label("Password").fill(idp.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/redaktion/warteschlange\?status=reported$"))
    expect(page.get_by_role("link", name="Lena Vogel")).to_be_visible()
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["redaktion_sitzung"]["sameSite"] == "Strict"
    assert cookies["redaktion_sitzung"]["httpOnly"]
    assert "redaktion_sso" not in cookies
