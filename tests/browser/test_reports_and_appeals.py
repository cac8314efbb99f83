"""Readers' reports and authors' appeals in Chromium (DSA Art. 16 and 20): an editor upholds
a report by rejecting the comment; the editor who rejected a comment cannot decide the
author's appeal while a colleague can, and the colleague's decision closes it.

Each test works on an article of its own. The page's timers run on Playwright's clock: the
five seconds before a decision is sent pass at once."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from moderation.db import Database
from moderation.domain import CommentStatus, ModerationMode, ReportCategory
from moderation.models import Appeal, Comment, Report
from moderation.services import authors, reports
from moderation.services.articles import update_article
from moderation.statements import PublisherTerms
from tests.browser.checks import PageWatch, assert_accessible
from tests.browser.live import LiveServer
from tests.browser.people import Person, sign_in
from tests.support.records import add_comment

pytestmark = pytest.mark.browser

UNDO_MS = 5000
TERMS = PublisherTerms("Kommentarrichtlinien", None, 183)


def published(service: LiveServer, body: str, *, token: str | None = None,
              status: CommentStatus = CommentStatus.APPROVED) -> str:
    """A comment on an article of its own; its public id."""
    key = f"browser-dsa-{time.time_ns()}"
    now = datetime.now(UTC) - timedelta(minutes=5)
    with Database(service.database_url) as database, database.transaction() as session:
        update_article(session, key, {"title": "Bericht aus dem Stadtrat",
                                      "moderation_mode": ModerationMode.POST}, now)
        return add_comment(session, now, body=body, author_name="Hannelore", token=token,
                           article_key=key, status=status).public_id


def state_of(service: LiveServer, comment_id: str) -> tuple[str, list[tuple[str, str | None]],
                                                            tuple[str, str | None] | None]:
    """The comment's status, its reports (status, decided by) and its appeal's."""
    with Database(service.database_url) as database, database.transaction() as session:
        comment = session.scalars(select(Comment).where(Comment.public_id == comment_id)).one()
        found = session.scalars(select(Report).where(Report.comment_id == comment.id)).all()
        appeal = session.scalars(select(Appeal).where(Appeal.comment_id == comment.id)).first()
        return (comment.status.value, [(r.status, r.decided_by) for r in found],
                (appeal.status, appeal.decided_by) if appeal else None)


def eventually(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the service did not get there in time"
        time.sleep(0.1)


def reject_here(page: Page) -> None:
    """Reject the open comment as an insult, by keyboard, and let the undo time pass."""
    page.keyboard.press("r")
    page.keyboard.press("1")  # Beleidigung
    page.keyboard.press("Enter")
    page.clock.run_for(UNDO_MS + 1000)


def test_rejecting_a_reported_comment_upholds_the_report(
        page: Page, make_account: Callable[..., Person], service: LiveServer) -> None:
    comment = published(service, "Der Bürgermeister ist ein korrupter Lump.")
    with Database(service.database_url) as database, database.transaction() as session:
        reports.report_comment(session, comment, reports.NewReport(
            ReportCategory.ILLEGAL, "Das ist üble Nachrede.", good_faith=True,
            legal_provision="§ 186 StGB"), None, datetime.now(UTC))
    editor = make_account()
    sign_in(page, editor)
    page.clock.install()

    page.goto(f"/redaktion/kommentare/{comment}")
    expect(page.get_by_text("Das ist üble Nachrede.")).to_be_visible()
    expect(page.get_by_text("(§ 186 StGB)")).to_be_visible()
    assert_accessible(page)
    reject_here(page)

    actor = f"user:{editor.email}"
    eventually(lambda: state_of(service, comment) == ("rejected", [("upheld", actor)], None))


def test_the_appeal_is_decided_by_another_editor_than_the_one_who_rejected(
        page: Page, browser: Browser, make_account: Callable[..., Person],
        service: LiveServer, watch: PageWatch) -> None:
    token = secrets.token_urlsafe(24)
    comment = published(service, "Typisch Verwaltung, wieder alles verschlafen.", token=token,
                        status=CommentStatus.REVIEW)
    first, second = make_account(name="Jana Fuchs"), make_account(name="Tom Weber")
    sign_in(page, first)
    page.clock.install()
    page.goto(f"/redaktion/kommentare/{comment}")
    reject_here(page)
    eventually(lambda: state_of(service, comment)[0] == "rejected")

    with Database(service.database_url) as database, database.transaction() as session:
        authors.submit_appeal(session, comment, token, "Das ist Kritik, keine Beleidigung.",
                              terms=TERMS, now=datetime.now(UTC))
    page.goto(f"/redaktion/kommentare/{comment}")
    expect(page.get_by_text("Das ist Kritik, keine Beleidigung.")).to_be_visible()
    expect(page.get_by_text("another editor decides", exact=False)).to_have_count(0)
    notice = "Sie haben diesen Kommentar selbst abgelehnt"
    expect(page.get_by_text(notice).first).to_be_visible()
    assert_accessible(page)

    watch.expect_console_error("status of 409")
    page.keyboard.press("a")
    page.clock.run_for(UNDO_MS + 1000)
    expect(page.locator("[data-messages]")).to_contain_text(notice)
    assert state_of(service, comment)[0] == "review"

    colleague = browser.new_context(base_url=service.url, locale="de-DE")
    try:
        other = colleague.new_page()
        sign_in(other, second)
        other.clock.install()
        other.goto(f"/redaktion/kommentare/{comment}")
        expect(other.get_by_text(notice)).to_have_count(0)
        other.keyboard.press("a")
        other.clock.run_for(UNDO_MS + 1000)
        eventually(lambda: state_of(service, comment) == (
            "approved", [], ("upheld", f"user:{second.email}")))
    finally:
        colleague.close()
