"""The editors' endpoints: the review queue, one comment's history, decisions, bulk
decisions and article settings."""

from __future__ import annotations

import base64
import json
import unicodedata
from datetime import UTC, datetime

import pytest

from tests.support.http import assert_error, post_comment

QUEUE = "/v1/moderation/comments"
BULK = "/v1/moderation/comments/bulk"
HARMLESS = "Schöner Artikel über Straßenbahnen in Köln, danke!"
DOUBTFUL = "Das ist ziemlich dumm, mit Verlaub."  # held for review
INSULT = "Du bist ein Idiot, Jürgen."  # rejected automatically


def comments_path(article: str) -> str:
    return f"/v1/articles/{article}/comments"


def submit(client, body: str = HARMLESS, article: str = "ki-im-alltag", **fields) -> str:
    response = post_comment(client, body, article_path=comments_path(article), **fields)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def queue(client, editor, **query):
    response = client.get(QUEUE, headers=editor, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def queue_ids(client, editor, **query) -> list[str]:
    return [c["id"] for c in queue(client, editor, **query)["comments"]]


def detail(client, editor, comment_id: str) -> dict:
    response = client.get(f"{QUEUE}/{comment_id}", headers=editor)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def decide(client, editor, comment_id: str, action: str, **kwargs):
    return client.post(f"{QUEUE}/{comment_id}/{action}", headers=editor, **kwargs)


def public_ids(client, article: str = "ki-im-alltag") -> list[str]:
    response = client.get(comments_path(article))
    assert response.status_code == 200
    return [c["id"] for c in response.get_json()["comments"]]


def raw_cursor(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# --- GET /v1/moderation/comments --------------------------------------------------------

@pytest.fixture
def judged(client, worker, clock):
    """One comment in each status: rejected, review, approved (scored) and pending."""
    ids = {
        "rejected": submit(client, INSULT, author_email="juergen@example.de"),
        "review": submit(client, DOUBTFUL, author_email="käthe@example.de"),
        "approved": submit(client, HARMLESS),
    }
    assert worker.run_once() == 3
    clock.advance(minutes=1)
    ids["pending"] = submit(client, "Noch nicht bewertet: Grüße aus Görlitz")
    return ids


def test_queue_defaults_to_comments_held_for_review(client, editor, judged):
    page = queue(client, editor)

    assert [c["id"] for c in page["comments"]] == [judged["review"]]
    assert page["next_cursor"] is None
    item = page["comments"][0]
    assert item["status"] == "review"
    assert item["status_reason_code"] == "score_above_review"
    assert item["author_email"] == "käthe@example.de"
    assert item["body"] == DOUBTFUL
    assert item["author_name"] == "Jürgen Müller"
    assert item["article_key"] == "ki-im-alltag"
    assert item["scores"]["toxicity"] == pytest.approx(0.62)
    assert item["scores"]["insult"] == pytest.approx(0.55)
    assert item["max_score"] == pytest.approx(0.62)
    assert item["scored_by"] == "keyword-test@1"


@pytest.mark.parametrize("status", ["pending", "review", "approved", "rejected"])
def test_queue_filters_by_each_status(client, editor, judged, status):
    page = queue(client, editor, status=status)

    assert [c["id"] for c in page["comments"]] == [judged[status]]
    assert page["comments"][0]["status"] == status


def test_queue_status_all_lists_every_comment(client, editor, judged):
    assert sorted(queue_ids(client, editor, status="all")) == sorted(judged.values())


def test_queue_items_carry_scores_reasons_and_email(client, editor, judged):
    items = {c["id"]: c for c in queue(client, editor, status="all")["comments"]}

    rejected = items[judged["rejected"]]
    assert rejected["status_reason_code"] == "score_above_reject"
    assert rejected["author_email"] == "juergen@example.de"
    assert rejected["max_score"] == pytest.approx(0.97)
    assert rejected["scores"]["insult"] == pytest.approx(0.95)
    assert items[judged["approved"]]["status_reason_code"] == "score_below_thresholds"
    assert items[judged["approved"]]["author_email"] is None
    pending = items[judged["pending"]]
    assert pending["status_reason_code"] == "submitted"
    assert pending["scores"] is None and pending["max_score"] is None
    assert pending["scored_by"] is None


def test_queue_filters_by_reason_code(client, editor, judged):
    assert queue_ids(client, editor, status="all", reason="score_above_review") == [
        judged["review"]]
    both = queue_ids(client, editor, status="all",
                     reason=["score_above_review", "score_above_reject"])
    assert sorted(both) == sorted([judged["review"], judged["rejected"]])
    assert queue_ids(client, editor, reason="banned_word") == []


def test_queue_filters_by_score_range_of_one_category_or_the_highest(
        client, editor, judged):
    assert queue_ids(client, editor, status="all", score_min=0.6, score_max=0.7) == [
        judged["review"]]
    assert queue_ids(client, editor, status="all", category="insult", score_min=0.5,
                     score_max=0.6) == [judged["review"]]
    # A category bound keeps only comments scored in it: the pending one is not.
    unbounded = queue_ids(client, editor, status="all", category="toxicity")
    assert judged["pending"] not in unbounded and len(unbounded) == 3


def test_queue_counts_each_working_view_under_the_same_filters(client, editor, judged):
    counts = client.get("/v1/moderation/queue/counts", headers=editor).get_json()
    assert counts == {"review": 1, "reported": 0, "appealed": 0, "pending": 1}
    narrowed = client.get("/v1/moderation/queue/counts", headers=editor,
                          query_string={"q": "Görlitz"}).get_json()
    assert narrowed == {"review": 0, "reported": 0, "appealed": 0, "pending": 1}
    assert_error(client.get("/v1/moderation/queue/counts", headers=editor,
                            query_string={"score_min": 2}), 422, "validation_failed")
    assert client.get("/v1/moderation/queue/counts").status_code == 401


def test_queue_sorts_by_risk_with_unscored_comments_last(client, editor, judged):
    page = queue(client, editor, status="all", sort="risk")

    assert [c["id"] for c in page["comments"]] == [
        judged["rejected"], judged["review"], judged["approved"], judged["pending"]]
    assert [c["max_score"] for c in page["comments"]] == [
        pytest.approx(0.97), pytest.approx(0.62), pytest.approx(0.01), None]


def test_queue_sorts_by_risk_by_default(client, editor, judged):
    assert queue_ids(client, editor, status="all") == queue_ids(
        client, editor, status="all", sort="risk")


def test_queue_sorts_oldest_and_newest_first(client, editor, clock):
    first = submit(client, "Erster Kommentar")
    clock.advance(minutes=5)
    second = submit(client, "Zweiter Kommentar")
    clock.advance(minutes=5)
    third = submit(client, "Dritter Kommentar")

    assert queue_ids(client, editor, status="pending", sort="oldest") == [first, second, third]
    assert queue_ids(client, editor, status="pending", sort="newest") == [third, second, first]


def test_queue_filters_by_article(client, editor):
    on_ki = submit(client, article="ki-im-alltag")
    on_bahn = submit(client, article="2026/11/straßenbahn-köln")

    assert queue_ids(client, editor, status="all", article="ki-im-alltag") == [on_ki]
    assert queue_ids(client, editor, status="all",
                     article="2026/11/straßenbahn-köln") == [on_bahn]
    assert queue_ids(client, editor, status="all", article="gibt-es-nicht") == []


def test_queue_searches_body_and_author_name_case_insensitively(client, editor):
    anger = submit(client, "So ein Ärger mit der Straßenbahn!")
    by_name = submit(client, "Ganz meiner Meinung.", author_name="Käthe ÄRGERLICH")
    submit(client, "Nichts zu beanstanden.")

    assert queue_ids(client, editor, status="all", q="ärger", sort="oldest") == [
        anger, by_name]
    assert queue_ids(client, editor, status="all", q="STRASSENBAHN") == [anger]
    assert queue_ids(client, editor, status="all", q="100%") == []


def test_queue_filters_by_creation_time_in_any_timezone(client, editor, clock):
    early = submit(client, "Um halb zehn")  # 09:30 UTC
    clock.advance(minutes=10)
    middle = submit(client, "Um zwanzig vor zehn")  # 09:40 UTC
    clock.advance(minutes=10)
    late = submit(client, "Um zehn vor zehn")  # 09:50 UTC

    # 10:40 in Berlin (+01:00) is 09:40 UTC: created_after is inclusive.
    assert sorted(queue_ids(client, editor, status="all",
                            created_after="2026-11-25T10:40:00+01:00")) == sorted([middle, late])
    # created_before is exclusive.
    assert queue_ids(client, editor, status="all",
                     created_before="2026-11-25T09:40:00Z") == [early]
    assert queue_ids(client, editor, status="all", created_after="2026-11-25T09:35:00+00:00",
                     created_before="2026-11-25T10:45:00+01:00") == [middle]


@pytest.mark.parametrize("field", ["created_after", "created_before"])
def test_queue_refuses_a_naive_datetime(client, editor, field):
    response = client.get(QUEUE, headers=editor, query_string={field: "2026-11-25T09:30:00"})

    body = assert_error(response, 422, "validation_failed")
    assert field in body["errors"]


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "limit"),
    ({"limit": 201}, "limit"),
    ({"limit": "viele"}, "limit"),
    ({"status": "geprüft"}, "status"),
    ({"sort": "zufällig"}, "sort"),
    ({"article": "a" * 201}, "article"),
    ({"created_after": "gestern"}, "created_after"),
    ({"created_before": "9999-12-31T23:00:00-05:00"}, "created_before"),  # after 9999 in UTC
    ({"cursor": "c" * 501}, "cursor"),
    ({"q": ""}, "q"),
    ({"q": " \n "}, "q"),
    ({"q": "ä" * 201}, "q"),
    ({"category": "frechheit"}, "category"),
    ({"score_min": "viel"}, "score_min"),
    ({"score_min": 1.5}, "score_min"),
    ({"score_max": "nan"}, "score_max"),
    ({"score_min": 0.8, "score_max": 0.2}, "score_min"),
    ({"reason": ""}, "reason"),
])
def test_queue_refuses_bad_query_parameters(client, editor, query, field):
    response = client.get(QUEUE, headers=editor, query_string=query)

    body = assert_error(response, 422, "validation_failed")
    assert field in body["errors"]


def test_queue_accepts_the_limit_bounds(client, editor):
    submit(client)
    assert len(queue(client, editor, status="all", limit=1)["comments"]) == 1
    assert len(queue(client, editor, status="all", limit=200)["comments"]) == 1


def test_queue_answers_no_store(client, editor):
    response = client.get(QUEUE, headers=editor)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def seven(client, worker, clock):
    """Seven comments with tied scores, tied creation times and two unscored ones,
    with their expected order for each sort."""
    made = []  # (id, risk, minute created)

    def add(body: str, risk: float) -> None:
        minute = int((clock() - datetime(2026, 11, 25, 9, 30, tzinfo=UTC)).total_seconds()) // 60
        made.append((submit(client, body), risk, minute))

    add("Eins: dumm gelaufen", 0.62)
    add("Zwei: du Idiot", 0.97)
    clock.advance(minutes=1)
    add("Drei: schön geschrieben", 0.01)
    add("Vier: schon wieder dumm", 0.62)
    clock.advance(minutes=1)
    add("Fünf: Grüße aus München", 0.01)
    assert worker.run_once() == 5
    add("Sechs: noch ungeprüft", -1.0)
    clock.advance(minutes=1)
    add("Sieben: auch ungeprüft", -1.0)
    indexed = [(i, *rest) for i, rest in enumerate(made)]
    return {
        "risk": [c[1] for c in sorted(indexed, key=lambda c: (c[2], c[0]), reverse=True)],
        "oldest": [c[1] for c in sorted(indexed, key=lambda c: (c[3], c[0]))],
        "newest": [c[1] for c in sorted(indexed, key=lambda c: (c[3], c[0]), reverse=True)],
    }


@pytest.mark.parametrize("sort", ["risk", "oldest", "newest"])
def test_cursor_pagination_walks_every_comment_once(client, editor, seven, sort):
    expected = seven[sort]
    assert len(expected) == 7
    for limit in (1, 2, 3, 6, 7, 8):
        seen, sizes, cursor = [], [], None
        while True:
            query = {"status": "all", "sort": sort, "limit": limit}
            if cursor:
                query["cursor"] = cursor
            page = queue(client, editor, **query)
            seen += [c["id"] for c in page["comments"]]
            sizes.append(len(page["comments"]))
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert len(sizes) < 10, "pagination does not end"
        assert seen == expected, (sort, limit)
        assert sizes == [min(limit, 7 - start) for start in range(0, 7, limit)], (sort, limit)


def test_cursor_pages_stay_stable_when_new_comments_arrive(client, editor, seven, clock):
    first = queue(client, editor, status="all", sort="oldest", limit=3)
    clock.advance(minutes=10)
    newer = submit(client, "Ganz neu, nach Seite eins")
    rest = queue(client, editor, status="all", sort="oldest", limit=10,
                 cursor=first["next_cursor"])

    assert [c["id"] for c in first["comments"]] + [c["id"] for c in rest["comments"]] == [
        *seven["oldest"], newer]


@pytest.mark.parametrize(("sort", "cursor"), [
    pytest.param("risk", "kaputt", id="risk-not-base64-json"),
    pytest.param("oldest", "kaputt", id="oldest-not-base64-json"),
    pytest.param("risk", "%%%", id="risk-not-base64"),
    pytest.param("risk", raw_cursor({"max_score": 0.5}), id="risk-object"),
    pytest.param("risk", raw_cursor([0.5]), id="risk-one-value"),
    pytest.param("oldest", raw_cursor(["2026-11-25T09:30:00+00:00", 1, 2]),
                 id="oldest-three-values"),
    pytest.param("oldest", raw_cursor(["2026-11-25T09:30:00", 1]), id="oldest-naive-time"),
    pytest.param("oldest", raw_cursor([0.5, 1]), id="oldest-given-a-risk-cursor"),
    pytest.param("newest", raw_cursor(["gestern", 1]), id="newest-not-a-time"),
    pytest.param("risk", raw_cursor(["2026-11-25T09:30:00+00:00", 1]),
                 id="risk-given-a-time-cursor"),
    pytest.param("risk", raw_cursor([None, 1]), id="risk-null-score"),
    pytest.param("risk", raw_cursor(["hoch", 1]), id="risk-text-score"),
    pytest.param("risk", raw_cursor([0.5, "x"]), id="risk-text-id"),
    pytest.param("risk", raw_cursor([0.5, [1]]), id="risk-list-id"),
    pytest.param("newest", raw_cursor(["2026-11-25T09:30:00+00:00", "x"]), id="newest-text-id"),
    pytest.param("risk", raw_cursor([0.5, 2**63]), id="risk-id-beyond-64-bits"),
    pytest.param("oldest", raw_cursor(["2026-11-25T09:30:00+00:00", -1]), id="oldest-negative-id"),
    pytest.param("oldest", raw_cursor(["0001-01-01T00:00:00+05:00", 1]),
                 id="oldest-time-before-year-1-utc"),
])
def test_queue_refuses_an_invalid_cursor(client, editor, seven, sort, cursor):
    response = client.get(QUEUE, headers=editor,
                          query_string={"status": "all", "sort": sort, "cursor": cursor})

    body = assert_error(response, 422, "validation_failed")
    assert "cursor" in body["errors"]


# --- GET /v1/moderation/comments/<id> ---------------------------------------------------

def test_detail_shows_scores_and_the_history_of_an_automatic_decision(
        client, editor, worker, clock):
    comment_id = submit(client, DOUBTFUL, author_email="käthe@example.de")
    clock.advance(seconds=20)
    worker.run_once()

    comment = detail(client, editor, comment_id)

    assert comment["id"] == comment_id
    assert comment["status"] == "review"
    assert comment["author_email"] == "käthe@example.de"
    assert comment["scores"]["toxicity"] == pytest.approx(0.62)
    assert comment["scored_by"] == "keyword-test@1"
    submitted, held = comment["events"]
    assert submitted["actor"] == "system"
    assert submitted["from_status"] is None and submitted["to_status"] == "pending"
    assert submitted["reason_code"] == "submitted"
    assert submitted["created_at"].startswith("2026-11-25T09:30:00")
    assert held["actor"] == "system"
    assert held["from_status"] == "pending" and held["to_status"] == "review"
    assert held["reason_code"] == "score_above_review"
    assert "toxicity" in held["reason"]
    assert held["created_at"].startswith("2026-11-25T09:30:20")
    details = held["details"]
    assert details["model"] == "keyword-test" and details["model_version"] == "1"
    assert details["mode"] == "auto"
    assert details["scores"]["insult"] == pytest.approx(0.55)
    assert details["policy"]["thresholds"]["toxicity"] == {"review": 0.42, "reject": 0.9}
    assert {t["category"] for t in details["explanation"]["triggers"]} == {"toxicity", "insult"}
    assert all(t["level"] == "review" for t in details["explanation"]["triggers"])


def test_detail_of_an_automatic_rejection_names_the_reject_trigger(client, editor, worker):
    comment_id = submit(client, INSULT)
    worker.run_once()

    events = detail(client, editor, comment_id)["events"]

    assert [(e["from_status"], e["to_status"]) for e in events] == [
        (None, "pending"), ("pending", "rejected")]
    trigger = events[1]["details"]["explanation"]["triggers"][0]
    assert trigger == {"category": "toxicity", "score": pytest.approx(0.97),
                       "threshold": 0.9, "level": "reject"}


def test_detail_answers_no_store(client, editor):
    response = client.get(f"{QUEUE}/{submit(client)}", headers=editor)
    assert response.headers["Cache-Control"] == "no-store"


def test_detail_of_an_unknown_comment_is_404(client, editor):
    response = client.get(f"{QUEUE}/gibt-es-nicht", headers=editor)
    assert_error(response, 404, "not_found")


# --- POST /v1/moderation/comments/<id>/approve and /reject ------------------------------

@pytest.mark.parametrize("kwargs", [
    {},
    {"json": {}},
    {"data": "", "content_type": "application/json"},
], ids=["no-body", "empty-object", "empty-json-body"])
def test_approve_without_reason(client, editor, kwargs):
    comment_id = submit(client)

    response = decide(client, editor, comment_id, "approve", **kwargs)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    comment = response.get_json()
    assert comment["status"] == "approved"
    assert comment["status_reason_code"] == "editor_decision"
    assert comment["status_reason"] is None
    event = comment["events"][-1]
    assert event["actor"] == "key:anna"
    assert (event["from_status"], event["to_status"]) == ("pending", "approved")
    assert event["reason_code"] == "editor_decision" and event["reason"] is None
    assert event["details"] is None
    assert public_ids(client) == [comment_id]


def test_approve_records_reason_code_and_german_reason(client, editor, clock):
    comment_id = submit(client)
    clock.advance(minutes=3)

    response = decide(client, editor, comment_id, "approve", json={
        "reason_code": "sachlich_ok",
        "reason": "Kritisch, aber sachlich – gemäß Netiquette §2 zulässig. Grüße, Anna",
    })

    assert response.status_code == 200
    comment = response.get_json()
    assert comment["status_reason_code"] == "sachlich_ok"
    assert comment["status_reason"].startswith("Kritisch, aber sachlich")
    event = comment["events"][-1]
    assert event["actor"] == "key:anna"
    assert event["reason_code"] == "sachlich_ok"
    assert event["reason"] == "Kritisch, aber sachlich – gemäß Netiquette §2 zulässig. Grüße, Anna"
    assert event["created_at"].startswith("2026-11-25T09:33:00")
    # The history is stored, not only echoed.
    assert detail(client, editor, comment_id)["events"] == comment["events"]


def test_reason_is_normalised_like_reader_text(client, editor):
    comment_id = submit(client)

    response = decide(client, editor, comment_id, "reject",
                      json={"reason": "  Beleidigung\r\nsiehe Gru\u0308ße\x00 an Jürgen "})

    reason = response.get_json()["events"][-1]["reason"]
    assert reason == "Beleidigung\nsiehe Grüße an Jürgen"
    assert unicodedata.is_normalized("NFC", reason)


def test_reject_removes_an_approved_comment_from_the_public_list(client, editor, worker):
    kept = submit(client, "Sehr gut recherchiert, danke!")
    removed = submit(client, HARMLESS)
    worker.run_once()
    assert sorted(public_ids(client)) == sorted([kept, removed])

    response = decide(client, editor, removed, "reject",
                      json={"reason_code": "spam", "reason": "Werbung für einen Straßenhändler"})

    assert response.status_code == 200
    comment = response.get_json()
    assert comment["status"] == "rejected"
    assert comment["events"][-1]["from_status"] == "approved"
    assert comment["events"][-1]["actor"] == "key:anna"
    assert public_ids(client) == [kept]


def test_editor_overrides_an_automatic_rejection(client, editor, worker):
    comment_id = submit(client, INSULT)
    worker.run_once()
    assert detail(client, editor, comment_id)["status"] == "rejected"
    assert public_ids(client) == []

    response = decide(client, editor, comment_id, "approve", json={
        "reason_code": "satire", "reason": "Zitat aus dem Artikel, keine Beleidigung."})

    assert response.status_code == 200
    events = response.get_json()["events"]
    assert [(e["actor"], e["to_status"]) for e in events] == [
        ("system", "pending"), ("system", "rejected"), ("key:anna", "approved")]
    assert public_ids(client) == [comment_id]
    # The scores stay for the record.
    assert response.get_json()["max_score"] == pytest.approx(0.97)


def test_an_editor_decision_before_scoring_stands(client, editor, worker):
    comment_id = submit(client, INSULT)
    decide(client, editor, comment_id, "approve")

    worker.run_once()

    comment = detail(client, editor, comment_id)
    assert comment["status"] == "approved"
    assert comment["max_score"] == pytest.approx(0.97)
    assert [e["actor"] for e in comment["events"]] == ["system", "key:anna"]
    assert public_ids(client) == [comment_id]


def test_an_editor_confirming_a_published_comment_keeps_it_published(client, editor, worker):
    # On a post-moderated article a comment is public at once; an editor reads it and
    # approves it before the classifier gets to it. The editor's word must stand.
    client.patch("/v1/moderation/articles/ki-im-alltag", headers=editor,
                 json={"moderation_mode": "post"})
    comment_id = submit(client, DOUBTFUL)

    response = decide(client, editor, comment_id, "approve",
                      json={"reason": "Zugespitzt, aber zulässig – bleibt stehen."})
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved"
    worker.run_once()

    comment = detail(client, editor, comment_id)
    assert comment["status"] == "approved"
    assert comment["max_score"] == pytest.approx(0.62)
    assert public_ids(client) == [comment_id]


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_decisions_are_idempotent(client, editor, clock, action):
    comment_id = submit(client)
    payload = {"reason_code": "geprueft", "reason": "Geprüft von Anna"}
    first = decide(client, editor, comment_id, action, json=payload).get_json()
    clock.advance(minutes=1)

    second = decide(client, editor, comment_id, action, json=payload)

    assert second.status_code == 200
    assert second.get_json()["events"] == first["events"]
    assert second.get_json()["updated_at"] == first["updated_at"]
    assert len(detail(client, editor, comment_id)["events"]) == 2


def test_changing_ones_mind_is_recorded(client, editor):
    comment_id = submit(client)
    decide(client, editor, comment_id, "approve")
    decide(client, editor, comment_id, "reject", json={"reason": "Doch nicht: Gerüchte"})
    decide(client, editor, comment_id, "approve", json={"reason": "Quelle nachgereicht"})

    events = detail(client, editor, comment_id)["events"]
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        (None, "pending"), ("pending", "approved"), ("approved", "rejected"),
        ("rejected", "approved")]
    assert public_ids(client) == [comment_id]


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize(("payload", "field"), [
    ({"reason_code": "Nicht OK!"}, "reason_code"),
    ({"reason_code": "übel"}, "reason_code"),
    ({"reason_code": "1_falsch"}, "reason_code"),
    ({"reason_code": "a" * 65}, "reason_code"),
    ({"reason_code": 7}, "reason_code"),
    ({"reason": "ß" * 2001}, "reason"),
    ({"grund": "Beleidigung"}, "grund"),
    ({"status": "approved"}, "status"),
])
def test_decisions_refuse_invalid_bodies(client, editor, action, payload, field):
    comment_id = submit(client)

    response = decide(client, editor, comment_id, action, json=payload)

    body = assert_error(response, 422, "validation_failed")
    assert field in body["errors"]
    assert detail(client, editor, comment_id)["status"] == "pending"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_decisions_refuse_a_body_that_is_not_a_json_object(client, editor, action):
    comment_id = submit(client)

    response = decide(client, editor, comment_id, action, json=["genehmigt"])

    assert_error(response, 422, "validation_failed")
    assert detail(client, editor, comment_id)["status"] == "pending"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_decisions_refuse_malformed_json(client, editor, action):
    comment_id = submit(client)

    response = decide(client, editor, comment_id, action, data='{"reason": "kaputt',
                      content_type="application/json")

    body = assert_error(response, 400, "bad_request")
    # Say what is wrong, not Werkzeug's generic "The browser (or proxy) sent a request ...".
    assert "JSON" in body["message"]
    assert detail(client, editor, comment_id)["status"] == "pending"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_decisions_on_an_unknown_comment_are_404(client, editor, action):
    response = decide(client, editor, "gibt-es-nicht", action, json={"reason": "Tschüß"})
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize(("data", "content_type"), [
    ("reason=Begründung", "application/x-www-form-urlencoded"),
    ("Begründung", "text/plain"),
])
def test_decisions_refuse_bodies_that_are_not_json(client, editor, action, data, content_type):
    comment_id = submit(client)

    response = decide(client, editor, comment_id, action, data=data.encode(),
                      content_type=content_type)

    assert_error(response, 415, "unsupported_media_type")
    assert detail(client, editor, comment_id)["status"] == "pending"


# --- POST /v1/moderation/comments/bulk ---------------------------------------------------

def test_bulk_reports_each_id_once_in_request_order(client, editor, worker, clock):
    already = submit(client, HARMLESS)
    worker.run_once()  # approved
    held = submit(client, DOUBTFUL)
    worker.run_once()  # review
    waiting = submit(client, "Noch in der Warteschlange, Grüße")
    clock.advance(minutes=2)

    response = client.post(BULK, headers=editor, json={
        "ids": [held, "unbekannt", already, waiting, held, "unbekannt"],
        "action": "approve",
        "reason_code": "sammelfreigabe",
        "reason": "Sammelfreigabe nach Prüfung – Anna",
    })

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert [(r["id"], r["outcome"], r.get("status")) for r in response.get_json()["results"]] == [
        (held, "changed", "approved"),
        ("unbekannt", "not_found", None),
        (already, "unchanged", "approved"),
        (waiting, "changed", "approved"),
    ]
    for changed in (held, waiting):
        event = detail(client, editor, changed)["events"][-1]
        assert event["actor"] == "key:anna"
        assert event["to_status"] == "approved"
        assert event["reason_code"] == "sammelfreigabe"
        assert event["reason"] == "Sammelfreigabe nach Prüfung – Anna"
        assert event["created_at"].startswith("2026-11-25T09:32:00")
    assert [e["actor"] for e in detail(client, editor, already)["events"]] == ["system", "system"]
    assert sorted(public_ids(client)) == sorted([already, held, waiting])


def test_bulk_answers_every_item_in_one_shape(client, editor):
    comment_id = submit(client)

    response = client.post(BULK, headers=editor,
                           json={"ids": [comment_id, "unbekannt"], "action": "reject"})

    # BulkItemSchema documents ``status`` as nullable: a missing comment has status null.
    assert response.get_json()["results"] == [
        {"id": comment_id, "outcome": "changed", "status": "rejected"},
        {"id": "unbekannt", "outcome": "not_found", "status": None},
    ]


def test_bulk_reject_without_reason_uses_the_editor_decision_code(client, editor, worker):
    ids = [submit(client, f"Kommentar Nummer {i} über Öl") for i in range(3)]
    worker.run_once()

    response = client.post(BULK, headers=editor, json={"ids": ids, "action": "reject"})

    assert [r["outcome"] for r in response.get_json()["results"]] == ["changed"] * 3
    assert public_ids(client) == []
    for comment_id in ids:
        event = detail(client, editor, comment_id)["events"][-1]
        assert (event["actor"], event["reason_code"]) == ("key:anna", "editor_decision")
        assert (event["from_status"], event["to_status"]) == ("approved", "rejected")


def test_bulk_accepts_500_ids(client, editor):
    comment_id = submit(client)
    ids = [comment_id] + [f"unbekannt-{i}" for i in range(499)]

    response = client.post(BULK, headers=editor, json={"ids": ids, "action": "reject"})

    assert response.status_code == 200
    results = response.get_json()["results"]
    assert len(results) == 500
    assert results[0] == {"id": comment_id, "outcome": "changed", "status": "rejected"}


@pytest.mark.parametrize(("payload", "field"), [
    ({"ids": [], "action": "approve"}, "ids"),
    ({"action": "approve"}, "ids"),
    ({"ids": "abc", "action": "approve"}, "ids"),
    ({"ids": [f"id-{i}" for i in range(501)], "action": "approve"}, "ids"),
    ({"ids": [""], "action": "approve"}, "ids"),
    ({"ids": ["x" * 33], "action": "approve"}, "ids"),
    ({"ids": ["abc"]}, "action"),
    ({"ids": ["abc"], "action": "löschen"}, "action"),
    ({"ids": ["abc"], "action": "approve", "reason_code": "Nicht OK!"}, "reason_code"),
    ({"ids": ["abc"], "action": "approve", "ueberall": True}, "ueberall"),
])
def test_bulk_refuses_invalid_requests(client, editor, payload, field):
    comment_id = submit(client)
    if isinstance(payload.get("ids"), list) and payload["ids"] == ["abc"]:
        payload = {**payload, "ids": [comment_id]}

    response = client.post(BULK, headers=editor, json=payload)

    body = assert_error(response, 422, "validation_failed")
    assert field in body["errors"]
    assert detail(client, editor, comment_id)["status"] == "pending"


def test_bulk_refuses_a_form_body(client, editor):
    response = client.post(BULK, headers=editor, data={"ids": "abc", "action": "approve"})
    assert_error(response, 415, "unsupported_media_type")


# --- GET/PATCH /v1/moderation/articles/<key> ---------------------------------------------

def article_path(key: str) -> str:
    return f"/v1/moderation/articles/{key}"


def test_get_an_unknown_article_is_404(client, editor):
    assert_error(client.get(article_path("gibt-es-nicht"), headers=editor), 404, "not_found")


def test_get_an_article_counts_its_comments_per_status(client, editor, worker):
    submit(client, INSULT)
    submit(client, DOUBTFUL)
    submit(client, HARMLESS)
    submit(client, "Auch schön, danke")
    worker.run_once()
    submit(client, "Kommt gleich dran")
    submit(client, HARMLESS, article="anderer-artikel")

    response = client.get(article_path("ki-im-alltag"), headers=editor)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    article = response.get_json()
    assert article["key"] == "ki-im-alltag"
    assert article["counts"] == {"pending": 1, "review": 1, "approved": 2, "rejected": 1}
    assert article["in_review"] == 1
    assert article["last_comment_at"].startswith("2026-11-25T09:30:00")
    assert article["comments_open"] is True
    assert article["moderation_mode"] == "auto"
    assert article["title"] is None and article["url"] is None
    assert article["created_at"].startswith("2026-11-25T09:30:00")


def test_patch_creates_an_unknown_article(client, editor, clock):
    key = "2026/11/künstliche-intelligenz"
    response = client.patch(article_path(key), headers=editor, json={
        "title": "Künstliche Intelligenz im Alltag – Größe zählt",
        "url": "https://blog.example.de/2026/11/ki-im-alltag",
    })

    assert response.status_code == 200, response.get_data(as_text=True)
    article = response.get_json()
    assert article["key"] == key
    assert article["title"] == "Künstliche Intelligenz im Alltag – Größe zählt"
    assert article["url"] == "https://blog.example.de/2026/11/ki-im-alltag"
    assert article["comments_open"] is True and article["moderation_mode"] == "auto"
    assert article["counts"] == {"pending": 0, "review": 0, "approved": 0, "rejected": 0}
    assert client.get(article_path(key), headers=editor).get_json() == article

    clock.advance(hours=1)
    changed = client.patch(article_path(key), headers=editor,
                           json={"title": None}).get_json()
    assert changed["title"] is None
    assert changed["url"] == "https://blog.example.de/2026/11/ki-im-alltag"
    assert changed["created_at"] == article["created_at"]
    assert changed["updated_at"].startswith("2026-11-25T10:30:00")


def test_closing_comments_refuses_new_ones_and_reopening_accepts_them(client, editor):
    submit(client)
    response = client.patch(article_path("ki-im-alltag"), headers=editor,
                            json={"comments_open": False})
    assert response.status_code == 200
    assert response.get_json()["comments_open"] is False

    assert_error(post_comment(client, "Darf ich noch?"), 409, "comments_closed")

    client.patch(article_path("ki-im-alltag"), headers=editor, json={"comments_open": True})
    assert post_comment(client, "Jetzt wieder offen, schön!").status_code == 202
    assert client.get(article_path("ki-im-alltag"),
                      headers=editor).get_json()["counts"]["pending"] == 2


def test_pre_moderation_holds_every_comment_for_an_editor(client, editor, worker):
    response = client.patch(article_path("ki-im-alltag"), headers=editor,
                            json={"moderation_mode": "pre"})
    assert response.get_json()["moderation_mode"] == "pre"

    submitted = post_comment(client, HARMLESS)
    assert submitted.status_code == 202
    assert submitted.get_json()["status"] == "pending"
    worker.run_once()

    comment = detail(client, editor, submitted.get_json()["id"])
    assert comment["status"] == "review"
    assert comment["status_reason_code"] == "pre_moderation"
    assert comment["events"][-1]["details"]["mode"] == "pre"
    assert public_ids(client) == []
    assert queue_ids(client, editor) == [comment["id"]]


def test_post_moderation_publishes_at_once(client, editor, worker):
    response = client.patch(article_path("ki-im-alltag"), headers=editor,
                            json={"moderation_mode": "post"})
    assert response.get_json()["moderation_mode"] == "post"

    submitted = post_comment(client, HARMLESS)

    assert submitted.status_code == 202
    assert submitted.get_json()["status"] == "approved"
    comment_id = submitted.get_json()["id"]
    assert public_ids(client) == [comment_id]
    assert detail(client, editor, comment_id)["status_reason_code"] == "post_moderation"
    worker.run_once()
    assert detail(client, editor, comment_id)["status"] == "approved"
    assert public_ids(client) == [comment_id]


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "_schema"),
    ({"moderation_mode": "streng"}, "moderation_mode"),
    ({"moderation_mode": None}, "moderation_mode"),
    ({"url": "keine-adresse"}, "url"),
    ({"url": "ftp://blog.example.de/artikel"}, "url"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"comments_open": "vielleicht"}, "comments_open"),
    ({"title": "Ü" * 301}, "title"),
    ({"key": "umbenannt"}, "key"),
    ({"public_revision": 0}, "public_revision"),
])
def test_patch_refuses_invalid_settings(client, editor, payload, field):
    response = client.patch(article_path("ki-im-alltag"), headers=editor, json=payload)

    body = assert_error(response, 422, "validation_failed")
    assert field in body["errors"]
    # Nothing was created by a refused request.
    assert_error(client.get(article_path("ki-im-alltag"), headers=editor), 404, "not_found")


def test_article_key_of_200_characters_is_accepted(client, editor):
    key = "ä" * 200
    response = client.patch(article_path(key), headers=editor, json={"comments_open": False})
    assert response.status_code == 200
    assert response.get_json()["key"] == key


@pytest.mark.parametrize("method", ["get", "patch"])
def test_article_key_of_201_characters_is_refused(client, editor, method):
    if method == "get":
        response = client.get(article_path("ä" * 201), headers=editor)
    else:
        response = client.patch(article_path("ä" * 201), headers=editor,
                                json={"comments_open": False})

    body = assert_error(response, 422, "validation_failed")
    assert "article_key" in body["errors"]


def test_patch_refuses_a_form_body(client, editor):
    response = client.patch(article_path("ki-im-alltag"), headers=editor,
                            data={"comments_open": "false"})
    assert_error(response, 415, "unsupported_media_type")

