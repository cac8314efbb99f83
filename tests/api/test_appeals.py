"""Appeals (DSA Art. 20): the author contests a rejection once, within the appeal period;
editors see open appeals in their queue and decide them, where possible not the one who
rejected; the decision publishes the comment or keeps it rejected, with a new statement."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from moderation import create_app
from moderation.domain import Role
from moderation.models import Appeal, Comment, ModerationEvent
from moderation.services import authors, keys, rescoring
from moderation.statements import PublisherTerms
from moderation.workers.scoring import ScoringWorker
from tests.support.http import QUEUE, assert_error, author_view, post_comment, submit_comment
from tests.support.locks import wait_until_blocked
from tests.support.queries import counted_queries
from tests.support.records import webhook_data

INSULT = "Du bist ein Idiot, Jürgen."  # rejected automatically by the KeywordScorer
HARMLESS = "Schöner Artikel über Straßenbahnen in Köln, danke!"
EXPLANATION = "Das war Ironie – „Idiot“ zitiert den Titel des Artikels. Grüße aus Görlitz!"


def token_of(submitted: dict) -> dict[str, str]:
    return {"X-Author-Token": submitted["author_token"]}


def appeal(client, submitted: dict, explanation: str = EXPLANATION, headers=None):
    return client.post(f"/v1/comments/{submitted['id']}/appeal",
                       headers=token_of(submitted) if headers is None else headers,
                       json={"explanation": explanation})


def appealed(client, submitted: dict) -> dict:
    response = appeal(client, submitted)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def decide(client, headers, comment_id: str, action: str, **body):
    return client.post(f"{QUEUE}/{comment_id}/{action}", headers=headers, json=body)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def stored_appeal(database) -> Appeal:
    with database.transaction() as session:
        return session.scalars(select(Appeal)).one()


@pytest.fixture
def rejected(client, worker) -> dict:
    """A comment the scoring worker rejected, as its author submitted it."""
    submitted = submit_comment(client, INSULT)
    worker.run_once()
    return submitted


@pytest.fixture
def rejected_by_anna(client, editor) -> dict:
    """A comment the editor anna rejected."""
    submitted = submit_comment(client, HARMLESS)
    assert decide(client, editor, submitted["id"], "reject").status_code == 200
    return submitted


# --- POST /v1/comments/<id>/appeal ---------------------------------------------------------

def test_the_author_appeals_and_the_comment_goes_back_to_an_editor(
        client, database, clock, rejected, subscribed):
    clock.advance(days=3)
    response = appeal(client, rejected)

    assert response.status_code == 202
    made = response.get_json()
    assert set(made) == {"id", "status", "created_at", "decided_at"}
    assert made["status"] == "open" and made["decided_at"] is None
    assert made["created_at"] == clock().isoformat()
    stored = stored_appeal(database)
    assert stored.public_id == made["id"] and stored.explanation == EXPLANATION
    assert (stored.rejected_by, stored.rejected_by_key_id) == ("system", None)
    with database.transaction() as session:
        comment = session.scalar(select(Comment))
        event = session.scalars(select(ModerationEvent).order_by(ModerationEvent.id)).all()[-1]
        assert comment.status.value == "review" and comment.status_reason_code == "appealed"
        assert comment.editor_decided_at is None
    assert (event.actor, event.from_status.value, event.to_status.value) == (
        "author", "rejected", "review")

    shown = author_view(client, rejected)
    assert set(shown) == {"id", "parent_id", "depth", "author_name", "body", "created_at",
                          "erased", "article_key", "status", "statement_of_reasons", "appeal",
                          "appealable_until"}
    assert (shown["status"], shown["erased"], shown["article_key"]) == (
        "review", False, "ki-im-alltag")
    assert shown["appeal"] == made
    assert shown["statement_of_reasons"] is None and shown["appealable_until"] is None
    [told] = webhook_data(database, "comment.appealed")
    assert told["comment_id"] == rejected["id"] and told["appeal_id"] == made["id"]
    assert told["links"]["comment"] == f"/v1/moderation/comments/{rejected['id']}"
    assert EXPLANATION not in str(told)
    assert webhook_data(database, "comment.review_requested")[-1]["actor"] == {"type": "author"}


def test_an_editors_rejection_names_the_editor_on_the_appeal(
        client, database, rejected_by_anna):
    appealed(client, rejected_by_anna)
    stored = stored_appeal(database)
    assert stored.rejected_by == "key:anna" and stored.rejected_by_key_id is not None


def test_the_appeal_period_ends_after_its_last_day(client, clock, worker):
    in_time, too_late = submit_comment(client, INSULT), submit_comment(client, INSULT + " Nochmal.")
    worker.run_once()
    clock.advance(days=183)
    assert author_view(client, in_time)["appealable_until"] == "2027-05-27"
    assert appeal(client, in_time).status_code == 202

    clock.advance(days=1)
    assert author_view(client, too_late)["appealable_until"] is None
    body = assert_error(appeal(client, too_late), 409, "appeal_period_over")
    assert "2027-05-27" in body["message"]


def test_a_longer_configured_period_is_honoured(config, database, clock, scorer):
    settings = config.replace(appeal_days=365)
    app = create_app(settings, clock=clock)
    client = app.test_client()
    submitted = submit_comment(client, INSULT)
    ScoringWorker(database, settings, lambda _settings: scorer, clock).run_once()
    clock.advance(days=300)
    try:
        assert author_view(client, submitted)["appealable_until"] == "2027-11-25"
        assert appeal(client, submitted).status_code == 202
    finally:
        app.extensions["moderation"].database.dispose()


def test_a_comment_is_appealed_once(client, editor, rejected):
    appealed(client, rejected)
    assert_error(appeal(client, rejected), 409, "already_appealed")

    assert decide(client, editor, rejected["id"], "reject").status_code == 200
    assert author_view(client, rejected)["appealable_until"] is None
    assert_error(appeal(client, rejected), 409, "already_appealed")


@pytest.mark.parametrize("headers", [{}, {"X-Author-Token": "falsch"}])
def test_without_the_right_token_the_comment_is_not_found(client, database, rejected, headers):
    assert_error(appeal(client, rejected, headers=headers), 404, "not_found")
    assert_error(client.post("/v1/comments/gibt-es-nicht/appeal", headers=token_of(rejected),
                             json={"explanation": EXPLANATION}), 404, "not_found")
    with database.transaction() as session:
        assert session.scalar(select(Appeal)) is None


def test_another_comments_token_does_not_appeal_a_comment(client, rejected):
    other = submit_comment(client, HARMLESS)
    assert_error(appeal(client, rejected, headers=token_of(other)), 404, "not_found")


def test_only_a_rejected_comment_can_be_appealed(client, editor, worker, database, clock):
    pending = submit_comment(client, HARMLESS)
    assert_error(appeal(client, pending), 409, "not_appealable")
    worker.run_once()
    assert author_view(client, pending)["status"] == "approved"
    assert_error(appeal(client, pending), 409, "not_appealable")

    erased = submit_comment(client, INSULT)
    worker.run_once()
    with database.transaction() as session:
        session.scalar(select(Comment).where(Comment.public_id == erased["id"])).erased_at = \
            clock()
    assert_error(appeal(client, erased), 409, "not_appealable")


@pytest.mark.parametrize("payload", [
    {}, {"explanation": ""}, {"explanation": "   \n "}, {"explanation": "ä" * 2001},
    {"explanation": 42}, {"explanation": EXPLANATION, "email": "juergen@example.de"},
])
def test_invalid_appeals_are_refused(client, rejected, payload):
    response = client.post(f"/v1/comments/{rejected['id']}/appeal", headers=token_of(rejected),
                           json=payload)
    assert_error(response, 422, "validation_failed")


def test_an_explanation_of_2000_characters_is_accepted(client, rejected):
    assert appeal(client, rejected, "ä" * 2000).status_code == 202


def test_the_appeal_is_documented(client):
    operation = client.get("/openapi.json").get_json()["paths"][
        "/v1/comments/{comment_id}/appeal"]["post"]
    assert {"202", "404", "409", "429"} <= set(operation["responses"])
    assert operation["security"] == [{"authorToken": []}]


# --- the editors' side ---------------------------------------------------------------------

def test_the_appealed_queue_lists_open_appeals_oldest_first(client, editor, worker, clock):
    first, second, third = (submit_comment(client, f"{INSULT} ({n})") for n in range(3))
    worker.run_once()
    appealed(client, second)
    clock.advance(minutes=5)
    appealed(client, first)
    clock.advance(minutes=5)
    appealed(client, third)
    # Any editor decides an automatic rejection's appeal; a decided one leaves the queue.
    assert decide(client, editor, third["id"], "approve").status_code == 200

    page = client.get(QUEUE, headers=editor, query_string={"status": "appealed", "limit": 1})
    assert page.status_code == 200
    body = page.get_json()
    assert [c["id"] for c in body["comments"]] == [second["id"]]
    rest = client.get(QUEUE, headers=editor, query_string={
        "status": "appealed", "limit": 1, "cursor": body["next_cursor"]}).get_json()
    assert [c["id"] for c in rest["comments"]] == [first["id"]]
    assert rest["next_cursor"] is None
    item = body["comments"][0]
    assert item["status"] == "review" and item["status_reason_code"] == "appealed"
    assert item["appeal"]["status"] == "open"
    assert item["appeal"]["explanation"] == EXPLANATION
    assert item["appeal"]["rejected_by"] == "system"
    assert item["appeal"]["created_at"] and item["appeal"]["decided_at"] is None


def test_the_appealed_queue_filters_by_article(client, editor, worker):
    here = submit_comment(client, INSULT)
    elsewhere = post_comment(client, INSULT,
                             article_path="/v1/articles/anderswo/comments").get_json()
    worker.run_once()
    appealed(client, here)
    appealed(client, elsewhere)

    page = client.get(QUEUE, headers=editor, query_string={
        "status": "appealed", "article": "anderswo"}).get_json()
    assert [c["id"] for c in page["comments"]] == [elsewhere["id"]]


def test_the_editor_who_rejected_is_refused_while_another_can_decide(
        client, editor, admin_key, database, rejected_by_anna):
    appealed(client, rejected_by_anna)

    for action in ("approve", "reject"):
        assert_error(decide(client, editor, rejected_by_anna["id"], action), 409,
                     "appeal_needs_other_editor")
    assert stored_appeal(database).status == "open"
    assert author_view(client, rejected_by_anna)["status"] == "review"

    assert decide(client, bearer(admin_key), rejected_by_anna["id"], "approve"
                  ).status_code == 200
    decided = stored_appeal(database)
    assert (decided.status, decided.decided_by) == ("upheld", "key:chefin")


def test_the_editor_who_rejected_decides_when_nobody_else_can(
        client, editor, database, clock, rejected_by_anna, subscribed):
    with database.transaction() as session:  # a revoked key cannot decide: it does not count
        keys.create_key(session, "bernd", Role.EDITOR, clock())
        keys.revoke_key(session, "bernd", clock())
    appealed(client, rejected_by_anna)

    assert decide(client, editor, rejected_by_anna["id"], "reject").status_code == 200
    decided = stored_appeal(database)
    assert (decided.status, decided.decided_by, decided.rejected_by) == (
        "dismissed", "key:anna", "key:anna")
    [told] = webhook_data(database, "appeal.decided")
    assert told["decided_by_rejecting_editor"] is True


def test_upholding_an_appeal_publishes_the_comment(
        client, editor, database, clock, rejected, subscribed):
    made = appealed(client, rejected)
    clock.advance(hours=2)
    shown = decide(client, editor, rejected["id"], "approve").get_json()

    assert shown["status"] == "approved"
    assert shown["appeal"]["status"] == "upheld"
    assert shown["appeal"]["decided_by"] == "key:anna"
    assert shown["appeal"]["decided_at"] == clock().isoformat()
    assert shown["statement_of_reasons"] is None
    public = client.get("/v1/articles/ki-im-alltag/comments").get_json()["comments"]
    assert [c["id"] for c in public] == [rejected["id"]]
    own = author_view(client, rejected)
    assert own["appeal"]["id"] == made["id"] and own["appeal"]["status"] == "upheld"
    [told] = webhook_data(database, "appeal.decided")
    assert told == {"appeal_id": made["id"], "comment_id": rejected["id"],
                    "article_key": "ki-im-alltag", "outcome": "upheld",
                    "actor": {"type": "editor", "key": "anna"},
                    "decided_by_rejecting_editor": False,
                    "links": {"comment": f"/v1/moderation/comments/{rejected['id']}",
                              "thread": "/v1/articles/ki-im-alltag/comments"}}


def test_dismissing_an_appeal_keeps_the_rejection_with_a_new_statement(
        client, editor, database, clock, rejected, subscribed):
    first_statement = author_view(client, rejected)["statement_of_reasons"]
    appealed(client, rejected)
    clock.advance(days=2)
    shown = decide(client, editor, rejected["id"], "reject",
                   reason="Die Beleidigung ist eindeutig.").get_json()

    assert shown["status"] == "rejected" and shown["appeal"]["status"] == "dismissed"
    statement = shown["statement_of_reasons"]
    assert statement != first_statement
    assert statement["facts"].startswith("Die Redaktion hat Ihre Beschwerde geprüft")
    assert statement["summary"].startswith("Wir haben Ihre Beschwerde geprüft")
    assert statement["automated_decision"] is False
    assert statement["automated_means"]["classifier"]["name"] == "keyword-test"
    assert statement["redress"]["appeal"] is None
    assert statement["decided_at"] == clock().isoformat()
    own = author_view(client, rejected)
    assert own["statement_of_reasons"] == statement and own["appealable_until"] is None
    assert webhook_data(database, "appeal.decided")[0]["outcome"] == "dismissed"
    assert webhook_data(database, "comment.rejected")[-1]["statement_of_reasons"] == statement


def test_bulk_decisions_refuse_appeals_of_the_editors_own_rejections(
        client, editor, admin_key, database, worker, rejected_by_anna):
    automatic = submit_comment(client, INSULT)
    worker.run_once()
    appealed(client, rejected_by_anna)
    appealed(client, automatic)

    response = client.post(f"{QUEUE}/bulk", headers=editor, json={
        "ids": [rejected_by_anna["id"], automatic["id"]], "action": "approve"})
    assert response.status_code == 200
    assert response.get_json()["results"] == [
        {"id": rejected_by_anna["id"], "outcome": "refused", "status": "review"},
        {"id": automatic["id"], "outcome": "changed", "status": "approved"},
    ]
    with database.transaction() as session:
        outcomes = dict(session.execute(select(Appeal.rejected_by, Appeal.status)).all())
    assert outcomes == {"key:anna": "open", "system": "upheld"}


def test_a_new_score_never_decides_an_open_appeal(client, database, worker, clock, rejected):
    appealed(client, rejected)
    with database.transaction() as session:
        assert rescoring.rescore(session, rescoring.RescoreFilter(), clock()) == 1
    assert worker.run_once() == 1

    assert author_view(client, rejected)["status"] == "review"
    assert stored_appeal(database).status == "open"


def test_an_appeal_made_while_an_editor_publishes_the_comment_is_upheld_with_it(
        client, editor, database, clock, config, rejected):
    answers = []
    with database.transaction() as session:
        authors.submit_appeal(session, rejected["id"], rejected["author_token"], EXPLANATION,
                              terms=PublisherTerms.of(config), now=clock())
        approving = threading.Thread(target=lambda: answers.append(
            decide(client, editor, rejected["id"], "approve")))
        approving.start()
        wait_until_blocked(database)  # the editor's decision waits for the appeal
    approving.join(timeout=30)

    assert answers[0].status_code == 200
    assert answers[0].get_json()["appeal"]["status"] == "upheld"
    assert stored_appeal(database).status == "upheld"


@pytest.mark.parametrize("status", ["appealed", "review", "all"])
def test_a_queue_page_loads_the_appeals_at_once_however_many(
        app, client, editor, worker, status):
    def page_queries(count: int) -> int:
        with counted_queries(app.extensions["moderation"].database.engine) as statements:
            response = client.get(QUEUE, headers=editor,
                                  query_string={"status": status, "limit": count})
        assert response.status_code == 200
        return len(statements)

    rejected = [submit_comment(client, f"Du bist ein Idiot, Nummer {n}.") for n in range(4)]
    worker.run_once()
    for submitted in rejected:
        appealed(client, submitted)

    page_queries(1)  # the first request also opens a connection
    assert page_queries(1) == page_queries(4)
