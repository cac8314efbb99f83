"""Deciding in the workspace: the pages' JSON endpoints and the forms for browsers without
script. Every decision is recorded as the signed-in person; refusals are German and in
our error shape; nothing a client sends makes a 500."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from moderation.domain import CommentStatus
from moderation.models import ModerationEvent
from moderation.services import authors
from moderation.services.privacy import scrub_comments
from moderation.statements import PublisherTerms
from tests.support.records import add_comment, add_report, comment_by_id
from tests.workspace.conftest import csrf_of, sign_in
from tests.workspace.desk import held

QUEUE = "/redaktion/warteschlange"
ONE = "/redaktion/api/kommentare/{}/entscheidung"
MANY = "/redaktion/api/entscheidungen"
FORM = "/redaktion/kommentare/{}/entscheidung"
ANNA = "user:anna@zeitung.de"


def fetch(browser, path: str, body, token: str | None = None):
    """A fetch from the page's script: JSON, the page's CSRF token in the header."""
    if token is None:
        token = csrf_of(browser.get(QUEUE))
    return browser.post(path, json=body, headers={"Accept": "application/json",
                                                  "X-CSRF-Token": token})


def record(database, comment_id: str):
    with database.transaction() as session:
        comment = comment_by_id(session, comment_id)
        events = session.scalars(select(ModerationEvent).where(
            ModerationEvent.comment_id == comment.id).order_by(ModerationEvent.id)).all()
        return comment.status, comment.status_reason_code, [e.actor for e in events], \
            comment.statement_of_reasons


# --- one comment ----------------------------------------------------------------------------

def test_an_approval_is_recorded_as_the_signed_in_person(editor_browser, database, clock):
    comment = held(database, clock)

    answer = fetch(editor_browser, ONE.format(comment), {"action": "approve"})

    assert answer.status_code == 200
    assert answer.get_json() == {"id": comment, "status": "approved",
                                 "status_label": "Veröffentlicht", "statement": None}
    status, code, actors, _ = record(database, comment)
    assert (status, code, actors[-1]) == (CommentStatus.APPROVED, "editor_decision", ANNA)


def test_a_rejection_states_its_reasons_on_the_terms(editor_browser, database, clock):
    comment = held(database, clock)

    answer = fetch(editor_browser, ONE.format(comment), {
        "action": "reject", "reason_code": "insult", "reason": "Persönlicher Angriff."})

    statement = answer.get_json()["statement"]
    assert answer.get_json()["status_label"] == "Abgelehnt"
    assert statement["ground"]["type"] == "terms"
    assert "Kommentarrichtlinien" in statement["summary"]
    assert "Begründung der Redaktion: Persönlicher Angriff." in statement["facts"]
    status, code, actors, stored = record(database, comment)
    assert (status, code, actors[-1]) == (CommentStatus.REJECTED, "insult", ANNA)
    assert stored == statement


def test_criminal_content_names_its_provision_in_the_statement(editor_browser, database,
                                                                clock):
    comment = held(database, clock)

    answer = fetch(editor_browser, ONE.format(comment), {
        "action": "reject", "reason_code": "criminal_content",
        "ground": {"type": "illegal", "provision": "§ 130 StGB"}})

    statement = answer.get_json()["statement"]
    assert statement["ground"] == {
        "type": "illegal", "provision": "§ 130 StGB",
        "explanation": "Die Redaktion hält den Kommentar für rechtswidrig nach § 130 StGB."}
    assert "rechtswidrig ist (§ 130 StGB)" in statement["summary"]


def test_the_counts_follow_a_decision_at_once(editor_browser, database, clock):
    first, _second = held(database, clock), held(database, clock)

    fetch(editor_browser, ONE.format(first), {"action": "approve"})

    state = editor_browser.get("/redaktion/api/warteschlange/stand", headers={
        "Accept": "application/json"}, query_string={"since": clock().isoformat()})
    assert state.get_json()["counts"]["review"] == 1


def test_deciding_answers_the_open_reports(editor_browser, database, clock):
    comment = held(database, clock, status=CommentStatus.APPROVED)
    with database.transaction() as session:
        add_report(session, comment_by_id(session, comment), clock())
        comment_by_id(session, comment).open_reports = 1

    fetch(editor_browser, ONE.format(comment), {"action": "approve"})

    with database.transaction() as session:
        record_ = comment_by_id(session, comment)
        assert record_.open_reports == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "reject"}, "reason_code"),
    ({"action": "reject", "reason_code": "rudeness"}, "reason_code"),
    ({"action": "reject", "reason_code": "criminal_content"}, "ground"),
    ({"action": "reject", "reason_code": "criminal_content", "ground": {"type": "terms"}},
     "ground"),
    ({"action": "reject", "reason_code": "insult", "ground": {"type": "illegal"}}, "ground"),
    ({"action": "approve", "reason_code": "insult"}, "reason_code"),
    ({"action": "approve", "ground": {"type": "terms"}}, "ground"),
    ({"action": "publish"}, "action"),
    ({}, "action"),
    ({"action": "approve", "extra": 1}, "extra"),
    ({"action": 5}, "action"),
    ({"action": "reject", "reason_code": "insult", "reason": "x" * 2001}, "reason"),
    ({"action": "reject", "reason_code": "insult", "ground": "terms"}, "ground"),
])
def test_a_decision_the_schema_refuses_is_a_json_422(editor_browser, database, clock, body,
                                                      field):
    comment = held(database, clock)

    answer = fetch(editor_browser, ONE.format(comment), body)

    assert answer.status_code == 422
    error = answer.get_json()
    assert error["code"] == "validation_failed"
    assert error["message"] == "Bitte prüfen Sie Ihre Eingabe."
    assert field in error["errors"]
    assert record(database, comment)[0] is CommentStatus.REVIEW


@pytest.mark.parametrize("body", [[], "approve", None, 17])
def test_a_body_that_is_no_object_is_a_json_422(editor_browser, database, clock, body):
    comment = held(database, clock)

    answer = fetch(editor_browser, ONE.format(comment), body)

    assert answer.status_code == 422
    assert set(answer.get_json()) == {"code", "message", "errors"}


def test_a_body_that_is_no_json_is_refused_in_our_shape(editor_browser, database, clock):
    comment = held(database, clock)
    token = csrf_of(editor_browser.get(QUEUE))

    answer = editor_browser.post(ONE.format(comment), data='{"action": "appr',
                                 content_type="application/json",
                                 headers={"Accept": "application/json",
                                          "X-CSRF-Token": token})

    assert answer.status_code in {400, 422}
    assert set(answer.get_json()) == {"code", "message", "errors"}


def test_an_unknown_comment_is_a_german_404(editor_browser):
    answer = fetch(editor_browser, ONE.format("gibtsnicht"), {"action": "approve"})

    assert answer.status_code == 404
    assert answer.get_json()["message"] == "Diesen Kommentar gibt es nicht."


def test_an_erased_comment_cannot_be_decided(editor_browser, database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), status=CommentStatus.REVIEW)
        scrub_comments(session, [comment], "erasure_request", clock())
        comment_id = comment.public_id

    answer = fetch(editor_browser, ONE.format(comment_id), {"action": "approve"})

    assert answer.status_code == 409
    assert answer.get_json()["code"] == "comment_erased"
    assert answer.get_json()["message"].startswith("Dieser Kommentar wurde gelöscht")


# --- four eyes on appeals -------------------------------------------------------------------

@pytest.fixture
def appealed(app, database, clock, editor_browser, admin_account) -> str:
    """A comment Anna rejected in the workspace and its author appealed against."""
    with database.transaction() as session:
        comment_id = add_comment(session, clock(), token="autorentoken",
                                 status=CommentStatus.REVIEW).public_id
    fetch(editor_browser, ONE.format(comment_id), {"action": "reject", "reason_code": "spam"})
    clock.advance(minutes=5)
    with database.transaction() as session:
        authors.submit_appeal(session, comment_id, "autorentoken", "Das war kein Spam.",
                              terms=PublisherTerms.of(app.extensions["moderation"].config),
                              now=clock())
    return comment_id


def test_the_editor_who_rejected_may_not_decide_the_appeal(editor_browser, appealed,
                                                           database):
    answer = fetch(editor_browser, ONE.format(appealed), {"action": "approve"})

    assert answer.status_code == 409
    body = answer.get_json()
    assert body["code"] == "appeal_needs_other_editor"
    assert "Vier-Augen-Prinzip" in body["message"]
    assert record(database, appealed)[0] is CommentStatus.REVIEW
    page = editor_browser.get(f"/redaktion/kommentare/{appealed}").get_data(as_text=True)
    assert "Sie haben diesen Kommentar selbst abgelehnt" in page
    many = fetch(editor_browser, MANY, {"action": "approve", "ids": [appealed]})
    assert many.get_json()["results"] == [
        {"id": appealed, "outcome": "refused", "status": "review"}]


def test_another_editor_decides_the_appeal(app, appealed, database):
    chefin = app.test_client()
    sign_in(chefin, "chefin@zeitung.de")

    answer = fetch(chefin, ONE.format(appealed), {"action": "approve"})

    assert answer.status_code == 200
    assert record(database, appealed)[2][-1] == "user:chefin@zeitung.de"


def test_alone_in_the_newsroom_the_editor_decides_the_appeal_too(
        app, database, clock, editor_browser):
    with database.transaction() as session:
        comment_id = add_comment(session, clock(), token="autorentoken",
                                 status=CommentStatus.REVIEW).public_id
    fetch(editor_browser, ONE.format(comment_id), {"action": "reject", "reason_code": "spam"})
    with database.transaction() as session:
        authors.submit_appeal(session, comment_id, "autorentoken", "Bitte prüfen.",
                              terms=PublisherTerms.of(app.extensions["moderation"].config),
                              now=clock())

    answer = fetch(editor_browser, ONE.format(comment_id), {"action": "approve"})

    assert answer.status_code == 200


# --- many at once ---------------------------------------------------------------------------

def test_bulk_approval_says_how_each_comment_went(editor_browser, database, clock):
    first, second = held(database, clock), held(database, clock)
    already = held(database, clock, status=CommentStatus.APPROVED)

    answer = fetch(editor_browser, MANY, {"action": "approve",
                                          "ids": [first, second, already, "unbekannt"]})

    assert answer.status_code == 200
    assert answer.get_json() == {
        "results": [{"id": first, "outcome": "changed", "status": "approved"},
                    {"id": second, "outcome": "changed", "status": "approved"},
                    {"id": already, "outcome": "unchanged", "status": "approved"},
                    {"id": "unbekannt", "outcome": "not_found", "status": None}],
        "summary": {"changed": 2, "unchanged": 1, "refused": 0, "not_found": 1}}
    assert record(database, second)[2][-1] == ANNA


def test_bulk_rejection_takes_a_reason_and_a_ground(editor_browser, database, clock):
    first, second = held(database, clock), held(database, clock)

    answer = fetch(editor_browser, MANY, {
        "action": "reject", "ids": [first, second], "reason_code": "threat",
        "ground": {"type": "illegal", "provision": "§ 241 StGB"}})

    assert answer.get_json()["summary"]["changed"] == 2
    status, code, _, statement = record(database, second)
    assert (status, code) == (CommentStatus.REJECTED, "threat")
    assert statement["ground"]["provision"] == "§ 241 StGB"


@pytest.mark.parametrize("body", [
    {"action": "approve"}, {"action": "approve", "ids": []}, {"action": "approve", "ids": "a"},
    {"action": "approve", "ids": ["nicht/unser"]}, {"action": "approve", "ids": ["a"] * 501},
    {"action": "reject", "ids": ["a"]}, {"ids": ["a"]},
])
def test_a_bulk_decision_the_schema_refuses_is_a_json_422(editor_browser, body):
    answer = fetch(editor_browser, MANY, body)

    assert answer.status_code == 422
    assert set(answer.get_json()) == {"code", "message", "errors"}


# --- who may --------------------------------------------------------------------------------

def test_a_fetch_without_the_csrf_token_is_refused(editor_browser, database, clock):
    comment = held(database, clock)

    for headers in ({}, {"X-CSRF-Token": "falsch"}):
        answer = editor_browser.post(ONE.format(comment), json={"action": "approve"},
                                     headers={"Accept": "application/json", **headers})
        assert answer.status_code == 403
        assert set(answer.get_json()) == {"code", "message", "errors"}
    assert record(database, comment)[0] is CommentStatus.REVIEW


def test_a_token_of_another_session_is_refused(app, editor_browser, admin_account, database,
                                               clock):
    comment = held(database, clock)
    other = app.test_client()
    sign_in(other, "chefin@zeitung.de")

    answer = fetch(editor_browser, ONE.format(comment), {"action": "approve"},
                   token=csrf_of(other.get(QUEUE)))

    assert answer.status_code == 403


def test_nobody_signed_in_gets_a_json_401(client, database, clock):
    comment = held(database, clock)
    page = client.get("/redaktion/anmelden")

    answer = client.post(ONE.format(comment), json={"action": "approve"},
                         headers={"Accept": "application/json", "X-CSRF-Token": csrf_of(page)})

    assert answer.status_code == 401
    assert set(answer.get_json()) == {"code", "message", "errors"}
    assert record(database, comment)[0] is CommentStatus.REVIEW


# --- forms, for a browser without script ----------------------------------------------------

def test_the_approve_button_works_without_script_and_goes_back(editor_browser, database,
                                                               clock):
    comment = held(database, clock)
    token = csrf_of(editor_browser.get(QUEUE))

    answer = editor_browser.post(FORM.format(comment), data={
        "csrf_token": token, "action": "approve", "next": f"{QUEUE}?sort=oldest"})

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"{QUEUE}?sort=oldest"
    assert record(database, comment)[2][-1] == ANNA


def test_the_reject_form_shows_the_statement_afterwards(editor_browser, database, clock):
    comment = held(database, clock)
    token = csrf_of(editor_browser.get(QUEUE))

    answer = editor_browser.post(FORM.format(comment), data={
        "csrf_token": token, "action": "reject", "reason_code": "hate_speech",
        "ground": "illegal", "provision": "§ 130 StGB", "reason": "", "next": "https://böse.de/"},
        follow_redirects=True)

    html = answer.get_data(as_text=True)
    assert answer.request.path == f"/redaktion/kommentare/{comment}"
    assert "Begründung an die Autorin oder den Autor" in html
    assert "rechtswidrig ist (§ 130 StGB)" in html
    assert record(database, comment)[1] == "hate_speech"


def test_a_reject_form_without_a_reason_is_shown_again_with_the_problem(editor_browser,
                                                                        database, clock):
    comment = held(database, clock)
    token = csrf_of(editor_browser.get(QUEUE))

    answer = editor_browser.post(FORM.format(comment), data={
        "csrf_token": token, "action": "reject", "ground": "illegal", "provision": "§ 1"})

    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Bitte einen Grund für die Ablehnung wählen." in html
    assert re.search(r'value="§ 1"', html)
    assert record(database, comment)[0] is CommentStatus.REVIEW


def test_a_form_without_the_csrf_token_is_a_german_403_page(editor_browser, database, clock):
    comment = held(database, clock)

    answer = editor_browser.post(FORM.format(comment), data={"action": "approve"})

    assert answer.status_code == 403
    assert "Das Formular ist abgelaufen" in answer.get_data(as_text=True)
    assert record(database, comment)[0] is CommentStatus.REVIEW
