"""Small helpers for API tests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

ARTICLE = "/v1/articles/ki-im-alltag/comments"


def post_comment(client: FlaskClient, body: str = "Schöner Artikel, danke!",
                 article_path: str = ARTICLE, **fields: Any) -> TestResponse:
    payload = {"author_name": "Jürgen Müller", "body": body, **fields}
    return client.post(article_path, json=payload)


def assert_error(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    """The one error shape every endpoint answers with."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    return body
