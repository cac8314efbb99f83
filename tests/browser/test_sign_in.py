"""Signing in to the workspace in Chromium: the German form, its focus order, the refusal,
signing in and out, a form posted from another site, and a session id planted before
sign-in."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.checks import PageWatch, assert_accessible
from tests.browser.live import HOST, LiveServer, free_port
from tests.browser.people import Person, sign_in

pytestmark = pytest.mark.browser

REFUSAL = "Die E-Mail-Adresse oder das Passwort stimmt nicht."
# True where the focused element shows it: an outline or a focus ring drawn as a shadow.
FOCUS_VISIBLE = """() => {
  const style = getComputedStyle(document.activeElement);
  return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
}"""
FOCUSED = """() => {
  const element = document.activeElement;
  return element.labels?.[0]?.textContent.trim() || element.textContent.trim();
}"""


def test_the_sign_in_page_is_german_and_accessible(page: Page) -> None:
    answer = page.goto("/redaktion/anmelden")

    assert answer is not None and "default-src 'none'" in answer.headers[
        "content-security-policy"]
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_title("Anmelden – Redaktion · moderation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(page.get_by_label("E-Mail-Adresse")).to_be_focused()
    expect(page.get_by_label("Passwort")).to_have_attribute("type", "password")
    assert_accessible(page)


def test_the_keyboard_reaches_every_control_in_order_and_shows_where_it_is(
        page: Page) -> None:
    page.goto("/redaktion/anmelden")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # from the email field (autofocus) to the page's top

    reached = [page.evaluate(FOCUSED)]
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_VISIBLE), f"no visible focus on {page.evaluate(FOCUSED)}"
        reached.append(page.evaluate(FOCUSED))

    assert reached == ["Zum Inhalt springen", "moderation Redaktion", "E-Mail-Adresse",
                       "Passwort", "Anmelden"]


def test_the_skip_link_appears_when_focused_and_leads_to_the_content(page: Page) -> None:
    page.goto("/redaktion/anmelden")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    skip.focus()

    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["x"] >= 0 and box["width"] > 10
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_a_wrong_password_and_an_unknown_email_get_the_same_german_refusal(
        page: Page, watch: PageWatch, make_account: Callable[..., Person]) -> None:
    watch.expect_console_error("status of 401")
    person = make_account()
    page.goto("/redaktion/anmelden")

    refusals = []
    for email in (person.email, "niemand@zeitung.example.de"):
        page.get_by_label("E-Mail-Adresse").fill(email)
        page.get_by_label("Passwort").fill("falsches-Passwort")
        page.get_by_role("button", name="Anmelden").click()
        refusals.append(page.get_by_role("alert").inner_text())
        expect(page.get_by_label("Passwort")).to_have_value("")
        expect(page.get_by_label("E-Mail-Adresse")).to_have_value(email)

    assert refusals == [REFUSAL, REFUSAL]
    expect(page.get_by_label("Passwort")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_an_editor_signs_in_works_and_signs_out(
        page: Page, context: BrowserContext, make_account: Callable[..., Person]) -> None:
    person = make_account(name="Jörg Weiß")
    page.goto("/redaktion/")
    expect(page).to_have_url("/redaktion/anmelden?weiter=/redaktion/")

    page.get_by_label("E-Mail-Adresse").fill(person.email)
    page.get_by_label("Passwort").fill(person.password)
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_role("banner")).to_contain_text("Jörg Weiß")
    assert "/anmelden" not in page.url and page.url.startswith(f"{page_origin(page)}/redaktion/")
    cookie = next(c for c in context.cookies() if c["name"] == "redaktion_sitzung")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert_accessible(page)

    page.get_by_role("button", name="Abmelden", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    page.goto("/redaktion/")
    expect(page).to_have_url("/redaktion/anmelden?weiter=/redaktion/")


def test_a_form_posted_from_another_site_is_refused(
        page: Page, context: BrowserContext, watch: PageWatch, service: LiveServer,
        make_account: Callable[..., Person]) -> None:
    """A page on another site (``localhost`` is not ``127.0.0.1``) posts "sign out
    everywhere" to the workspace: refused, and so is the same post from the signed-in
    browser's own cookie jar without the token."""
    watch.expect_console_error("status of 403")
    person = make_account()
    sign_in(page, person)
    elsewhere = f"http://localhost:{free_port()}"
    context.route(f"{elsewhere}/**", lambda route: route.fulfill(content_type="text/html", body=(
        f'<!DOCTYPE html><form method="post" action="{service.url}/redaktion/abmelden/ueberall">'
        '<button>Jetzt gewinnen</button></form>')))

    page.goto(f"{elsewhere}/gewinnspiel")
    page.get_by_role("button", name="Jetzt gewinnen").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url == f"{service.url}/redaktion/abmelden/ueberall"
    refused_page = page.locator("main").inner_text()
    forged = context.request.post(f"{service.url}/redaktion/abmelden/ueberall",
                                  form={"weiter": "/redaktion/"}, max_redirects=0)

    assert "nicht von dieser Seite" in refused_page
    assert forged.status == 403
    page.goto("/redaktion/")
    expect(page.get_by_role("banner")).to_contain_text(person.name)
    # The same post with the token goes through: the refusals were the token's doing.
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    honest = context.request.post(f"{service.url}/redaktion/abmelden/ueberall",
                                  form={"csrf_token": token or ""}, max_redirects=0)
    assert honest.status == 302


def page_origin(page: Page) -> str:
    return page.url.split("/redaktion", 1)[0]


def test_a_session_id_planted_before_sign_in_is_never_used(
        page: Page, context: BrowserContext, make_account: Callable[..., Person]) -> None:
    planted = "A" * 43  # well-formed, as an attacker would set it through a sibling domain
    context.add_cookies([{"name": "redaktion_sitzung", "value": planted, "domain": HOST,
                          "path": "/redaktion"}])
    person = make_account()
    sign_in(page, person)

    issued = [c["value"] for c in context.cookies()
              if c["name"] == "redaktion_sitzung" and c["path"] == "/redaktion"]
    assert len(issued) == 1 and issued[0] != planted
    context.clear_cookies()
    context.add_cookies([{"name": "redaktion_sitzung", "value": planted, "domain": HOST,
                          "path": "/redaktion"}])
    page.goto("/redaktion/warteschlange")
    expect(page).to_have_url(re.compile(r"/redaktion/anmelden"))
