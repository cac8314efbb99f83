"""Statements of reasons (DSA Art. 17): every rejection, automatic, at intake or by an editor,
records one on the comment and its event, tells webhook subscribers, and shows it to the
author."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderation import create_app
from moderation.models import Comment, ModerationEvent
from moderation.workers.scoring import ScoringWorker
from tests.support.http import QUEUE, assert_error, author_view, submit_comment
from tests.support.records import webhook_data

INSULT = "Du bist ein Idiot, Jürgen."  # rejected automatically by the KeywordScorer
DOUBTFUL = "Das ist ziemlich dumm, mit Verlaub."  # held for review
HARMLESS = "Schöner Artikel über Straßenbahnen in Köln, danke!"


def reject(client, editor, comment_id: str, **body):
    response = client.post(f"{QUEUE}/{comment_id}/reject", headers=editor, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def stored(database, public_id: str) -> tuple[Comment, list[ModerationEvent]]:
    with database.transaction() as session:
        comment = session.scalar(select(Comment).where(Comment.public_id == public_id))
        return comment, list(session.scalars(select(ModerationEvent).where(
            ModerationEvent.comment_id == comment.id).order_by(ModerationEvent.id)))


def test_an_automatic_rejection_states_its_reasons_with_the_automated_means(
        client, database, worker, clock):
    submitted = submit_comment(client, INSULT)
    worker.run_once()

    comment, events = stored(database, submitted["id"])
    statement = comment.statement_of_reasons
    assert comment.status.value == "rejected" and comment.rejected_at == clock()
    assert events[-1].details["statement_of_reasons"] == statement
    assert events[-1].details["model"] == "keyword-test"  # the evidence is still there
    assert statement["measure"] == "not_published"
    assert statement["automated_detection"] is True and statement["automated_decision"] is True
    means = statement["automated_means"]
    assert means["classifier"] == {"name": "keyword-test", "version": "1"}
    assert [(s["category"], s["level"]) for s in means["scores"]] == [
        ("toxicity", "reject"), ("insult", "reject")]
    assert means["scores"][1]["score"] == pytest.approx(0.95)
    assert statement["ground"]["type"] == "terms"
    assert statement["ground"]["clause"] == "Kommentarrichtlinien"
    assert statement["facts"].startswith("Unsere automatische Prüfung hat den Kommentar")
    assert "Beleidigung: Bewertung 0,95 (Grenzwert 0,90)" in statement["facts"]
    assert statement["redress"]["appeal"]["path"] == f"/v1/comments/{submitted['id']}/appeal"
    assert statement["redress"]["appeal"]["until"] == "2027-05-27"
    assert statement["decided_at"] == clock().isoformat()


def test_matched_banned_words_are_named(client, admin_key, database, worker):
    admin = {"Authorization": f"Bearer {admin_key}"}
    response = client.post("/v1/admin/policy/words", headers=admin,
                           json={"term": "vollpfosten", "kind": "banned"})
    assert response.status_code == 200, response.get_data(as_text=True)
    submitted = submit_comment(client, "So ein Vollpfosten – Grüße aus Görlitz.")
    worker.run_once()

    statement = stored(database, submitted["id"])[0].statement_of_reasons
    assert statement["automated_means"]["words"] == [{"matched": "Vollpfosten", "list": "banned"}]
    assert "gesperrter Begriff „Vollpfosten“" in statement["facts"]


def test_the_publishers_terms_are_named(config, database, clock, scorer):
    settings = config.replace(terms_clause="Netiquette, Abschnitt 2",
                              terms_url="https://blog.example.de/netiquette")
    app = create_app(settings, clock=clock)
    submitted = submit_comment(app.test_client(), INSULT)
    ScoringWorker(database, settings, lambda _settings: scorer, clock).run_once()

    ground = author_view(app.test_client(), submitted)["statement_of_reasons"]["ground"]
    app.extensions["moderation"].database.dispose()
    assert ground["clause"] == "Netiquette, Abschnitt 2"
    assert ground["url"] == "https://blog.example.de/netiquette"


def test_an_editor_rejects_on_a_ground_in_law(client, editor, database, worker):
    submitted = submit_comment(client, DOUBTFUL)
    worker.run_once()
    shown = reject(client, editor, submitted["id"], reason_code="volksverhetzung",
                   reason="Aufstachelung zum Hass gegen eine Bevölkerungsgruppe.",
                   ground={"type": "illegal", "provision": "§ 130 StGB"})

    statement = shown["statement_of_reasons"]
    assert statement["ground"]["type"] == "illegal"
    assert statement["ground"]["provision"] == "§ 130 StGB"
    assert statement["automated_decision"] is False
    assert statement["automated_detection"] is True  # the classifier held it for review
    assert statement["reason_code"] == "volksverhetzung"
    assert statement["facts"].endswith(
        "Begründung der Redaktion: Aufstachelung zum Hass gegen eine Bevölkerungsgruppe.")
    assert shown["events"][-1]["details"]["statement_of_reasons"] == statement
    assert shown["events"][-1]["actor"] == "key:anna"


def test_an_editor_names_another_clause_and_the_terms_are_the_default(client, editor):
    first = submit_comment(client, HARMLESS)["id"]
    second = submit_comment(client, HARMLESS + " Nochmal.")["id"]

    named = reject(client, editor, first, ground={"type": "terms", "clause": "Nr. 5 Werbung"})
    default = reject(client, editor, second)
    assert named["statement_of_reasons"]["ground"]["clause"] == "Nr. 5 Werbung"
    assert default["statement_of_reasons"]["ground"]["clause"] == "Kommentarrichtlinien"
    assert default["statement_of_reasons"]["automated_means"] is None
    assert default["statement_of_reasons"]["automated_detection"] is False


@pytest.mark.parametrize(("ground", "field"), [
    ({"type": "illegal"}, "provision"),
    ({"type": "illegal", "provision": "   "}, "provision"),
    ({"type": "illegal", "provision": "§ 130 StGB", "clause": "Nr. 3"}, "clause"),
    ({"type": "terms", "provision": "§ 185 StGB"}, "provision"),
    ({"type": "unsittlich"}, "type"),
    ({"provision": "§ 185 StGB"}, "type"),
    ({"type": "terms", "clause": "x" * 201}, "clause"),
])
def test_invalid_grounds_are_refused(client, editor, ground, field):
    comment_id = submit_comment(client, HARMLESS)["id"]
    body = assert_error(client.post(f"{QUEUE}/{comment_id}/reject", headers=editor,
                                    json={"ground": ground}), 422, "validation_failed")
    assert field in body["errors"]["ground"]


def test_a_published_comment_that_is_rejected_is_removed(client, editor):
    comment_id = submit_comment(client, HARMLESS)["id"]
    assert client.post(f"{QUEUE}/{comment_id}/approve", headers=editor).status_code == 200

    assert reject(client, editor, comment_id)["statement_of_reasons"]["measure"] == "removal"


def test_bulk_rejections_state_their_reasons_on_the_ground_given(client, editor, database):
    ids = [submit_comment(client, f"{HARMLESS} ({n})")["id"] for n in range(2)]
    response = client.post(f"{QUEUE}/bulk", headers=editor, json={
        "ids": ids, "action": "reject", "reason": "Beleidigung eines Dritten.",
        "ground": {"type": "illegal", "provision": "§ 185 StGB"}})
    assert response.status_code == 200

    for comment_id in ids:
        statement = stored(database, comment_id)[0].statement_of_reasons
        assert statement["ground"]["provision"] == "§ 185 StGB"
        assert statement["facts"].endswith("Begründung der Redaktion: Beleidigung eines Dritten.")


def test_a_honeypot_catch_states_its_reasons_too(client, database):
    response = client.post("/v1/articles/ki-im-alltag/comments", json={
        "author_name": "Uhren-Bot", "body": "Billige Uhren!", "website": "uhren.example"})
    comment = stored(database, response.get_json()["id"])[0]

    statement = comment.statement_of_reasons
    assert comment.status.value == "rejected" and statement["reason_code"] == "honeypot"
    assert statement["automated_means"]["checks"] == ["honeypot"]
    assert statement["automated_decision"] is True
    assert "verstecktes Formularfeld" in statement["facts"]


def test_the_comment_rejected_webhook_carries_the_statement(
        client, editor, database, worker, subscribed):
    automatic = submit_comment(client, INSULT)["id"]
    worker.run_once()
    by_editor = submit_comment(client, HARMLESS)["id"]
    reject(client, editor, by_editor, ground={"type": "illegal", "provision": "§ 241 StGB"})

    rejected = webhook_data(database, "comment.rejected")
    assert [data["comment_id"] for data in rejected] == [automatic, by_editor]
    for data in rejected:
        assert data["statement_of_reasons"] == stored(database, data["comment_id"])[
            0].statement_of_reasons
    assert rejected[1]["statement_of_reasons"]["ground"]["provision"] == "§ 241 StGB"
    assert all("statement_of_reasons" not in data
               for data in webhook_data(database, "comment.approved"))


def test_the_author_sees_the_statement_only_while_the_comment_is_rejected(
        client, editor, worker):
    submitted = submit_comment(client, INSULT)
    assert author_view(client, submitted)["statement_of_reasons"] is None  # pending
    worker.run_once()

    shown = author_view(client, submitted)
    assert shown["status"] == "rejected"
    assert shown["statement_of_reasons"]["summary"].startswith(
        "Ihr Kommentar wurde nicht veröffentlicht")
    assert shown["appealable_until"] == "2027-05-27"
    assert shown["appeal"] is None

    assert client.post(f"{QUEUE}/{submitted['id']}/approve", headers=editor).status_code == 200
    shown = author_view(client, submitted)
    assert shown["statement_of_reasons"] is None and shown["appealable_until"] is None


def test_an_editor_sees_the_statement_in_the_queue(client, editor, worker):
    comment_id = submit_comment(client, INSULT)["id"]
    worker.run_once()

    [item] = client.get(QUEUE, headers=editor,
                        query_string={"status": "rejected"}).get_json()["comments"]
    assert item["id"] == comment_id
    assert item["statement_of_reasons"]["automated_decision"] is True
    assert item["appeal"] is None and "appealable_until" not in item



def test_reasons_statements_and_reporters_messages_follow_the_language_setting(
        config, database, clock, scorer):
    app = create_app(config.replace(language="en"), clock=clock)
    client = app.test_client()
    worker = ScoringWorker(database, config.replace(language="en"), lambda _c: scorer, clock)
    submitted = submit_comment(client, INSULT)
    worker.run_once()

    comment, events = stored(database, submitted["id"])
    assert comment.status_reason.startswith("Rejected automatically: toxicity 0.97 ≥ 0.90")
    assert comment.statement_of_reasons["facts"].startswith(
        "Our automated checks rejected the comment.")
    assert events[-1].reason == comment.status_reason
    published = submit_comment(client, HARMLESS)
    worker.run_once()
    report = client.post(f"/v1/comments/{published['id']}/reports", json={
        "category": "spam", "explanation": "Werbung für Uhren, immer wieder.",
        "good_faith": True}).get_json()
    assert report["message"].startswith("Thank you for your report.")
    app.extensions["moderation"].database.dispose()
