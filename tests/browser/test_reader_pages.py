"""The pages behind the links in readers' mails, in Chromium: a reader confirms the address
with the button (opening the link alone changed nothing), looks at their data, and
unsubscribes in English; every page accessible (axe-core), under its CSP, loading nothing
from elsewhere (the page watch)."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from moderation.clock import utcnow
from moderation.db import Database
from moderation.models import ReaderAddress
from tests.browser.checks import assert_accessible
from tests.browser.live import LiveServer

pytestmark = pytest.mark.browser


def opted_in(database_url: str) -> str:
    """An address that opted in and waits for its confirmation; returns its link token."""
    token = secrets.token_urlsafe(32)
    with Database(database_url) as database, database.transaction() as session:
        session.add(ReaderAddress(email=f"leserin-{token[:8]}@leser.example", language="de",
                                  token=token, created_at=utcnow(), updated_at=utcnow()))
    return token


def stored(database_url: str, token: str) -> ReaderAddress:
    with Database(database_url) as database, database.transaction() as session:
        return session.scalars(select(ReaderAddress).where(ReaderAddress.token == token)).one()


def test_a_reader_confirms_looks_at_their_data_and_unsubscribes(page: Page,
                                                                service: LiveServer):
    token = opted_in(service.database_url)

    page.goto(f"/v1/notifications/confirm/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse bestätigen")
    assert_accessible(page)
    assert stored(service.database_url, token).confirmed_at is None
    page.get_by_role("button", name="Ja, benachrichtige mich").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bestätigt")
    assert_accessible(page)
    assert stored(service.database_url, token).confirmed_at is not None
    page.get_by_role("link", name="Was wir zu deiner Adresse gespeichert haben").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Deine Daten")
    expect(page.get_by_text("bestätigt – Benachrichtigungen an")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/v1/notifications/unsubscribe/{token}?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe from notifications")
    assert_accessible(page)
    page.get_by_role("button", name="No more mail").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribed")
    assert stored(service.database_url, token).suppressed_reason == "unsubscribed"


def test_an_unknown_link_is_a_page_that_says_so(page: Page, service: LiveServer, watch):
    watch.expect_console_error("status of 404")
    response = page.goto(f"/v1/notifications/unsubscribe/{secrets.token_urlsafe(32)}")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Link nicht gefunden")
    assert_accessible(page)
