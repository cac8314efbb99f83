"""The admin API for readers' data requests: export and erasure (GDPR Art. 15, 17, 20)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderation.models import WebhookMessage
from moderation.workers.delivery import DeliveryWorker
from tests.support.http import ARTICLE, assert_error, editor_view, post_comment
from tests.support.receiver import receiver
from tests.support.records import tables_mentioning

EXPORT = "/v1/admin/privacy/export"
ERASE = "/v1/admin/privacy/erase"
MARKER = "Quarkstrudelverschwörung"
NAME = "Lieselotte Quastenflosser"
EMAIL = "lieselotte.quastenflosser@example.de"


def lieselottes(client, body="Schöner Artikel, Grüße aus Görlitz!", **fields):
    return post_comment(client, body, author_name=NAME, author_email=EMAIL, **fields).get_json()


def test_an_export_holds_the_readers_comments(client, admin, worker):
    first = lieselottes(client)
    second = post_comment(client, "Ganz anonym", author_name="L.").get_json()
    post_comment(client, "Von jemand anderem", author_email="bernd@example.de")
    worker.run_once()

    response = client.post(EXPORT, headers=admin, json={
        "email": EMAIL.upper(), "author_tokens": [second["author_token"]]})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    exported = response.get_json()
    assert [c["id"] for c in exported["comments"]] == [first["id"], second["id"]]
    assert exported["comments"][0]["body"] == "Schöner Artikel, Grüße aus Görlitz!"
    assert exported["comments"][0]["author_email"] == EMAIL
    assert exported["comments"][0]["moderation_events"][-1]["by"] == "system"
    assert exported["identified_by"] == ["email", "author_tokens"]
    assert exported["request_id"] and exported["not_stored"]
    assert "bernd@example.de" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("body", "field"), [
    ({}, "email"),
    ({"author_tokens": []}, "email"),
    ({"email": "keine-adresse"}, "email"),
    ({"email": EMAIL, "author_tokens": [""]}, "author_tokens"),
    ({"report_tokens": [""]}, "report_tokens"),
    ({"email": EMAIL, "name": NAME}, "name"),
])
@pytest.mark.parametrize("path", [EXPORT, ERASE])
def test_a_request_must_name_the_reader_and_nothing_else(client, admin, path, body, field):
    answer = assert_error(client.post(path, headers=admin, json=body), 422,
                          "validation_failed")
    assert field in answer["errors"]


@pytest.mark.parametrize("path", [EXPORT, ERASE])
def test_only_admins_may_ask(client, editor, path):
    assert_error(client.post(path, headers=editor, json={"email": EMAIL}), 403, "forbidden")
    assert_error(client.post(path, json={"email": EMAIL}), 401, "unauthorized")


def test_an_erased_comment_stays_in_the_thread_as_a_tombstone_above_its_replies(
        client, admin, editor, worker):
    root = lieselottes(client)
    worker.run_once()
    reply = post_comment(client, "Sehe ich anders, aber danke.", author_name="Bernd",
                         parent_id=root["id"]).get_json()
    worker.run_once()
    before = client.get(ARTICLE)

    response = client.post(ERASE, headers=admin, json={"email": EMAIL})

    assert response.status_code == 200
    assert response.get_json() == {"request_id": response.get_json()["request_id"],
                                   "comments": 1, "appeals": 0, "reports": 0,
                                   "webhook_messages": 0, "reader_addresses": 0}
    after = client.get(ARTICLE, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # the public view changed: a new ETag
    tombstone, answer = after.get_json()["comments"]
    assert (tombstone["id"], tombstone["erased"]) == (root["id"], True)
    assert (tombstone["body"], tombstone["author_name"]) == ("", "")
    assert (answer["id"], answer["parent_id"], answer["erased"]) == (reply["id"], root["id"],
                                                                     False)
    assert answer["body"] == "Sehe ich anders, aber danke."
    detail = client.get(f"/v1/moderation/comments/{root['id']}", headers=editor).get_json()
    assert detail["erased_reason"] == "erasure_request" and detail["erased_at"]
    assert detail["erased"] is True  # as documented, like the public thread's
    assert (detail["status"], detail["author_email"]) == ("approved", None)
    # The author's token opens nothing any more.
    mine = client.get(f"/v1/comments/{root['id']}",
                      headers={"X-Author-Token": root["author_token"]})
    assert_error(mine, 404, "not_found")


def test_after_an_erasure_through_the_api_nothing_of_the_reader_remains(
        client, admin, editor, worker, database, config, clock):
    with receiver() as hook:
        assert client.post("/v1/webhooks", headers=admin,
                           json={"url": hook.url}).status_code == 201
        published = lieselottes(client, f"Die {MARKER} ist eine Erfindung!")
        rejected = lieselottes(client, f"{MARKER}: alle anderen sind dumm.")
        worker.run_once()
        bernds = post_comment(client, "Quatsch mit Soße.", author_name="Bernd",
                              parent_id=published["id"]).get_json()
        worker.run_once()
        assert client.post(f"/v1/moderation/comments/{rejected['id']}/reject", headers=editor,
                           json={"reason": f"Die „{MARKER}“ ist Unsinn, Frau Quastenflosser."}
                           ).status_code == 200
        assert client.post(f"/v1/comments/{rejected['id']}/appeal",
                           headers={"X-Author-Token": rejected["author_token"]},
                           json={"explanation": f"Ich, {NAME}, meinte die {MARKER} "
                                                "ironisch."}).status_code == 202
        for comment_id, reporter, explanation in [
                (published["id"], {"reporter_name": "Bernd"}, f"„{MARKER}“ ist Hetze."),
                (bernds["id"], {"reporter_name": NAME, "reporter_email": EMAIL},
                 "Das ist unsachlich und beleidigend.")]:
            assert client.post(f"/v1/comments/{comment_id}/reports", json={
                "category": "hate", "explanation": explanation, "good_faith": True,
                **reporter}).status_code == 202
        DeliveryWorker(database, config, clock).run_once()
        assert hook.received
    with database.transaction() as session:
        assert {table for table, _ in tables_mentioning(session, MARKER, "Quastenflosser")} >= {
            "comments", "moderation_events", "appeals", "reports", "webhook_messages"}

    erased = client.post(ERASE, headers=admin, json={"email": EMAIL}).get_json()

    assert (erased["comments"], erased["appeals"], erased["reports"]) == (2, 1, 1)
    with database.transaction() as session:
        assert tables_mentioning(session, MARKER, "Quastenflosser", EMAIL, NAME) == []
    thread = client.get(ARTICLE).get_json()["comments"]
    assert [(c["id"], c["erased"]) for c in thread] == [(published["id"], True),
                                                        (bernds["id"], False)]
    audit = client.get("/v1/admin/audit", headers=admin,
                       query_string={"action": "privacy.erased"}).get_json()["events"]
    assert audit[0]["details"]["request_id"] == erased["request_id"]


def test_erasure_closes_open_reports_and_appeals_and_takes_the_comments_off_every_queue(
        client, admin, editor, worker):
    reported = lieselottes(client, "Wer so etwas schreibt, hat nichts verstanden.")
    appealed = lieselottes(client, "Idioten, alle miteinander.")
    held = lieselottes(client, "Ziemlich dumm, dieser Vergleich.")
    worker.run_once()
    client.post(f"/v1/moderation/comments/{reported['id']}/approve", headers=editor)
    client.post(f"/v1/moderation/comments/{appealed['id']}/reject", headers=editor)
    report = client.post(f"/v1/comments/{reported['id']}/reports", json={
        "category": "harassment", "explanation": "Herabwürdigend gegenüber anderen Lesern.",
        "good_faith": True}).get_json()
    appeal = client.post(f"/v1/comments/{appealed['id']}/appeal",
                         headers={"X-Author-Token": appealed["author_token"]},
                         json={"explanation": "Das war Ironie."})
    assert appeal.status_code == 202, appeal.get_data(as_text=True)

    assert client.post(ERASE, headers=admin, json={"email": EMAIL}).status_code == 200

    for status in ("reported", "appealed", "review"):
        queue = client.get(f"/v1/moderation/comments?status={status}", headers=editor)
        assert queue.get_json()["comments"] == [], status
    seen = client.get(f"/v1/reports/{report['id']}",
                      headers={"X-Report-Token": report["report_token"]}).get_json()
    assert seen["status"] == "closed" and "gelöscht" in seen["decision"]["note"]
    detail = client.get(f"/v1/moderation/comments/{appealed['id']}", headers=editor).get_json()
    assert detail["appeal"]["status"] == "closed" and detail["appeal"]["decided_by"] == "system"
    assert detail["erased"] is True and held["id"]


def test_erased_comments_cannot_be_decided(client, admin, editor):
    erased = lieselottes(client)
    kept = post_comment(client, "Danke für die Übersicht!").get_json()
    client.post(ERASE, headers=admin, json={"email": EMAIL})

    for action in ("approve", "reject"):
        assert_error(client.post(f"/v1/moderation/comments/{erased['id']}/{action}",
                                 headers=editor), 409, "comment_erased")
    bulk = client.post("/v1/moderation/comments/bulk", headers=editor,
                       json={"ids": [erased["id"], kept["id"]], "action": "approve"})
    assert [(r["id"], r["outcome"]) for r in bulk.get_json()["results"]] == [
        (erased["id"], "refused"), (kept["id"], "changed")]
    every = client.get("/v1/moderation/comments?status=all", headers=editor).get_json()
    assert erased["id"] in {c["id"] for c in every["comments"]}  # still on record


def test_erasure_redacts_what_subscribers_heard_of_decisions_taken_on_arrival(
        client, admin, editor, subscribed, database):
    """Published at once (a post article) and caught by the honeypot: each decision is
    taken before the comment is first written, and its message must still name it."""
    assert client.patch("/v1/moderation/articles/ki-im-alltag", headers=editor,
                        json={"moderation_mode": "post"}).status_code == 200
    published = lieselottes(client, f"Die {MARKER} ist überall!")
    caught = lieselottes(client, f"Billige {MARKER}!", website="https://uhren.example")

    erased = client.post(ERASE, headers=admin, json={"email": EMAIL}).get_json()

    # comment.created and comment.approved, comment.created and comment.rejected
    assert erased["webhook_messages"] == 4
    with database.transaction() as session:
        told = [(m.event_type, m.payload["data"]) for m in session.scalars(
            select(WebhookMessage).where(WebhookMessage.event_type != "comment.erased")
            .order_by(WebhookMessage.id))]
    assert told == [(event, {"comment_id": comment["id"], "erased": True})
                    for comment, event in [(published, "comment.created"),
                                           (published, "comment.approved"),
                                           (caught, "comment.created"),
                                           (caught, "comment.rejected")]]


# --- emails in any spelling, reports the reader filed -------------------------------------

JUERGEN = "JÜRGEN.Müller@Example.DE"


def report_by(client, comment_id, **reporter):
    response = client.post(f"/v1/comments/{comment_id}/reports", json={
        "category": "harassment", "good_faith": True, **reporter,
        "explanation": "Persönlich herabwürdigend, meint Jürgen aus Görlitz."})
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def test_export_and_erasure_find_non_ascii_capitals_in_either_spelling(
        client, admin, editor, worker):
    written = [post_comment(client, f"Mein {n}. Kommentar zur Straßenbahn.",
                            author_email=JUERGEN).get_json()["id"] for n in range(1, 4)]
    worker.run_once()
    filed = report_by(client, written[0], reporter_email="jürgen.müller@example.de")

    for spelling in (JUERGEN, "jürgen.müller@example.de"):
        exported = client.post(EXPORT, headers=admin, json={"email": spelling}).get_json()
        assert [c["id"] for c in exported["comments"]] == written, spelling
        assert [r["id"] for r in exported["reports"]] == [filed["id"]], spelling

    erased = client.post(ERASE, headers=admin, json={"email": "jürgen.müller@example.de"})

    assert erased.status_code == 200
    assert (erased.get_json()["comments"], erased.get_json()["reports"]) == (3, 1)
    for comment_id in written:
        assert editor_view(client, editor, comment_id)["erased"] is True
    again = client.post(EXPORT, headers=admin, json={"email": JUERGEN}).get_json()
    assert (again["comments"], again["reports"]) == ([], [])


def test_erasure_takes_the_text_of_the_readers_reports_and_their_token_stops_working(
        client, admin, editor, worker, database):
    reported = post_comment(client, "Alle, die anders denken, sind Idioten.").get_json()
    worker.run_once()
    assert client.post(f"/v1/moderation/comments/{reported['id']}/approve",
                       headers=editor).status_code == 200
    by_email = report_by(client, reported["id"], reporter_name=NAME, reporter_email=EMAIL)
    anonymous = report_by(client, reported["id"])
    before = client.post(EXPORT, headers=admin, json={
        "email": EMAIL, "report_tokens": [anonymous["report_token"]]}).get_json()
    assert {r["id"] for r in before["reports"]} == {by_email["id"], anonymous["id"]}
    assert before["identified_by"] == ["email", "report_tokens"]

    erased = client.post(ERASE, headers=admin, json={
        "email": EMAIL, "report_tokens": [anonymous["report_token"]]}).get_json()

    assert (erased["comments"], erased["reports"]) == (0, 2)
    unknown = assert_error(client.get(f"/v1/reports/{by_email['id']}-x",
                                      headers={"X-Report-Token": "x"}), 404, "not_found")
    for filed in (by_email, anonymous):
        gone = assert_error(client.get(f"/v1/reports/{filed['id']}",
                                       headers={"X-Report-Token": filed["report_token"]}),
                            404, "not_found")
        assert gone["message"] == unknown["message"]
    # Editors still decide the notice: the comment keeps its reports, without their texts.
    detail = editor_view(client, editor, reported["id"])
    assert [(r["category"], r["explanation"], r["reporter_email"]) for r in detail["reports"]
            ] == [("harassment", None, None)] * 2
    with database.transaction() as session:
        assert tables_mentioning(session, "Jürgen aus Görlitz", NAME, EMAIL) == []
