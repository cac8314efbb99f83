"""GET /v1/moderation/articles: the contract (shape, pages, refusals); the rules are in
tests/services/test_articles.py."""

from __future__ import annotations

import pytest

from tests.support.http import assert_error, json_of, post_comment

ARTICLES = "/v1/moderation/articles"


def comment_on(client, key: str) -> None:
    assert post_comment(client, article_path=f"/v1/articles/{key}/comments").status_code == 202


def test_articles_are_listed_with_counts_settings_and_no_store(client, editor, clock):
    comment_on(client, "2026/11/straßenbahn-köln")
    clock.advance(minutes=5)
    comment_on(client, "ki-im-alltag")
    client.patch(f"{ARTICLES}/ki-im-alltag", headers=editor,
                 json={"moderation_mode": "pre", "title": "KI im Alltag"})

    response = client.get(ARTICLES, headers=editor)
    page = json_of(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert [a["key"] for a in page["articles"]] == ["ki-im-alltag", "2026/11/straßenbahn-köln"]
    newest = page["articles"][0]
    assert set(newest) == {"key", "title", "url", "comments_open", "moderation_mode",
                           "created_at", "updated_at", "counts", "in_review",
                           "last_comment_at"}
    assert (newest["title"], newest["moderation_mode"], newest["counts"]["pending"],
            newest["in_review"]) == ("KI im Alltag", "pre", 1, 0)
    assert newest["last_comment_at"].startswith("2026-11-25T09:35:00")
    assert page["next_cursor"] is None


def test_filters_and_pages_reach_the_http_api(client, editor):
    for key in ("2026/11/a", "2026/11/b", "2026/11/c", "kultur/oper"):
        comment_on(client, key)
    first = json_of(client.get(ARTICLES, headers=editor, query_string={
        "key_prefix": "2026/11/", "sort": "key", "limit": 2}))
    assert [a["key"] for a in first["articles"]] == ["2026/11/a", "2026/11/b"]
    second = json_of(client.get(ARTICLES, headers=editor, query_string={
        "key_prefix": "2026/11/", "sort": "key", "limit": 2, "cursor": first["next_cursor"]}))
    assert [a["key"] for a in second["articles"]] == ["2026/11/c"]
    assert second["next_cursor"] is None
    found = json_of(client.get(ARTICLES, headers=editor, query_string={
        "q": "OPER", "comments_open": "true", "mode": "auto", "in_review": "false"}))
    assert [a["key"] for a in found["articles"]] == ["kultur/oper"]


def test_articles_need_an_editor_key(client):
    assert_error(client.get(ARTICLES), 401, "unauthorized")


@pytest.mark.parametrize(("query", "field"), [
    ({"sort": "zufällig"}, "sort"),
    ({"mode": "streng"}, "mode"),
    ({"in_review": "vielleicht"}, "in_review"),
    ({"comments_open": "jein"}, "comments_open"),
    ({"limit": 0}, "limit"),
    ({"limit": 201}, "limit"),
    ({"cursor": "kaputt"}, "cursor"),
    ({"q": ""}, "q"),
    ({"key_prefix": ""}, "key_prefix"),
    ({"key_prefix": "k" * 201}, "key_prefix"),
])
def test_bad_list_parameters_are_refused(client, editor, query, field):
    body = assert_error(client.get(ARTICLES, headers=editor, query_string=query), 422,
                        "validation_failed")
    assert field in body["errors"]


def test_a_cursor_of_another_sort_is_refused(client, editor):
    comment_on(client, "a")
    comment_on(client, "b")
    by_review = json_of(client.get(ARTICLES, headers=editor,
                                   query_string={"limit": 1, "sort": "review"}))
    response = client.get(ARTICLES, headers=editor, query_string={
        "limit": 1, "sort": "activity", "cursor": by_review["next_cursor"]})
    assert "cursor" in assert_error(response, 422, "validation_failed")["errors"]
