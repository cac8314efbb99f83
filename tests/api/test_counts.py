"""GET /v1/counts: published comments per article for count.js, cacheable."""

from __future__ import annotations

from tests.api.test_public import published
from tests.support.http import assert_error, json_of, post_comment

COUNTS = "/v1/counts"


def test_counts_published_comments_and_replies_per_article(client, editor):
    first = published(client, editor, "Schöner Artikel, danke!")
    published(client, editor, "Größe zählt nicht.", parent_id=first)
    post_comment(client, "Noch nicht geprüft, also nicht gezählt.")

    answer = json_of(client.get(f"{COUNTS}?article=ki-im-alltag&article=bahnstreik-2026"))

    assert answer == {"counts": {"ki-im-alltag": 2, "bahnstreik-2026": 0}}


def test_erased_and_rejected_comments_are_not_counted(client, editor, admin):
    published(client, editor, "Bleibt stehen.")
    rejected = published(client, editor, "Wird wieder abgelehnt.")
    assert client.post(f"/v1/moderation/comments/{rejected}/reject", headers=editor,
                       json={"reason_code": "off_topic"}).status_code == 200
    published(client, editor, "Wird gelöscht.", author_email="jana@example.de")
    assert client.post("/v1/admin/privacy/erase", headers=admin,
                       json={"email": "jana@example.de"}).status_code == 200

    counts = json_of(client.get(f"{COUNTS}?article=ki-im-alltag"))["counts"]

    assert counts == {"ki-im-alltag": 1}


def test_the_answer_is_cacheable_and_revalidates_until_a_comment_is_published(client, editor):
    first = client.get(f"{COUNTS}?article=ki-im-alltag")
    assert first.headers["Cache-Control"] == (
        "public, max-age=60, s-maxage=10, stale-while-revalidate=30")
    etag = first.headers["ETag"]

    assert client.get(f"{COUNTS}?article=ki-im-alltag",
                      headers={"If-None-Match": etag}).status_code == 304
    published(client, editor)
    changed = client.get(f"{COUNTS}?article=ki-im-alltag", headers={"If-None-Match": etag})

    assert changed.status_code == 200
    assert changed.get_json()["counts"]["ki-im-alltag"] == 1


def test_the_widgets_origin_may_read_the_counts(client):
    response = client.get(f"{COUNTS}?article=ki-im-alltag",
                          headers={"Origin": "https://blog.example.de"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://blog.example.de"


def test_at_least_one_and_at_most_50_articles(client):
    assert_error(client.get(COUNTS), 422, "validation_failed")
    query = "&".join(f"article=artikel-{number}" for number in range(51))
    body = assert_error(client.get(f"{COUNTS}?{query}"), 422, "validation_failed")
    assert "article" in body["errors"]
    fifty = "&".join(f"article=artikel-{number}" for number in range(50))
    assert len(json_of(client.get(f"{COUNTS}?{fifty}"))["counts"]) == 50


def test_an_article_key_too_long_is_refused(client):
    body = assert_error(client.get(f"{COUNTS}?article={'x' * 201}"), 422, "validation_failed")
    assert "article" in body["errors"]
