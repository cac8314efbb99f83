"""Working the queue in Chromium: clear it by keyboard alone, reject with a reason and read
the statement, bulk approval, undo (nothing reaches the server), search, and a new comment
announced without reloading. Every page passes axe-core and keeps to its policy.

Each test works on an article of its own, so the shared demo data stays as it was. The
page's timers run on Playwright's clock: the five seconds before a decision is sent and the
ten between polls pass at once."""

from __future__ import annotations

import itertools
import json
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from moderation.db import Database
from moderation.domain import CommentStatus, ModerationMode
from moderation.models import Comment, ModerationEvent
from moderation.services.articles import update_article
from tests.browser.checks import PageWatch, assert_accessible
from tests.browser.live import LiveServer
from tests.browser.people import Person, sign_in
from tests.support.records import add_comment

pytestmark = pytest.mark.browser

UNDO_MS = 5000
POLL_MS = 10000
_articles = itertools.count(1)


def hold(service: LiveServer, *bodies: str, author: str = "Kalle") -> tuple[str, list[str]]:
    """Comments held for review on a pre-moderated article of their own, oldest first,
    each with the word "Idiot" marked as a banned term where it has it; the article's key
    and the comments' ids."""
    key = f"browser-queue-{next(_articles)}-{time.time_ns()}"
    now = datetime.now(UTC) - timedelta(minutes=len(bodies))
    ids = []
    with Database(service.database_url) as database, database.transaction() as session:
        update_article(session, key, {"title": "Testartikel", "moderation_mode":
                                      ModerationMode.PRE}, now)
        for n, body in enumerate(bodies):
            start = body.find("Idiot")
            words = [{"term": "idiot", "kind": "banned", "start": start, "end": start + 5,
                      "matched": "Idiot"}] if start >= 0 else []
            comment = add_comment(session, now + timedelta(seconds=n), body=body,
                                  author_name=f"{author} {n + 1}", article_key=key,
                                  status=CommentStatus.REVIEW, explanation={"words": words},
                                  scores={"toxicity": 0.5}, max_score=0.5)
            ids.append(comment.public_id)
    return key, ids


def decided(service: LiveServer, ids: list[str]) -> list[tuple[str, str, str]]:
    """Each comment's status, reason code and who decided last."""
    with Database(service.database_url) as database, database.transaction() as session:
        found = []
        for public_id in ids:
            comment = session.scalars(select(Comment).where(Comment.public_id == public_id)).one()
            actor = session.scalars(select(ModerationEvent.actor).where(
                ModerationEvent.comment_id == comment.id).order_by(
                ModerationEvent.id.desc())).first()
            found.append((comment.status.value, comment.status_reason_code, actor))
        return found


def eventually(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the service did not get there in time"
        time.sleep(0.1)


@pytest.fixture
def editor(page: Page, make_account: Callable[..., Person]) -> Person:
    """An editor signed in on ``page``, whose timers then run on Playwright's clock."""
    person = make_account()
    sign_in(page, person)
    page.clock.install()
    return person


def open_queue(page: Page, key: str, **filters: str) -> None:
    query = "&".join(f"{name}={value}" for name, value in {"article": key, "sort": "oldest",
                                                           **filters}.items())
    page.goto(f"/redaktion/warteschlange?{query}")


def rows(page: Page):
    return page.locator(".queue-item:visible")


def test_an_editor_clears_the_queue_by_keyboard_alone(page: Page, editor: Person,
                                                      service: LiveServer) -> None:
    key, ids = hold(service, "Gute Idee, danke!", "Du bist ein Idiot.",
                    "Noch ein harmloser Kommentar.")
    open_queue(page, key)
    expect(rows(page)).to_have_count(3)
    expect(page.locator("mark.evidence-banned")).to_have_text("Idiot")
    assert_accessible(page)

    page.keyboard.press("j")
    expect(rows(page).nth(0)).to_be_focused()
    page.keyboard.press("a")
    expect(rows(page)).to_have_count(2)
    expect(rows(page).nth(0)).to_be_focused()
    expect(page.locator("[data-count=review]")).to_have_text("2")
    page.keyboard.press("r")
    picker = page.get_by_role("dialog", name="Ablehnen Kalle 2")
    expect(picker).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("1")
    expect(picker.get_by_label("1 Beleidigung")).to_be_checked()
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(rows(page)).to_have_count(1)
    page.keyboard.press("a")
    expect(page.get_by_text("Diese Ansicht ist leer.")).to_be_visible()
    expect(page.locator("[data-count=review]")).to_have_text("0")

    page.clock.run_for(UNDO_MS + 1000)

    actor = f"user:{editor.email}"
    eventually(lambda: decided(service, ids) == [("approved", "editor_decision", actor),
                                                 ("rejected", "insult", actor),
                                                 ("approved", "editor_decision", actor)])
    expect(page.get_by_role("button", name="Rückgängig")).to_be_hidden()


def test_a_rejection_with_a_provision_shows_the_statement(page: Page, editor: Person,
                                                           service: LiveServer) -> None:
    _key, [comment] = hold(service, "Diese Leute gehören alle weggesperrt, Idiot.")
    page.goto(f"/redaktion/kommentare/{comment}")
    expect(page.locator("[data-comment-text] mark.evidence-banned")).to_have_text("Idiot")
    assert_accessible(page)

    page.keyboard.press("r")
    picker = page.get_by_role("dialog")
    page.keyboard.press("7")  # Strafbarer Inhalt: the provision comes next
    expect(picker.get_by_label("Rechtsvorschrift")).to_be_focused()
    page.keyboard.type("§ 130 StGB")
    page.keyboard.press("Enter")
    expect(page.locator("[data-undo-text]")).to_contain_text("Abgelehnt: Kommentar von Kalle 1.")
    page.clock.run_for(UNDO_MS + 1000)

    statement = page.locator("[data-statement]")
    expect(statement).to_contain_text("Begründung an die Autorin oder den Autor")
    expect(statement).to_contain_text("rechtswidrig ist (§ 130 StGB)")
    expect(page.locator("[data-status-label]")).to_have_text("Abgelehnt")
    assert decided(service, [comment]) == [("rejected", "criminal_content",
                                            f"user:{editor.email}")]
    assert_accessible(page)


def test_bulk_approval_of_a_range_selected_with_shift_click(page: Page, editor: Person,
                                                            service: LiveServer) -> None:
    key, ids = hold(service, "Eins.", "Zwei.", "Drei.", "Vier.")
    open_queue(page, key)

    page.get_by_label("Kommentar von Kalle 1 auswählen").check()
    page.get_by_label("Kommentar von Kalle 3 auswählen").click(modifiers=["Shift"])
    expect(page.locator("[data-selected-count]")).to_have_text("3 ausgewählt")
    page.get_by_role("button", name="Auswahl freigeben").click()
    expect(rows(page)).to_have_count(1)
    page.clock.run_for(UNDO_MS + 1000)

    expect(page.locator("[data-undo-text]")).to_contain_text(
        "3 geändert, 0 schon so, 0 nicht möglich, 0 nicht gefunden.")
    assert [status for status, _code, _actor in decided(service, ids)] == [
        "approved", "approved", "approved", "review"]


def test_select_all_and_reject_by_keyboard(page: Page, editor: Person,
                                           service: LiveServer) -> None:
    key, ids = hold(service, "Werbung A", "Werbung B")
    open_queue(page, key)

    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("[data-selected-count]")).to_have_text("2 ausgewählt")
    page.keyboard.press("r")
    page.keyboard.press("4")  # Spam/Werbung
    page.keyboard.press("Enter")
    page.clock.run_for(UNDO_MS + 1000)

    eventually(lambda: [code for _s, code, _a in decided(service, ids)] == ["spam", "spam"])


def test_undo_keeps_the_decision_from_the_server(page: Page, editor: Person,
                                                 service: LiveServer, watch: PageWatch) -> None:
    key, ids = hold(service, "Erst freigeben, dann doch nicht.", "Bleibt auch.")
    open_queue(page, key)

    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(rows(page)).to_have_count(1)
    page.keyboard.press("u")
    expect(rows(page)).to_have_count(2)
    expect(rows(page).nth(0)).to_be_focused()
    expect(page.locator("[data-undo-text]")).to_contain_text("Rückgängig gemacht")
    page.get_by_role("button", name="Freigeben").nth(1).click()
    page.get_by_role("button", name="Rückgängig").click()
    page.clock.run_for(UNDO_MS * 2)
    page.wait_for_timeout(300)  # anything sent would have arrived by now

    assert not [url for url in watch.requests if "entscheidung" in url]
    assert [status for status, _c, _a in decided(service, ids)] == ["review", "review"]


def test_leaving_the_page_sends_what_waits(page: Page, editor: Person,
                                           service: LiveServer) -> None:
    key, [comment] = hold(service, "Schnell freigeben und weg.")
    open_queue(page, key)

    page.keyboard.press("j")
    page.keyboard.press("a")
    page.goto("/redaktion/konto")

    eventually(lambda: decided(service, [comment])[0][0] == "approved")


def test_search_from_the_keyboard(page: Page, editor: Person, service: LiveServer) -> None:
    key, _ids = hold(service, "Über die Baustelle am Markt.", "Zum Wetter heute.")
    open_queue(page, key)

    page.keyboard.press("/")
    expect(page.get_by_label("Suche in Text und Name")).to_be_focused()
    page.keyboard.type("baustelle")
    page.keyboard.press("Enter")

    expect(rows(page)).to_have_count(1)
    expect(rows(page).nth(0)).to_contain_text("Über die Baustelle am Markt.")
    expect(page.get_by_label("Suche in Text und Name")).to_have_value("baustelle")


def test_shortcuts_are_listed_and_do_nothing_while_typing(page: Page, editor: Person,
                                                          service: LiveServer) -> None:
    key, _ids = hold(service, "Bleibt liegen.")
    open_queue(page, key)

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Tastenkürzel")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Nächster Kommentar")
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_label("Suche in Text und Name").fill("")
    page.get_by_label("Suche in Text und Name").press("a")

    expect(rows(page)).to_have_count(1)
    expect(page.get_by_label("Suche in Text und Name")).to_have_value("a")


def test_a_new_comment_is_announced_without_reloading(page: Page, editor: Person,
                                                      service: LiveServer) -> None:
    key, _ids = hold(service, "Schon da.")
    open_queue(page, key)
    expect(rows(page)).to_have_count(1)

    request = urllib.request.Request(  # noqa: S310 (the service on loopback)
        f"{service.url}/v1/articles/{key}/comments", method="POST",
        data=json.dumps({"author_name": "Neu", "body": "Ich bin neu hier."}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        new_id = json.loads(answer.read())["id"]
    eventually(lambda: decided(service, [new_id])[0][0] == "review")  # pre-moderated
    page.clock.run_for(POLL_MS + 1000)

    notice = page.get_by_role("link", name="1 neuer Kommentar – anzeigen")
    expect(notice).to_be_visible()
    expect(rows(page)).to_have_count(1)
    expect(page.locator("[data-count=review]")).not_to_have_text("0")
    notice.click()
    expect(rows(page)).to_have_count(2)


def test_load_more_appends_the_next_page_in_place(page: Page, editor: Person,
                                                  service: LiveServer) -> None:
    key, _ids = hold(service, "Erster.", "Zweiter.", "Dritter.")
    open_queue(page, key, limit="2")
    address = page.url

    page.get_by_role("link", name="Weitere laden").click()

    expect(rows(page)).to_have_count(3)
    expect(page.get_by_text("Alle Kommentare dieser Ansicht sind geladen.")).to_be_visible()
    assert page.url == address
    for _ in range(3):
        page.keyboard.press("j")
    expect(rows(page).nth(2)).to_be_focused()
    expect(rows(page).nth(2)).to_contain_text("Dritter.")
