"""The audit log screen: admins only; newest first, filtered by actor, action and days in
Europe/Berlin, older entries by keyset pages; details shown as JSON text, never markup;
hostile filters refused in German, never a 500."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from moderation.domain import Role
from moderation.services import audit
from tests.workspace.conftest import sign_in

AUDIT = "/redaktion/protokoll"


@pytest.fixture
def logged(database, clock):
    """A day of admin actions (the sign-in of the test's admin comes after them)."""
    entries = [
        ("key.created", "cli", "key:cms", {"role": "editor"},
         datetime(2026, 11, 23, 22, 30, tzinfo=UTC)),  # 23:30 in Berlin: the 23rd
        ("webhook.created", "user:chefin@zeitung.de", "ep_abc",
         {"url_host": "cms.example.de", "event_types": ["comment.rejected"]},
         datetime(2026, 11, 23, 23, 30, tzinfo=UTC)),  # 00:30 in Berlin: the 24th
        ("policy.changed", "key:redaktion", "live@2",
         {"note": "<img src=x onerror=alert(1)> Grüße"}, datetime(2026, 11, 24, 8, tzinfo=UTC)),
    ]
    with database.transaction() as session:
        for action, actor, target, details, moment in entries:
            audit.record(session, action, actor=actor, target=target, details=details,
                         now=moment)


def rows(html: str) -> list[str]:
    """The actions of the table's rows, top to bottom."""
    return re.findall(r'<a href="/redaktion/protokoll\?action=[^"]+"><code>([^<]+)</code>', html)


def test_editors_may_not_read_the_audit_log(editor_browser):
    assert editor_browser.get(AUDIT).status_code == 403


def test_the_log_newest_first_with_details_as_text(admin_browser, logged):
    html = admin_browser.get(AUDIT).get_data(as_text=True)

    assert rows(html)[-3:] == ["policy.changed", "webhook.created", "key.created"]
    assert rows(html)[0] == "signin.succeeded"  # the admin's own sign-in, just now
    assert "&lt;img src=x onerror=alert(1)&gt; Grüße" in html
    assert "<img src=x" not in html
    assert "&#34;url_host&#34;: &#34;cms.example.de&#34;" in html  # indented JSON text
    assert 'href="/redaktion/protokoll" aria-current="page"' in html


def test_filter_by_action_and_by_actor(admin_browser, logged):
    assert rows(admin_browser.get(f"{AUDIT}?action=webhook.created").get_data(
        as_text=True)) == ["webhook.created"]
    assert rows(admin_browser.get(f"{AUDIT}?actor=key:redaktion").get_data(
        as_text=True)) == ["policy.changed"]
    # an email alone is the person's account
    assert rows(admin_browser.get(f"{AUDIT}?actor=chefin@zeitung.de").get_data(
        as_text=True)) == ["signin.succeeded", "webhook.created"]


def test_days_are_newsroom_days(admin_browser, logged):
    html = admin_browser.get(f"{AUDIT}?from=2026-11-24&to=2026-11-24").get_data(as_text=True)

    assert rows(html) == ["policy.changed", "webhook.created"]


def test_older_entries_come_a_page_at_a_time(admin_browser, database, clock):
    with database.transaction() as session:
        for number in range(60):
            audit.record(session, "retention.purged", actor="system",
                         details={"run": number},
                         now=datetime(2026, 11, 1, tzinfo=UTC).replace(minute=number % 60))
    first = admin_browser.get(f"{AUDIT}?action=retention.purged").get_data(as_text=True)
    assert len(rows(first)) == 50
    older = re.search(r'href="(/redaktion/protokoll\?[^"]*cursor=[^"]+)"', first).group(1)

    second = admin_browser.get(older.replace("&amp;", "&")).get_data(as_text=True)

    assert len(rows(second)) == 10
    assert "Neueste Einträge" in second and "Ältere Einträge" not in second
    numbers = re.findall(r"&#34;run&#34;: (\d+)", first + second)
    assert sorted(map(int, numbers)) == list(range(60))


@pytest.mark.parametrize("query", [
    "action=DROP TABLE", "action=" + "a" * 80, "from=gestern", "from=0001-01-01",
    "to=9999-12-31", "from=2026-11-25&to=2026-11-24", "cursor=nicht-von-uns",
    "actor=" + "x" * 200,
])
def test_hostile_filters_are_refused_in_german(admin_browser, logged, query):
    response = admin_browser.get(f"{AUDIT}?{query}")

    assert response.status_code == 422, query
    assert "Der Filter ließ sich nicht anwenden" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["action=%00", "actor=%00"])
def test_control_characters_are_refused_not_a_500(admin_browser, logged,
                                                                   query):
    assert admin_browser.get(f"{AUDIT}?{query}").status_code in (400, 422)


def test_an_unknown_parameter_is_ignored(admin_browser, logged):
    assert admin_browser.get(f"{AUDIT}?seite=2").status_code == 200


def test_an_english_admin_reads_it_in_english(app, make_account, logged):
    make_account("editor-in-chief@zeitung.de", Role.ADMIN, locale="en")
    browser = app.test_client()
    sign_in(browser, "editor-in-chief@zeitung.de")

    html = browser.get(AUDIT).get_data(as_text=True)

    assert "Audit log" in html and "Older entries" not in html and "Who" in html
