"""The articles screen in Chromium: an editor changes an article's mode from the list and
closes it on its own page, by keyboard; both pages pass axe-core and keep to their policy.
Each test works on an article of its own, so the shared demo data stays as it was."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from moderation.db import Database
from moderation.domain import CommentStatus, ModerationMode
from moderation.models import Article, AuditEvent
from moderation.services.articles import update_article
from tests.browser.checks import assert_accessible
from tests.browser.live import LiveServer
from tests.browser.people import Person, sign_in
from tests.support.records import add_comment

pytestmark = pytest.mark.browser

_articles = itertools.count(1)


def an_article(service: LiveServer, title: str) -> str:
    """An article of its own with one comment held for review; its key."""
    key = f"browser-artikel-{next(_articles)}-{time.time_ns()}"
    now = datetime.now(UTC)
    with Database(service.database_url) as database, database.transaction() as session:
        update_article(session, key, {"title": title}, now)
        add_comment(session, now, article_key=key, status=CommentStatus.REVIEW,
                    body="Ein Kommentar, der wartet.")
    return key


def settings(service: LiveServer, key: str) -> tuple[ModerationMode, bool, list[str]]:
    """The article's mode, whether it is open, and who changed it (the audit log)."""
    with Database(service.database_url) as database, database.transaction() as session:
        article = session.scalars(select(Article).where(Article.key == key)).one()
        actors = list(session.scalars(select(AuditEvent.actor).where(
            AuditEvent.action == "article.changed", AuditEvent.target == key)))
        return article.moderation_mode, article.comments_open, actors


@pytest.fixture
def editor(page: Page, make_account: Callable[..., Person]) -> Person:
    person = make_account()
    sign_in(page, person)
    return person


def test_an_editor_changes_an_articles_mode_from_the_list(page: Page, editor: Person,
                                                          service: LiveServer) -> None:
    key = an_article(service, "Hitzewelle: So schützen Sie sich")
    page.goto("/redaktion/artikel")
    page.get_by_label("Schlüssel und Titel durchsuchen").fill("Hitzewelle")
    page.get_by_role("button", name="Anwenden").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    assert_accessible(page)

    page.get_by_label("Moderation von „Hitzewelle: So schützen Sie sich“").select_option(
        label="Vormoderation (jeder Kommentar wartet)")
    page.get_by_role("button", name="Speichern – Hitzewelle: So schützen Sie sich").click()

    expect(page.get_by_role("status")).to_have_text(
        "Gespeichert: „Hitzewelle: So schützen Sie sich“ ist jetzt Vormoderation (jeder "
        "Kommentar wartet) und offen für Kommentare.")
    expect(page.get_by_label("Schlüssel und Titel durchsuchen")).to_have_value("Hitzewelle")
    assert settings(service, key) == (ModerationMode.PRE, True, [f"user:{editor.email}"])


def test_an_editor_closes_an_article_on_its_page_by_keyboard(page: Page, editor: Person,
                                                             service: LiveServer) -> None:
    key = an_article(service, "Wahl im Landkreis")
    page.goto("/redaktion/artikel?q=Landkreis")
    page.get_by_role("link", name="Wahl im Landkreis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wahl im Landkreis")
    expect(page.get_by_role("link", name="Zurückgehalten zur Prüfung")).to_have_attribute(
        "href", f"/redaktion/warteschlange?status=review&article={key}")
    assert_accessible(page)

    page.get_by_label("geschlossen: keine neuen Kommentare").focus()
    page.keyboard.press("Space")
    page.get_by_label("Titel").focus()
    page.keyboard.press("Enter")  # submits the form, like the button

    expect(page.get_by_role("status")).to_have_text("Die Einstellungen sind gespeichert.")
    expect(page.get_by_label("geschlossen: keine neuen Kommentare")).to_be_checked()
    assert settings(service, key) == (ModerationMode.AUTO, False, [f"user:{editor.email}"])
