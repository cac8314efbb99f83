"""The privacy requests screen: admins only; find a reader's data by email (counted, in any
spelling of the address), download it as the API exports it, erase it after a
confirmation that names what goes; every step audited as the person, never with the
reader's email."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation.domain import CommentStatus
from moderation.models import AuditEvent, Comment, Report
from tests.support.records import add_appeal, add_comment, add_report
from tests.workspace.conftest import post_form

PRIVACY = "/redaktion/datenschutz"
ADMIN_ACTOR = "user:chefin@zeitung.de"
READER = "leserin@example.de"


def admin_post(browser, path: str, data: dict | None = None):
    return post_form(browser, path, data, page=PRIVACY)


@pytest.fixture
def reader(database, clock):
    """Two comments of the reader (one rejected and appealed), a report she filed, and a
    comment by somebody else."""
    with database.transaction() as session:
        first = add_comment(session, clock() - timedelta(days=2),
                            body="Mein erster Kommentar über Grüße.",
                            author_name="Lea Leserin", author_email="Leserin@Example.de")
        second = add_comment(session, clock(), body="Der zweite, abgelehnt.",
                             author_name="Lea Leserin", author_email=READER,
                             status=CommentStatus.REJECTED)
        add_appeal(session, second, clock(), explanation="Das war sachlich.")
        other = add_comment(session, clock(), body="Von jemand anderem.",
                            author_email="bernd@example.de")
        add_report(session, other, clock(), explanation="Das ist Hetze.",
                   reporter_name="Lea Leserin", reporter_email=READER)
        return first.public_id


def privacy_audit(database) -> list[AuditEvent]:
    with database.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("privacy.%")).order_by(AuditEvent.id)))


def test_editors_may_not_make_data_requests(editor_browser, admin_account, reader, database):
    assert editor_browser.get(PRIVACY).status_code == 403
    for path in (PRIVACY, f"{PRIVACY}/export", f"{PRIVACY}/loeschen"):
        response = post_form(editor_browser, path, {"email": READER, "bestaetigt": "1"})
        assert response.status_code == 403, path
    assert privacy_audit(database) == []


def test_finding_counts_what_is_stored_and_is_audited_without_the_email(admin_browser,
                                                                        reader, database):
    response = admin_post(admin_browser, PRIVACY, {"email": "LESERIN@example.de"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "2 Kommentare" in html and "23.11.2026" in html and "25.11.2026" in html
    assert "1 Widerspruch" in html and "1 eingereichte Meldung" in html
    assert "Mein erster Kommentar" not in html  # counted, not shown
    [looked_up] = privacy_audit(database)
    assert (looked_up.action, looked_up.actor) == ("privacy.looked_up", ADMIN_ACTOR)
    assert looked_up.details["comments"] == 2 and looked_up.details["reports"] == 1
    assert READER not in json.dumps(looked_up.details) + (looked_up.target or "")


def test_an_unknown_address_finds_nothing_and_offers_no_erasure(admin_browser, reader):
    html = admin_post(admin_browser, PRIVACY, {"email": "niemand@example.de"}).get_data(
        as_text=True)

    assert "Zu dieser Adresse ist nichts gespeichert" in html
    assert f"{PRIVACY}/loeschen" not in html


def test_the_download_is_the_apis_export(app, admin_browser, admin, reader, database):
    response = admin_post(admin_browser, f"{PRIVACY}/export", {"email": READER})

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="datenauskunft-')
    assert response.headers["Cache-Control"] == "no-store"
    exported = json.loads(response.get_data(as_text=True))
    from_api = app.test_client().post("/v1/admin/privacy/export", json={"email": READER},
                                      headers=admin).get_json()
    for document in (exported, from_api):
        document.pop("request_id")
    assert exported == from_api
    assert [c["body"] for c in exported["comments"]] == [
        "Mein erster Kommentar über Grüße.", "Der zweite, abgelehnt."]
    assert "Grüße" in response.get_data(as_text=True)  # UTF-8, not escaped
    ours, api = privacy_audit(database)
    assert (ours.action, ours.actor, api.actor) == ("privacy.exported", ADMIN_ACTOR,
                                                    "key:chefin")


def test_erasure_asks_first_naming_what_goes(admin_browser, reader, database):
    response = admin_post(admin_browser, f"{PRIVACY}/loeschen", {"email": READER})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Löschung bestätigen" in html
    assert "2 Kommentare: ihr Text" in html and "Grabstein" in html
    assert "1 Widerspruch" in html and "1 eingereichten Meldung" in html
    assert 'name="bestaetigt" value="1"' in html
    with database.transaction() as session:
        assert session.scalars(select(Comment.erased_at)).all() == [None, None, None]


def test_a_confirmed_erasure_erases_and_shows_the_result(admin_browser, reader, database):
    response = admin_post(admin_browser, f"{PRIVACY}/loeschen",
                          {"email": READER, "bestaetigt": "1"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 Kommentare zu Grabsteinen gemacht" in html
    assert "1 Meldung ohne die Angaben der Person" in html
    with database.transaction() as session:
        bodies = dict(session.execute(select(Comment.author_email, Comment.body)).all())
        assert bodies == {None: "", "bernd@example.de": "Von jemand anderem."}
        report = session.scalars(select(Report)).one()
        assert (report.reporter_email, report.explanation) == (None, None)
    erased = privacy_audit(database)[-1]
    assert (erased.action, erased.actor) == ("privacy.erased", ADMIN_ACTOR)
    assert erased.details["request_id"] in html
    again = admin_post(admin_browser, f"{PRIVACY}/loeschen", {"email": READER})
    assert "ist nichts mehr zu löschen" in again.get_data(as_text=True)


@pytest.mark.parametrize("email", ["", "keine-adresse", "a@" + "b" * 260 + ".de",
                                   "lea\x00@example.de", "<script>@example.de"])
def test_an_invalid_address_is_refused_in_german(admin_browser, reader, database, email):
    for path in (PRIVACY, f"{PRIVACY}/export", f"{PRIVACY}/loeschen"):
        response = admin_post(admin_browser, path, {"email": email, "bestaetigt": "1"})

        html = response.get_data(as_text=True)
        assert response.status_code == 422, path
        assert "Bitte geben Sie eine gültige E-Mail-Adresse an" in html
        assert "<script>@" not in html
    assert privacy_audit(database) == []


def test_writes_without_the_csrf_token_are_refused(admin_browser, reader, database):
    response = admin_browser.post(f"{PRIVACY}/loeschen", data={"email": READER,
                                                                "bestaetigt": "1"})

    assert response.status_code == 403
    with database.transaction() as session:
        assert session.scalars(select(Comment.erased_at)).all() == [None, None, None]
