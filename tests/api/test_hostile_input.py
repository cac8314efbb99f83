"""What a hostile client sends: JSON too deep, numbers too long, lone surrogates and NUL,
out-of-range cursors. Each is a 4xx in our error shape, never a 500, and no submitted value
reaches the log. Also two details of the HTTP contract such a client reads."""

from __future__ import annotations

import json
import logging

import pytest
from flask import request
from marshmallow import ValidationError
from sqlalchemy import text

from moderation.api.context import request_session
from moderation.pagination import encode_cursor
from moderation.schemas import WebhookInSchema
from tests.support.http import ARTICLE, QUEUE, assert_error, post_comment, submit_comment

POLICY = "/v1/admin/policy"
WEBHOOKS = "/v1/webhooks"
ARTICLE_SETTINGS = "/v1/moderation/articles/ki-im-alltag"
EXPORT = "/v1/admin/privacy/export"


def send(client, method, path, document, headers=None):
    """``document`` as the raw JSON body: the test client would escape nothing for us."""
    return client.open(path, method=method, data=document, headers=headers,
                       content_type="application/json")


def refused_body(response) -> str:
    """The reason a body was refused (400), from our error shape."""
    body = assert_error(response, 400, "bad_request")
    assert body["message"] == "The request body is not valid JSON."
    return " ".join(body["errors"]["_schema"])


def routes(editor, admin):
    """A JSON route of each audience: the widget, editors, admins."""
    return [("POST", ARTICLE, {}), ("POST", f"{QUEUE}/abc/approve", editor),
            ("PATCH", POLICY, admin), ("POST", WEBHOOKS, admin), ("POST", EXPORT, admin)]


@pytest.mark.parametrize("document", ["[" * 3000 + "]" * 3000,
                                      '{"a":' * 3000 + "1" + "}" * 3000,
                                      '{"body":' + "[" * 33 + "]" * 33 + "}"])
def test_deeply_nested_json_is_a_400(client, editor, admin, document):
    for method, path, headers in routes(editor, admin):
        reason = refused_body(send(client, method, path, document, headers))
        assert "nested deeper than 32 levels" in reason


@pytest.mark.parametrize("number", ["1" * 5000, "-" + "9" * 4400, "1." + "5" * 5000,
                                    "1e400", "-1e400", "NaN", "Infinity"],
                         ids=["5000 digits", "-4400 digits", "5000 decimals", "1e400",
                              "-1e400", "NaN", "Infinity"])
def test_huge_and_non_finite_numbers_are_a_400(client, editor, admin, number):
    document = '{"author_name": "Jürgen", "body": "Grüße", "parent_id": ' + number + "}"
    for method, path, headers in routes(editor, admin):
        refused_body(send(client, method, path, document, headers))


def test_a_lone_surrogate_is_a_400_wherever_it_stands(client, editor, admin):
    lone = "Gr\ud800ße"  # json.dumps writes it as the escape \ud800
    for method, path, headers, payload in [
        ("POST", ARTICLE, {}, {"author_name": "Jürgen", "body": lone}),
        ("POST", ARTICLE, {}, {"author_name": lone, "body": "Grüße"}),
        ("POST", ARTICLE, {}, {lone: "ein Schlüssel"}),
        ("POST", f"{POLICY}/words", admin, {"term": lone, "kind": "banned"}),
        ("PATCH", POLICY, admin, {"banned": ["idiot", lone]}),
        ("POST", WEBHOOKS, admin, {"url": "http://127.0.0.1/hook", "description": lone}),
        ("PATCH", ARTICLE_SETTINGS, editor, {"title": lone}),
        ("POST", EXPORT, admin, {"author_tokens": [lone]}),
        ("POST", f"{QUEUE}/abc/reject", editor, {"reason": "\udfff"}),
    ]:
        reason = refused_body(send(client, method, path, json.dumps(payload), headers))
        assert "lone UTF-16 surrogate" in reason


def test_a_surrogate_pair_is_one_character_and_welcome(client, editor):
    # "\ud83d\ude00" is how JSON writes 😀 in ASCII: a pair, not a lone surrogate.
    response = send(client, "POST", ARTICLE, json.dumps({"author_name": "Jürgen",
                                                         "body": "Toll 😀"}))
    assert response.status_code == 202
    assert "\\ud83d\\ude00" in json.dumps("😀")
    comment = client.get(f"{QUEUE}/{response.get_json()['id']}", headers=editor).get_json()
    assert comment["body"] == "Toll 😀"


@pytest.mark.parametrize("document", [
    b'{"author_name": "J\xed\xa0\x80rgen", "body": "x"}',  # a surrogate, UTF-8 encoded
    '{"author_name": "Jürgen", "body": "x"}'.encode("utf-16"),
    '\ufeff{"author_name": "Jürgen", "body": "x"}'.encode(),  # a byte order mark
], ids=["surrogate", "UTF-16", "BOM"])
def test_a_body_that_is_not_utf8_json_is_a_400(client, document):
    refused_body(send(client, "POST", ARTICLE, document))


@pytest.mark.parametrize(("method", "path", "role", "payload", "field"), [
    ("PATCH", ARTICLE_SETTINGS, "editor", {"url": "https://example.de/\x00"}, "url"),
    ("POST", f"{POLICY}/words", "admin", {"term": "id\x00iot", "kind": "banned"}, "term"),
    ("PATCH", POLICY, "admin", {"suspect": ["dumm\x00"]}, "suspect"),
    ("POST", EXPORT, "admin", {"author_tokens": ["\x00"]}, "author_tokens"),
    ("POST", EXPORT, "admin", {"email": "leser\x00@example.de"}, "email"),
    ("POST", WEBHOOKS, "admin", {"url": "http://127.0.0.1/\x00"}, "url"),
])
def test_nul_in_a_text_field_is_a_422_naming_the_field(client, editor, admin, method, path,
                                                       role, payload, field):
    headers = {"editor": editor, "admin": admin}[role]
    body = assert_error(client.open(path, method=method, json=payload, headers=headers),
                        422, "validation_failed")
    assert field in body["errors"]


def test_reader_text_still_drops_nul_like_every_control_character(client, editor):
    comment = submit_comment(client, "Grüße\x00 aus Görlitz", author_name="Jürgen\x00")
    stored = client.get(f"{QUEUE}/{comment['id']}", headers=editor).get_json()
    assert (stored["body"], stored["author_name"]) == ("Grüße aus Görlitz", "Jürgen")


def test_text_fields_refuse_lone_surrogates_whatever_the_loader(client):
    """The field refuses them too: a body that did not come through our loader (a test, a
    future route) must not bring one to the database."""
    with pytest.raises(ValidationError) as refused:
        WebhookInSchema().load({"url": "http://127.0.0.1/hook", "description": "Gr\ud800ße"})
    assert "description" in refused.value.messages


@pytest.mark.parametrize("position", [10**331, -(10**331), 1e308, float("inf"), float("nan"),
                                      2**63],
                         ids=["331 digits", "-331 digits", "1e308", "inf", "nan", "2**63"])
@pytest.mark.parametrize("status", ["review", "reported"])
def test_an_out_of_range_score_cursor_is_a_422(client, editor, position, status):
    cursor = encode_cursor(position, 1)
    response = client.get(f"{QUEUE}?sort=risk&status={status}&cursor={cursor}", headers=editor)
    assert "cursor" in assert_error(response, 422, "validation_failed")["errors"]


def test_a_score_cursor_in_range_still_pages(client, editor):
    cursor = encode_cursor(0.5, 2**63 - 1)
    response = client.get(f"{QUEUE}?sort=risk&status=all&cursor={cursor}", headers=editor)
    assert response.status_code == 200


def test_database_errors_are_logged_without_the_values_submitted(app, caplog):
    """PostgreSQL quotes a bad value back in its error (``CONTEXT: JSON data, line 1: ...``);
    such an error must not bring the reader's text into the log."""
    database = app.extensions["moderation"].database

    @app.get("/test/database-error")
    def database_error():
        # Unterminated JSON: both databases refuse it, PostgreSQL quoting it.
        cast = "json(:document)" if database.is_sqlite else "CAST(:document AS jsonb)"
        request_session().execute(text(f"SELECT {cast}"), {"document": request.args["q"]})
        return {}

    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/test/database-error", query_string={
            "q": '{"kommentar": "Geheimnis von Jürgen, bitte nicht weitersagen"'})
    assert response.status_code in {500, 503}
    assert set(response.get_json()) == {"code", "message", "errors"}
    assert caplog.records
    assert "Geheimnis" not in caplog.text and "Jürgen" not in caplog.text


# --- the HTTP contract a probing client reads ----------------------------------------------

def test_a_wrong_method_is_a_405_that_names_the_allowed_ones(client, editor):
    response = client.delete(ARTICLE)
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    response = client.put(f"{QUEUE}/abc/approve", headers=editor)
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_the_authors_own_view_is_never_cached(client):
    comment = submit_comment(client)
    response = client.get(f"/v1/comments/{comment['id']}",
                          headers={"X-Author-Token": comment["author_token"]})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_trailing_newline_does_not_slip_past_a_pattern(client, editor):
    reply = post_comment(client, "Grüße", parent_id="0_DJyUuQZ6ZicJQTz_YahA\n")
    assert assert_error(reply, 422, "validation_failed")["errors"] == {
        "parent_id": ["Not an id of ours."]}
    decision = client.post("/v1/moderation/comments/x/reject", headers=editor,
                           json={"reason_code": "spam\n"})
    assert "reason_code" in assert_error(decision, 422, "validation_failed")["errors"]
