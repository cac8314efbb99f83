"""Readers' reports (DSA Art. 16 notice and action): intake, the reporter's view of the
decision, the editors' "reported" queue, decisions that answer reports, and their webhooks."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from moderation.models import Comment, Report, WebhookMessage
from tests.support.http import QUEUE, assert_error, editor_view, post_comment

HOOKS = "/v1/webhooks"
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.23"}
HATE = {"category": "hate", "good_faith": True,
        "explanation": "Der Kommentar hetzt pauschal gegen Geflüchtete und ruft zu Gewalt auf."}


def reports_path(comment_id: str) -> str:
    return f"/v1/comments/{comment_id}/reports"


def published(client, editor, body: str = "Schöner Artikel über Straßenbahnen, danke!") -> str:
    comment_id = post_comment(client, body).get_json()["id"]
    assert client.post(f"{QUEUE}/{comment_id}/approve", headers=editor).status_code == 200
    return comment_id


def report(client, comment_id: str, environ_base: dict | None = None, **fields) -> dict:
    response = client.post(reports_path(comment_id), json={**HATE, **fields},
                           environ_base=environ_base or {})
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def reporter_view(client, received: dict) -> dict:
    response = client.get(f"/v1/reports/{received['id']}",
                          headers={"X-Report-Token": received["report_token"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def reported_queue(client, editor, **query) -> dict:
    response = client.get(QUEUE, headers=editor, query_string={"status": "reported", **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def subscribe(client, admin_key: str) -> None:
    response = client.post(HOOKS, headers={"Authorization": f"Bearer {admin_key}"},
                           json={"url": "http://127.0.0.1:9/cms-hook"})
    assert response.status_code == 201, response.get_data(as_text=True)


def messages(database, event_type: str) -> list[WebhookMessage]:
    with database.transaction() as session:
        return list(session.scalars(select(WebhookMessage).where(
            WebhookMessage.event_type == event_type).order_by(WebhookMessage.id)))


# --- POST /v1/comments/<id>/reports -------------------------------------------------------

def test_a_reader_reports_a_published_comment_and_gets_a_one_time_token(
        client, editor, database):
    comment_id = published(client, editor)
    response = client.post(reports_path(comment_id), json={
        **HATE, "reporter_name": "Käthe Schröder", "reporter_email": "kaethe@example.de"})

    assert response.status_code == 202
    assert response.headers["Cache-Control"] == "no-store"
    received = response.get_json()
    assert set(received) == {"id", "comment_id", "status", "report_token", "message"}
    assert received["comment_id"] == comment_id and received["status"] == "open"
    assert len(received["report_token"]) >= 30 and "Meldung" in received["message"]
    with database.transaction() as session:
        stored = session.scalar(select(Report))
        assert stored.token_hash != received["report_token"] and len(stored.token_hash) == 64
        assert stored.client_hash is not None and "127.0.0.1" not in stored.client_hash
        assert stored.good_faith is True
    shown = editor_view(client, editor, comment_id)
    assert shown["status"] == "approved" and shown["open_reports"] == 1
    [listed] = shown["reports"]
    assert listed["id"] == received["id"] and listed["category"] == "hate"
    assert listed["explanation"] == HATE["explanation"]
    assert listed["reporter_name"] == "Käthe Schröder"
    assert listed["reporter_email"] == "kaethe@example.de"
    assert listed["status"] == "open" and listed["decided_at"] is None


def test_the_legal_provision_is_kept_beside_the_explanation(client, editor):
    comment_id = published(client, editor)
    received = report(client, comment_id, category="illegal", legal_provision=" § 130 StGB ")
    editor_view = client.get(f"/v1/moderation/reports/{received['id']}", headers=editor)
    assert editor_view.get_json()["legal_provision"] == "§ 130 StGB"
    assert editor_view.get_json()["explanation"] == HATE["explanation"]


@pytest.mark.parametrize(("change", "field"), [
    ({"good_faith": None}, "good_faith"),
    ({"good_faith": False}, "good_faith"),
    ({"explanation": "Zu böse."}, "explanation"),
    ({"explanation": "   kurz\n\n\n   "}, "explanation"),
    ({"explanation": "ä" * 2001}, "explanation"),
    ({"explanation": None}, "explanation"),
    ({"category": "langweilig"}, "category"),
    ({"category": None}, "category"),
    ({"legal_provision": "§" * 201}, "legal_provision"),
    ({"reporter_email": "keine-adresse"}, "reporter_email"),
    ({"reporter_name": "N" * 101}, "reporter_name"),
    ({"ip": "203.0.113.9"}, "ip"),
])
def test_invalid_reports_are_refused(client, editor, database, change, field):
    comment_id = published(client, editor)
    payload = {key: value for key, value in {**HATE, **change}.items() if value is not None}

    body = assert_error(client.post(reports_path(comment_id), json=payload), 422,
                        "validation_failed")
    assert field in body["errors"]
    with database.transaction() as session:
        assert session.scalar(select(Report)) is None


def test_only_published_comments_can_be_reported(client, editor, worker, database):
    rejected = post_comment(client, "Du bist ein Idiot, Jürgen.").get_json()["id"]
    erased = published(client, editor)
    worker.run_once()
    pending = post_comment(client).get_json()["id"]
    with database.transaction() as session:
        session.execute(update(Comment).where(Comment.public_id == erased)
                        .values(erased_at=session.scalar(select(Comment.created_at).limit(1))))
    assert editor_view(client, editor, rejected)["status"] == "rejected"

    unknown = assert_error(client.post(reports_path("gibt-es-nicht"), json=HATE), 404,
                           "not_found")
    for comment_id in (pending, rejected, erased):
        refused = assert_error(client.post(reports_path(comment_id), json=HATE), 404,
                               "not_found")
        assert refused["message"] == unknown["message"]
    with database.transaction() as session:
        assert session.scalar(select(Report)) is None


def test_repeated_reports_from_one_address_count_once(client, editor):
    comment_id = published(client, editor)
    first, again = report(client, comment_id), report(client, comment_id, category="threat")
    assert first["id"] != again["id"] and first["report_token"] != again["report_token"]
    assert editor_view(client, editor, comment_id)["open_reports"] == 1

    report(client, comment_id, environ_base=ELSEWHERE)
    shown = editor_view(client, editor, comment_id)
    assert shown["open_reports"] == 2
    assert [r["category"] for r in shown["reports"]] == ["hate", "threat", "hate"]


# --- GET /v1/reports/<id> ------------------------------------------------------------------

def test_the_reporter_sees_their_open_report(client, editor):
    received = report(client, published(client, editor))
    response = client.get(f"/v1/reports/{received['id']}",
                          headers={"X-Report-Token": received["report_token"]})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "id": received["id"], "comment_id": received["comment_id"], "category": "hate",
        "status": "open", "created_at": "2026-11-25T09:30:00+00:00", "decision": None}


@pytest.mark.parametrize("headers", [{}, {"X-Report-Token": "falsch"}, "other report"])
def test_a_wrong_or_missing_token_reads_like_an_unknown_report(client, editor, headers):
    comment_id = published(client, editor)
    received = report(client, comment_id)
    if headers == "other report":
        headers = {"X-Report-Token": report(client, comment_id)["report_token"]}

    wrong = assert_error(client.get(f"/v1/reports/{received['id']}", headers=headers), 404,
                         "not_found")
    unknown = assert_error(client.get("/v1/reports/gibt-es-nicht", headers={
        "X-Report-Token": received["report_token"]}), 404, "not_found")
    assert wrong["message"] == unknown["message"]


# --- the editors' queue and views ---------------------------------------------------------

def test_the_reported_queue_lists_most_reported_first_then_oldest(client, editor, clock):
    once = published(client, editor)
    clock.advance(minutes=1)
    twice = published(client, editor)
    clock.advance(minutes=1)
    once_later = published(client, editor)
    published(client, editor)  # never reported
    report(client, once_later)
    report(client, twice)
    report(client, twice, environ_base=ELSEWHERE)
    report(client, once)

    page = reported_queue(client, editor)
    assert [c["id"] for c in page["comments"]] == [twice, once, once_later]
    assert [c["open_reports"] for c in page["comments"]] == [2, 1, 1]
    assert page["next_cursor"] is None

    paged, cursor = [], None
    while True:
        page = reported_queue(client, editor, limit=1, **({"cursor": cursor} if cursor else {}))
        paged += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == [twice, once, once_later]


def test_the_reported_queue_shows_reported_comments_whatever_their_status(
        client, editor, worker):
    client.patch("/v1/moderation/articles/ki-im-alltag", headers=editor,
                 json={"moderation_mode": "post"})
    published_at_once = post_comment(client, "Das ist ziemlich dumm, mit Verlaub.").get_json()
    assert published_at_once["status"] == "approved"
    report(client, published_at_once["id"])
    worker.run_once()  # the classifier withdraws it to review; the report stays open

    [listed] = reported_queue(client, editor)["comments"]
    assert listed["id"] == published_at_once["id"] and listed["status"] == "review"
    assert listed["open_reports"] == 1


def test_editors_see_one_report_with_the_reporters_contact(client, editor):
    comment_id = published(client, editor)
    received = report(client, comment_id, reporter_name="Jürgen", reporter_email="j@example.de")

    response = client.get(f"/v1/moderation/reports/{received['id']}", headers=editor)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    shown = response.get_json()
    assert shown["reporter_email"] == "j@example.de" and shown["reporter_name"] == "Jürgen"
    assert shown["comment_id"] == comment_id and shown["article_key"] == "ki-im-alltag"
    assert shown["good_faith"] is True and shown["status"] == "open"
    assert_error(client.get(f"/v1/moderation/reports/{received['id']}"), 401, "unauthorized")
    assert_error(client.get("/v1/moderation/reports/gibt-es-nicht", headers=editor), 404,
                 "not_found")


# --- decisions ----------------------------------------------------------------------------

def test_rejecting_a_reported_comment_upholds_its_reports(client, editor, clock):
    comment_id = published(client, editor)
    first = report(client, comment_id)
    second = report(client, comment_id, environ_base=ELSEWHERE)
    clock.advance(hours=2)

    response = client.post(f"{QUEUE}/{comment_id}/reject", headers=editor,
                           json={"reason": "Volksverhetzung, gelöscht."})
    assert response.status_code == 200, response.get_data(as_text=True)
    decided = response.get_json()
    assert decided["status"] == "rejected" and decided["open_reports"] == 0
    # The statement of reasons says the removal answers readers' notices (DSA Art. 17(3)(b)).
    assert decided["statement_of_reasons"]["following_notice"] is True
    assert "Meldungen" in decided["statement_of_reasons"]["facts"]
    for listed in decided["reports"]:
        assert listed["status"] == "upheld" and listed["decided_by"] == "key:anna"
        assert listed["decision_note"] == "Volksverhetzung, gelöscht."
        assert listed["decided_at"] == "2026-11-25T11:30:00+00:00"
    assert reported_queue(client, editor)["comments"] == []
    for received in (first, second):
        seen = reporter_view(client, received)
        assert seen["status"] == "upheld"
        assert seen["decision"]["outcome"] == "upheld"
        assert seen["decision"]["decided_at"] == "2026-11-25T11:30:00+00:00"
        assert "nicht mehr öffentlich" in seen["decision"]["note"]
        assert "Volksverhetzung" not in str(seen)  # the editor's note is internal


def test_approving_a_reported_comment_keeps_it_and_dismisses_its_reports(client, editor):
    comment_id = published(client, editor)
    received = report(client, comment_id)

    response = client.post(f"{QUEUE}/{comment_id}/approve", headers=editor,
                           json={"reason": "Zulässige Meinungsäußerung."})
    decided = response.get_json()
    assert decided["status"] == "approved" and decided["open_reports"] == 0
    assert decided["reports"][0]["status"] == "dismissed"
    assert decided["reports"][0]["decision_note"] == "Zulässige Meinungsäußerung."
    assert reporter_view(client, received)["decision"]["outcome"] == "dismissed"
    # a report after the decision is a new one, and counts again
    report(client, comment_id)
    assert editor_view(client, editor, comment_id)["open_reports"] == 1


def test_bulk_decisions_answer_reports_too(client, editor):
    kept, removed = published(client, editor), published(client, editor)
    kept_report, removed_report = report(client, kept), report(client, removed)

    for ids, action in (([kept], "approve"), ([removed], "reject")):
        response = client.post(f"{QUEUE}/bulk", headers=editor,
                               json={"ids": ids, "action": action})
        assert response.status_code == 200, response.get_data(as_text=True)
    assert reporter_view(client, kept_report)["status"] == "dismissed"
    assert reporter_view(client, removed_report)["status"] == "upheld"
    assert reported_queue(client, editor)["comments"] == []


def test_one_unfounded_report_can_be_dismissed_without_touching_the_comment(client, editor):
    comment_id = published(client, editor)
    unfounded = report(client, comment_id)
    other = report(client, comment_id, environ_base=ELSEWHERE)
    dismiss = f"/v1/moderation/reports/{unfounded['id']}/dismiss"

    response = client.post(dismiss, headers=editor, json={"reason": "Satire, erkennbar."})
    assert response.status_code == 200, response.get_data(as_text=True)
    dismissed = response.get_json()
    assert dismissed["status"] == "dismissed" and dismissed["decided_by"] == "key:anna"
    assert dismissed["decision_note"] == "Satire, erkennbar."
    shown = editor_view(client, editor, comment_id)
    assert shown["status"] == "approved" and shown["open_reports"] == 1
    assert len(shown["events"]) == 2  # submitted, approved: nothing new on the comment
    assert reporter_view(client, other)["status"] == "open"
    # idempotent
    again = client.post(dismiss, headers=editor)
    assert again.status_code == 200 and again.get_json()["decided_at"] == dismissed["decided_at"]


def test_an_upheld_report_cannot_be_dismissed(client, editor):
    comment_id = published(client, editor)
    received = report(client, comment_id)
    client.post(f"{QUEUE}/{comment_id}/reject", headers=editor)

    dismiss = f"/v1/moderation/reports/{received['id']}/dismiss"
    assert_error(client.post(dismiss, headers=editor), 409, "report_decided")
    assert_error(client.post(dismiss), 401, "unauthorized")
    assert_error(client.post("/v1/moderation/reports/gibt-es-nicht/dismiss", headers=editor),
                 404, "not_found")
    assert_error(client.post(dismiss, headers=editor, json={"grund": "x"}), 422,
                 "validation_failed")


# --- webhooks -----------------------------------------------------------------------------

def test_reports_and_their_decisions_are_told_to_subscribers_without_personal_data(
        client, editor, admin_key, database):
    subscribe(client, admin_key)
    comment_id = published(client, editor)
    kept = published(client, editor)
    received = report(client, comment_id, reporter_name="Käthe Schröder",
                      reporter_email="kaethe@example.de")
    dismissed = report(client, kept, reporter_email="melder@example.de")
    client.post(f"{QUEUE}/{comment_id}/reject", headers=editor, json={"reason": "Hetze."})
    client.post(f"/v1/moderation/reports/{dismissed['id']}/dismiss", headers=editor)

    reported = messages(database, "comment.reported")
    assert [m.payload["data"]["report_id"] for m in reported] == [received["id"],
                                                                   dismissed["id"]]
    assert reported[0].payload["data"] == {
        "comment_id": comment_id, "article_key": "ki-im-alltag", "report_id": received["id"],
        "category": "hate", "open_reports": 1,
        "links": {"report": f"/v1/moderation/reports/{received['id']}",
                  "comment": f"/v1/moderation/comments/{comment_id}"}}
    decided = messages(database, "report.decided")
    assert [(m.payload["data"]["report_id"], m.payload["data"]["outcome"]) for m in decided] \
        == [(received["id"], "upheld"), (dismissed["id"], "dismissed")]
    assert decided[0].payload["data"]["category"] == "hate"
    assert decided[0].payload["data"]["links"]["report"] == \
        f"/v1/moderation/reports/{received['id']}"
    with database.transaction() as session:
        ids = dict(session.execute(select(Comment.public_id, Comment.id)).all())
    assert [m.comment_id for m in reported + decided] == [ids[comment_id], ids[kept],
                                                           ids[comment_id], ids[kept]]
    payloads = str([m.payload for m in reported + decided])
    for personal in ("kaethe@example.de", "melder@example.de", "Käthe", "127.0.0.1",
                     HATE["explanation"]):
        assert personal not in payloads
