"""Small helpers for API tests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

ARTICLE = "/v1/articles/ki-im-alltag/comments"
QUEUE = "/v1/moderation/comments"


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


def json_of(response: TestResponse, status: int = 200) -> Any:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def submit_comment(client: FlaskClient, body: str = "Schöner Artikel, danke!",
              **fields: Any) -> dict[str, Any]:
    """A comment the service accepted: its ``id``, ``status`` and ``author_token``."""
    return json_of(post_comment(client, body, **fields), 202)


def author_view(client: FlaskClient, comment: dict[str, Any]) -> dict[str, Any]:
    """The author's view of a comment they submitted, asked for with its token."""
    return json_of(client.get(f"/v1/comments/{comment['id']}",
                              headers={"X-Author-Token": comment["author_token"]}))


def editor_view(client: FlaskClient, headers: dict[str, str], comment_id: str) -> dict[str, Any]:
    """One comment as an editor sees it: history, reports, appeal."""
    return json_of(client.get(f"{QUEUE}/{comment_id}", headers=headers))
