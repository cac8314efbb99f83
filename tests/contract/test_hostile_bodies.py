"""A fuzzing job over our own OpenAPI document: every operation is sent JSON built to break
parsers and databases (nesting 3,000 deep, numbers of 5,000 digits, NaN, lone surrogates,
NUL, strings of 60 KB and bodies over the limit), as whole bodies, in each field of a body
that is otherwise valid, and in each query parameter; with valid keys and tokens, so that
authentication hides nothing. No answer may be a 5xx, every refusal is in our error shape,
nothing unhandled is logged. With every rate limit at its tightest, no such body gets a
client past a 429 (Flask-Limiter counts afresh when a key function raises)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.pagination import encode_cursor
from tests.support.http import ARTICLE, QUEUE, json_of, submit_comment

ARTICLE_KEY = ARTICLE.split("/")[3]

# Whole bodies, as raw JSON text (or bytes that are not UTF-8).
DOCUMENTS: dict[str, str | bytes] = {
    "3000 deep arrays": "[" * 3000 + "]" * 3000,
    "3000 deep objects": '{"a":' * 3000 + "1" + "}" * 3000,
    "33 deep": "[" * 33 + "]" * 33,
    "5000 digits": "1" * 5000,
    "5000 decimals": "0." + "5" * 5000,
    "1e400": "-1e400",
    "NaN": '{"limit": NaN}',
    "lone surrogate": '"Gr\\ud800\\u00dfe"',
    "lone surrogate key": '{"\\udc00": 1}',
    "NUL": '"\\u0000"',
    "not UTF-8": b'{"body": "\xed\xa0\x80"}',
    "60 KB": '{"x": "' + "ä" * 30_000 + '"}',
    "70 KB": '{"x": "' + "x" * 70_000 + '"}',
    "20000 keys": "{" + ",".join(f'"k{n}": 1' for n in range(20_000)) + "}",
}

# Raw JSON values put in place of each field of an otherwise valid body.
VALUES = ['"\\u0000"', '"Gr\\u00fc\\u0000\\u00dfe"', '"\\ud800"', '"a\\udfffb"',
          '"' + "ä" * 30_000 + '"', "9" * 5000, "-1e400", "1e308", "NaN",
          "12345678901234567890123456789", "[" * 40 + "]" * 40, '{"\\ud800": 1}',
          '["\\u0000"]']

# Query values, percent-encoded as sent.
QUERY_VALUES = ["%00", "%ED%A0%80", "%FF", "9" * 5000, "%C3%A4" * 3000, "-1e400", "NaN"]
CURSORS = [encode_cursor(10**331, 1), encode_cursor(-(10**331), 1), encode_cursor(1e308, 1),
           encode_cursor(float("nan"), 1), encode_cursor("2026-11-25T09:30:00+00:00", 10**30),
           encode_cursor("9999-12-31T23:59:59-14:00", 1),
           base64.urlsafe_b64encode(b"[" * 370 + b"]" * 370).decode(),
           base64.urlsafe_b64encode(b'["\\ud800", 1]').decode()]

SENTINEL = "__hostile__"


# --- valid requests from the OpenAPI document ----------------------------------------------

class Document:
    """Our OpenAPI document, and valid bodies and queries built from its schemas."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(method, path, operation); deleting ones last, so that the others find what
        they work on."""
        found = [(method.upper(), path, operation)
                 for path, item in self.spec["paths"].items()
                 for method, operation in item.items() if method != "parameters"]
        return iter(sorted(found, key=lambda found: found[0] == "DELETE"))

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def example(self, schema: dict[str, Any], *, everything: bool) -> Any:
        """A valid value: only the required properties, or ``everything``."""
        schema = self.resolve(schema)
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            names = properties if everything else schema.get("required", [])
            value = {name: self.example(properties[name], everything=everything)
                     for name in names}
            if not properties and isinstance(schema.get("additionalProperties"), dict):
                value["kommentar"] = self.example(schema["additionalProperties"],
                                                  everything=everything)
            return value
        if kind == "array":
            return [self.example(schema.get("items", {}), everything=everything)]
        if kind == "integer":
            return schema.get("minimum", 1)
        if kind == "number":
            return max(schema.get("minimum", 0.5), min(schema.get("maximum", 0.5), 0.5))
        if kind == "boolean":
            return True
        return _text(schema)


def _text(schema: dict[str, Any]) -> str:
    formats = {"email": "leserin@example.de", "url": "http://127.0.0.1/hook",
               "uri": "http://127.0.0.1/hook", "date-time": "2026-11-25T09:30:00+00:00"}
    if schema.get("format") in formats:
        return formats[schema["format"]]
    if "pattern" in schema:  # our patterns: ids, reason codes, categories, actions
        return "kommentar"
    return "Grüße aus Görlitz, ein sachlicher Kommentar"[:schema.get("maxLength", 100)]


def leaves(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """The path and value of every scalar in ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def within(value: Any) -> list[str]:
    """A valid text with NUL or a lone surrogate in it, as raw JSON: it passes every check
    of the field but the one for storable text (a URL with NUL in its path)."""
    if not isinstance(value, str):
        return []
    return [json.dumps(value + "\x00"), json.dumps(value)[:-1] + '\\udbff"']


def short(raw: str) -> str:
    return raw if len(raw) <= 30 else f"{raw[:12]}…{raw[-12:]} ({len(raw)})"


def with_value(body: Any, path: tuple, raw: str) -> str:
    """``body`` as JSON text with the value at ``path`` replaced by the raw JSON ``raw``."""
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = SENTINEL
    return json.dumps(copy).replace(json.dumps(SENTINEL), raw)


# --- what every answer must be --------------------------------------------------------------

def problem(response) -> str | None:
    """What is wrong with an answer to a hostile request, if anything."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.get_data(as_text=True)[:200]}"
    if response.status_code >= 400:
        body = response.get_json(silent=True)
        if not (isinstance(body, dict) and set(body) == {"code", "message", "errors"}
                and isinstance(body["code"], str) and isinstance(body["message"], str)
                and body["message"] and isinstance(body["errors"], dict)):
            return f"{response.status_code} not in our error shape: {response.data[:200]!r}"
    return None


# --- the records the operations work on ----------------------------------------------------

@pytest.fixture
def records(client: FlaskClient, editor: dict[str, str], admin: dict[str, str]) -> dict:
    """An approved comment with a report, a rejected one (appealable), a webhook endpoint
    with a delivery: the ids and tokens the paths and headers need."""
    approved, rejected = submit_comment(client), submit_comment(client, "Zweiter Kommentar")
    client.post(f"{QUEUE}/{approved['id']}/approve", headers=editor, json={})
    client.post(f"{QUEUE}/{rejected['id']}/reject", headers=editor, json={})
    report = json_of(client.post(f"/v1/comments/{approved['id']}/reports", json={
        "category": "harassment", "explanation": "Das ist eine persönliche Beleidigung.",
        "good_faith": True}), 202)
    endpoint = json_of(client.post("/v1/webhooks", headers=admin,
                                   json={"url": "http://127.0.0.1/hook"}), 201)
    delivery = json_of(client.post(f"/v1/webhooks/{endpoint['id']}/ping", headers=admin), 202)
    return {"approved": approved, "rejected": rejected, "report": report,
            "endpoint": endpoint["id"], "delivery": delivery["id"]}


def address(path: str, records: dict) -> str:
    comment = records["rejected" if path.endswith("/appeal") else "approved"]
    return (path.replace("{article_key}", ARTICLE_KEY)
            .replace("{comment_id}", comment["id"])
            .replace("{report_id}", records["report"]["id"])
            .replace("{endpoint_id}", records["endpoint"])
            .replace("{delivery_id}", records["delivery"]))


def credentials(path: str, records: dict, admin: dict[str, str]) -> dict[str, str]:
    comment = records["rejected" if path.endswith("/appeal") else "approved"]
    return {**admin, "X-Author-Token": comment["author_token"],
            "X-Report-Token": records["report"]["report_token"]}


def hostile_requests(document: Document, records: dict,
                     admin: dict[str, str]) -> Iterator[tuple[str, str, str, Any, dict]]:
    """(label, method, url, body, headers) for every operation."""
    for method, path, operation in document.operations():
        url, headers = address(path, records), credentials(path, records, admin)
        for name, body in DOCUMENTS.items():
            yield name, method, url, body, headers
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            schema = content["application/json"]["schema"]
            bodies = {json.dumps(document.example(schema, everything=everything))
                      for everything in (False, True)}
            for body in map(json.loads, bodies):
                for path_in_body, value in leaves(body):
                    for raw in [*VALUES, *within(value)]:
                        yield f"{path_in_body}={short(raw)}", method, url, \
                            with_value(body, path_in_body, raw), headers
        query = {parameter["name"]: document.example(parameter["schema"], everything=False)
                 for parameter in operation.get("parameters", []) if parameter["in"] == "query"}
        for name in query:
            for raw in CURSORS if name == "cursor" else QUERY_VALUES:
                values = {**{key: quote(str(value)) for key, value in query.items()}, name: raw}
                yield f"?{name}={short(raw)}", method, \
                    url + "?" + "&".join(f"{key}={value}" for key, value in values.items()), \
                    None, headers


def test_hostile_json_against_every_operation(app: Flask, client, records, admin, caplog):
    document = Document(client.get("/openapi.json").get_json())
    problems, sent, operations = [], 0, set()
    with caplog.at_level(logging.ERROR):
        for label, method, url, body, headers in hostile_requests(document, records, admin):
            sent += 1
            operations.add((method, url.split("?")[0]))
            try:
                found = problem(client.open(url, method=method, data=body, headers=headers,
                                            content_type="application/json" if body else None))
            except Exception as error:  # TESTING propagates what even the 500 handler failed at
                found = repr(error)[:200]
            if found:
                problems.append(f"{method} {url[:80]} [{label}]: {found}")
    assert not problems, "\n".join(problems[:30])
    assert not caplog.records, caplog.text[:3000]
    assert len(operations) >= 40 and sent > 1500, sent


# --- the rate limiter -------------------------------------------------------------------------

def test_no_hostile_body_gets_past_a_429(limited_app, caplog):
    """Each request from another network to another article: only the author's email limit
    is met, and its key function reads the body."""
    client = limited_app.test_client()
    comment = {"author_name": "Jürgen", "body": "Grüße", "author_email": "j@example.de"}

    def post(n, **body):
        return client.post(f"/v1/articles/thema-{n}/comments", content_type="application/json",
                           environ_base={"REMOTE_ADDR": f"198.51.{n}.7"}, **body)

    assert [post(n, json=comment).status_code for n in (1, 2)] == [202, 429]
    for n, (name, body) in enumerate(DOCUMENTS.items(), start=10):
        hostile = post(n, data=body)
        assert problem(hostile) is None and hostile.status_code < 500, name
        assert post(100 + n, json=comment).status_code == 429, name
    assert not [r for r in caplog.records if r.name.startswith("flask-limiter")], caplog.text
