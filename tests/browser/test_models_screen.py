"""The model versions' screen in Chromium: an admin reads the candidate model's report with a
comment it would have decided otherwise, promotes it through the confirmation, and rolls it
back the same way; each page accessible (axe-core) and within its policy. The test leaves the
shipped model live, as the other browser tests expect."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from moderation.clock import utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.domain import CommentStatus, Reason
from moderation.models import AuditEvent, Comment
from moderation.services import model_versions
from tests.browser.checks import assert_accessible
from tests.browser.demo import Demo
from tests.browser.live import LiveServer
from tests.browser.people import Person, sign_in
from tests.support.compact_models import train_tiny

pytestmark = pytest.mark.browser


def live(service: LiveServer) -> str | None:
    with Database(service.database_url) as database, database.transaction() as session:
        return model_versions.live_version(session)


@pytest.fixture
def candidate(service: LiveServer, demo_data: Demo, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A tiny model installed as the candidate, which would have rejected one published demo
    comment: its version and that comment's text. Rolled back afterwards if still live."""
    trained = train_tiny(tmp_path / "modell")
    config = Config(database_url=service.database_url, instance_path=tmp_path,
                    model_store=tmp_path / "modelle")
    with Database(service.database_url) as database, database.transaction() as session:
        row = model_versions.install(session, trained, config, actor="cli", note=None,
                                     now=utcnow())
        comment = session.scalars(select(Comment).where(
            Comment.public_id.in_(demo_data.comments.values()),
            Comment.status == CommentStatus.APPROVED).order_by(Comment.id)).first()
        assert comment is not None
        model_versions.record_shadow(session, comment, row.id, CommentStatus.REJECTED,
                                     Reason.SCORE_ABOVE_REJECT, comment.created_at)
        version, text = row.version, comment.body
    yield version, text
    if live(service) == version:
        with Database(service.database_url) as database, database.transaction() as session:
            model_versions.rollback(session, actor="cli", kind="compact",
                                    now=utcnow())


def test_an_admin_promotes_the_candidate_model_and_rolls_it_back(
        page: Page, make_account: Callable[..., Person], service: LiveServer,
        candidate: tuple[str, str]) -> None:
    version, text = candidate
    admin = make_account(role="admin", name="Claudia Brandt")
    sign_in(page, admin)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Modelle").click()
    expect(page.get_by_role("heading", name="Modelle", level=1)).to_be_visible()
    expect(page.get_by_text("Verglichene Entscheidungen")).to_contain_text("1")
    disagreements = page.get_by_role("table", name="Abweichungen vom geltenden Modell")
    expect(disagreements).to_contain_text(text[:40])
    expect(disagreements).to_contain_text("Abgelehnt")
    assert_accessible(page)

    page.get_by_role("button", name="Übernehmen: zum geltenden Modell machen").click()
    expect(page.get_by_role("heading", name="Kandidaten-Modell übernehmen?")).to_be_visible()
    assert_accessible(page)
    assert live(service) is None
    page.get_by_role("button", name="Ja, zum geltenden Modell machen").click()
    expect(page.get_by_role("status")).to_contain_text("Das Kandidaten-Modell ist jetzt live")
    assert live(service) == version

    page.get_by_role("button", name="Zurücksetzen: Kompaktmodell").click()
    expect(page.get_by_role("heading", name="Zurücksetzen?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ja, zurücksetzen").click()
    expect(page.get_by_role("status")).to_contain_text("Zurückgesetzt")
    assert live(service) is None
    assert_accessible(page)

    with Database(service.database_url) as database, database.transaction() as session:
        actors = session.scalars(select(AuditEvent.actor).where(
            AuditEvent.action.in_(["model.promoted", "model.rolled_back"]),
            AuditEvent.target.in_([version, model_versions.shipped_version()]))).all()
        assert actors[-2:] == [f"user:{admin.email}"] * 2
