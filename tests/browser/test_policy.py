"""The policy screens in Chromium: an admin changes a threshold and adds a word, sees both
as new versions in the history, and brings the earlier policy back; every page passes
axe-core and keeps to its policy. The test leaves the live policy as it found it (the
other browser tests share the service)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from moderation.db import Database
from moderation.models import PolicyVersion
from tests.browser.checks import assert_accessible
from tests.browser.live import LiveServer
from tests.browser.people import Person, sign_in

pytestmark = pytest.mark.browser


def live(service: LiveServer) -> PolicyVersion | None:
    with Database(service.database_url) as database, database.transaction() as session:
        return session.scalars(select(PolicyVersion).where(PolicyVersion.name == "live")
                               .order_by(PolicyVersion.version.desc())).first()


def test_an_admin_edits_the_policy_and_finds_each_change_in_the_history(
        page: Page, make_account: Callable[..., Person], service: LiveServer) -> None:
    admin = make_account(role="admin", name="Claudia Brandt")
    sign_in(page, admin)
    before = live(service)
    start = before.version if before else 0
    page.goto("/redaktion/richtlinie")
    assert_accessible(page)

    threshold = page.get_by_label("Prüfschwelle für Beleidigung")
    threshold.fill("0,44")
    page.get_by_role("button", name="Schwellenwerte speichern").click()
    expect(page.get_by_role("status")).to_have_text(f"Gespeichert als Version {start + 1}.")
    expect(threshold).to_have_value("0,44")

    page.get_by_label("Neuer Eintrag").fill("Pfeife*")
    page.get_by_label("Liste", exact=True).select_option("banned")
    page.get_by_label("Neuer Eintrag").press("Enter")
    expect(page.get_by_role("status")).to_have_text(f"Gespeichert als Version {start + 2}.")
    expect(page.get_by_role("button", name="Entfernen „pfeife*“")).to_be_visible()

    page.get_by_role("link", name="Verlauf").click()
    newest = page.locator(f"#version-{start + 2}")
    expect(newest).to_contain_text("„pfeife*“ auf die Liste gesperrt (lehnt ab) gesetzt")
    expect(newest).to_contain_text(admin.email)
    expect(page.locator(f"#version-{start + 1}")).to_contain_text(
        "Beleidigung: Prüfschwelle")
    expect(page.locator(f"#version-{start + 1}")).to_contain_text("→ 0,44")
    assert_accessible(page)

    back = (page.get_by_role("button", name=f"Version {start} wiederherstellen") if start
            else page.get_by_role("button", name="Voreinstellung wiederherstellen"))
    back.click()
    expect(page.get_by_role("status")).to_have_text(f"Gespeichert als Version {start + 3}.")
    restored = live(service)
    assert restored is not None and restored.created_by == f"user:{admin.email}"
    assert "pfeife*" not in restored.banned
    if before is not None:
        assert restored.thresholds == before.thresholds


def test_a_starter_list_is_filtered_and_read_by_its_terms(
        page: Page, make_account: Callable[..., Person], service: LiveServer) -> None:
    sign_in(page, make_account(role="admin", name="Claudia Brandt"))
    page.goto("/redaktion/richtlinie/startlisten/drohungen")
    rows = page.locator("[data-term-row]:visible")
    total = rows.count()

    page.get_by_label("Begriffe filtern").fill("wohnst")

    expect(rows).not_to_have_count(total)
    assert 0 < rows.count() < total
    expect(page.get_by_text(f"von {total} Begriffen angezeigt")).to_be_visible()
    assert_accessible(page)
