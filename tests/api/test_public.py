"""The widget's endpoints: intake, the public thread, the author's view."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from moderation.models import Comment
from tests.support.http import ARTICLE, assert_error, post_comment
from tests.support.records import add_comment


def approve(client, editor, comment_id: str) -> None:
    response = client.post(f"/v1/moderation/comments/{comment_id}/approve", headers=editor)
    assert response.status_code == 200


def published(client, editor, body: str = "Schöner Artikel, danke!", **fields) -> str:
    comment_id = post_comment(client, body, **fields).get_json()["id"]
    approve(client, editor, comment_id)
    return comment_id


# --- POST /v1/articles/<key>/comments ------------------------------------------------------

def test_submitting_a_comment_answers_202_with_a_one_time_author_token(client):
    response = post_comment(client, "Größe und Grüße: 👍", author_email="juergen@example.de")

    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "pending"
    assert len(body["id"]) >= 20 and len(body["author_token"]) >= 30
    own = client.get(f"/v1/comments/{body['id']}",
                     headers={"X-Author-Token": body["author_token"]}).get_json()
    assert own["body"] == "Größe und Grüße: 👍"
    assert own["author_name"] == "Jürgen Müller"
    assert own["status"] == "pending"
    assert "author_email" not in own


def test_comment_ids_are_not_guessable(client):
    ids = {post_comment(client, f"Kommentar {i}").get_json()["id"] for i in range(5)}
    assert len(ids) == 5
    assert not any(comment_id.isdigit() for comment_id in ids)


def test_text_is_unicode_normalised_and_trimmed(client):
    decomposed = "Scho\u0308n\r\nund gru\u0308n\x00  "
    response = post_comment(client, decomposed, author_name=" Ka\u0308the ")
    own = client.get(f"/v1/comments/{response.get_json()['id']}",
                     headers={"X-Author-Token": response.get_json()["author_token"]}).get_json()
    assert own["body"] == "Schön\nund grün"
    assert unicodedata.is_normalized("NFC", own["body"])
    assert own["author_name"] == "Käthe"


def test_article_is_created_on_its_first_comment(client, editor):
    assert client.get("/v1/moderation/articles/neu-hier", headers=editor).status_code == 404
    post_comment(client, article_path="/v1/articles/neu-hier/comments")
    article = client.get("/v1/moderation/articles/neu-hier", headers=editor).get_json()
    assert article["moderation_mode"] == "auto" and article["comments_open"] is True
    assert article["counts"]["pending"] == 1


def test_article_keys_may_contain_slashes_and_umlauts(client, editor):
    path = "/v1/articles/2026/11/über-ß/comments"
    comment_id = post_comment(client, article_path=path).get_json()["id"]
    approve(client, editor, comment_id)
    assert [c["id"] for c in client.get(path).get_json()["comments"]] == [comment_id]


@pytest.mark.parametrize(("payload", "field"), [
    ({"author_name": "Jürgen"}, "body"),
    ({"body": "Hallo"}, "author_name"),
    ({"author_name": "Jürgen", "body": "   \n "}, "body"),
    ({"author_name": "Jürgen", "body": "x" * 5001}, "body"),
    ({"author_name": "J" * 101, "body": "Hallo"}, "author_name"),
    ({"author_name": "Jürgen", "body": "Hallo", "author_email": "kein-email"}, "author_email"),
    ({"author_name": "Jürgen", "body": "Hallo", "ip": "1.2.3.4"}, "ip"),
    ({"author_name": "Jürgen", "body": 42}, "body"),
])
def test_invalid_comments_are_refused_field_by_field(client, payload, field):
    body = assert_error(client.post(ARTICLE, json=payload), 422, "validation_failed")
    assert field in body["errors"]


def test_a_5000_character_comment_is_accepted(client):
    assert post_comment(client, "ä" * 5000).status_code == 202


def test_a_json_array_is_refused(client):
    assert_error(client.post(ARTICLE, json=[{"body": "Hallo"}]), 422, "validation_failed")


def test_malformed_json_is_a_400(client):
    response = client.post(ARTICLE, data='{"body": "Hallo', content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_non_json_bodies_are_a_415(client):
    response = client.post(ARTICLE, data={"author_name": "Jürgen", "body": "Hallo"})
    assert_error(response, 415, "unsupported_media_type")
    response = client.post(ARTICLE, data='{"author_name": "J", "body": "H"}',
                           content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_oversized_requests_are_a_413(client, config):
    response = client.post(ARTICLE, data="x" * (config.max_body_bytes + 1),
                           content_type="application/json")
    assert_error(response, 413, "payload_too_large")


def test_article_keys_longer_than_200_characters_are_refused(client):
    response = post_comment(client, article_path=f"/v1/articles/{'a' * 201}/comments")
    assert "article_key" in assert_error(response, 422, "validation_failed")["errors"]


def test_comments_on_a_closed_article_are_refused(client, editor):
    client.patch("/v1/moderation/articles/ki-im-alltag", json={"comments_open": False},
                 headers=editor)
    body = assert_error(post_comment(client), 409, "comments_closed")
    assert "closed" in body["message"]


def test_a_reply_names_its_parent_and_sits_one_level_deeper(client, editor):
    parent = published(client, editor)
    reply = published(client, editor, "Stimmt genau!", parent_id=parent)
    comments = client.get(ARTICLE).get_json()["comments"]
    assert [(c["id"], c["parent_id"], c["depth"]) for c in comments] == [
        (parent, None, 0), (reply, parent, 1)]


def test_a_reply_to_a_comment_of_another_article_is_refused(client, editor):
    other = published(client, editor, article_path="/v1/articles/anderer/comments")
    response = post_comment(client, "Antwort", parent_id=other)
    assert "parent_id" in assert_error(response, 422, "validation_failed")["errors"]


def test_a_reply_to_an_unknown_or_unpublished_comment_is_refused(client):
    pending = post_comment(client).get_json()["id"]
    for parent in (pending, "gibt-es-nicht"):
        response = post_comment(client, "Antwort", parent_id=parent)
        assert "parent_id" in assert_error(response, 422, "validation_failed")["errors"]


def test_unknown_routes_and_methods_answer_in_the_error_shape(client):
    assert_error(client.get("/v1/gibt-es-nicht"), 404, "not_found")
    assert_error(client.delete(ARTICLE), 405, "method_not_allowed")


# --- GET /v1/articles/<key>/comments --------------------------------------------------------

def test_only_approved_comments_are_public_and_without_personal_data(client, editor, worker):
    visible = published(client, editor, author_email="geheim@example.de")
    rejected = post_comment(client, "Du Idiot!").get_json()["id"]
    worker.run_once()
    post_comment(client, "Noch nicht geprüft")

    page = client.get(ARTICLE).get_json()
    assert [c["id"] for c in page["comments"]] == [visible]
    assert page["total"] == 1
    comment = page["comments"][0]
    assert set(comment) == {"id", "parent_id", "depth", "author_name", "body", "created_at",
                            "erased", "reply_count", "more_replies", "replies_cursor"}
    assert comment["erased"] is False
    assert "geheim@example.de" not in client.get(ARTICLE).get_data(as_text=True)
    assert rejected not in client.get(ARTICLE).get_data(as_text=True)


def test_an_unknown_article_has_an_empty_thread(client):
    page = client.get("/v1/articles/noch-leer/comments").get_json()
    assert page == {"article": None, "comments": [], "total": 0, "next_cursor": None}


def test_threads_are_paged_by_top_level_comment_with_their_replies(client, editor, clock):
    roots = []
    for i in range(5):
        roots.append(published(client, editor, f"Kommentar {i}"))
        clock.advance(seconds=1)
    reply = published(client, editor, "Antwort auf 3", parent_id=roots[3])
    nested = published(client, editor, "Antwort auf die Antwort", parent_id=reply)

    first = client.get(f"{ARTICLE}?limit=2").get_json()
    assert [c["id"] for c in first["comments"]] == [roots[4], roots[3], reply, nested]
    assert first["total"] == 7
    second = client.get(f"{ARTICLE}?limit=2&cursor={first['next_cursor']}").get_json()
    assert [c["id"] for c in second["comments"]] == [roots[2], roots[1]]
    third = client.get(f"{ARTICLE}?limit=2&cursor={second['next_cursor']}").get_json()
    assert [c["id"] for c in third["comments"]] == [roots[0]]
    assert third["next_cursor"] is None

    oldest = client.get(f"{ARTICLE}?order=oldest&limit=10").get_json()["comments"]
    assert [c["id"] for c in oldest] == [*roots[:4], reply, nested, roots[4]]


def test_a_reply_disappears_while_its_parent_is_not_public(client, editor):
    parent = published(client, editor)
    reply = published(client, editor, "Antwort", parent_id=parent)
    client.post(f"/v1/moderation/comments/{parent}/reject", headers=editor)
    assert client.get(ARTICLE).get_json()["comments"] == []
    approve(client, editor, parent)
    assert [c["id"] for c in client.get(ARTICLE).get_json()["comments"]] == [parent, reply]


def test_etag_answers_304_until_the_public_thread_changes(client, editor):
    published(client, editor)
    first = client.get(ARTICLE)
    etag = first.headers["ETag"]
    assert client.get(ARTICLE, headers={"If-None-Match": etag}).status_code == 304

    pending = post_comment(client, "Neu").get_json()["id"]
    assert client.get(ARTICLE, headers={"If-None-Match": etag}).status_code == 304
    approve(client, editor, pending)
    changed = client.get(ARTICLE, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert client.get(f"{ARTICLE}?limit=1", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "order=zufällig", "cursor=kaputt",
                                   "cursor=W10", "replies=-1", "replies=51"])
def test_bad_list_parameters_are_refused(client, query):
    assert_error(client.get(f"{ARTICLE}?{query}"), 422, "validation_failed")


def long_thread(database, clock, replies: int) -> str:
    """A published top-level comment with ``replies`` published replies, some nested."""
    with database.transaction() as session:
        root = add_comment(session, clock(), body="Worüber alle reden")
        parents = [root]
        for i in range(replies):
            clock.advance(seconds=1)
            parents.append(add_comment(session, clock(), body=f"Antwort {i}",
                                       parent=parents[i // 3]))
        return root.public_id


def test_a_long_thread_gives_a_bounded_page_and_its_replies_page_by_page(client, database,
                                                                        clock):
    root_id = long_thread(database, clock, 551)

    page = client.get(f"{ARTICLE}?limit=1").get_json()
    assert len(page["comments"]) == 1 + 3  # was 552: the whole reply tree came along
    root = page["comments"][0]
    assert (root["id"], root["reply_count"], root["more_replies"]) == (root_id, 551, 548)
    assert page["total"] == 552

    seen, cursor = [c["id"] for c in page["comments"][1:]], root["replies_cursor"]
    while cursor:
        more = client.get(f"{ARTICLE}/{root_id}/replies?limit=200&cursor={cursor}").get_json()
        assert len(more["comments"]) <= 200
        seen += [c["id"] for c in more["comments"]]
        assert more["more_replies"] == 551 - len(seen)
        cursor = more["next_cursor"]
    assert len(seen) == len(set(seen)) == 551
    depths = [c["depth"] for c in more["comments"]]
    assert max(depths) > 1  # nested replies come along, each naming its parent


def test_the_replies_of_a_comment_answer_304_until_the_thread_changes(client, editor):
    parent = published(client, editor)
    published(client, editor, "Erste Antwort", parent_id=parent)
    replies = f"{ARTICLE}/{parent}/replies"
    first = client.get(replies)
    assert [c["body"] for c in first.get_json()["comments"]] == ["Erste Antwort"]
    assert first.headers["Cache-Control"] == (
        "public, max-age=0, s-maxage=10, stale-while-revalidate=30")
    etag = first.headers["ETag"]
    assert client.get(replies, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"{replies}?limit=1", headers={"If-None-Match": etag}).status_code == 200

    published(client, editor, "Zweite Antwort", parent_id=parent)
    changed = client.get(replies, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert [c["body"] for c in changed.get_json()["comments"]] == [
        "Erste Antwort", "Zweite Antwort"]


def test_replies_of_an_unpublished_or_unknown_comment_are_not_found(client, editor):
    pending = post_comment(client).get_json()["id"]
    elsewhere = published(client, editor, article_path="/v1/articles/anderer/comments")
    for comment_id in (pending, elsewhere, "gibt-es-nicht"):
        assert_error(client.get(f"{ARTICLE}/{comment_id}/replies"), 404, "not_found")


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "cursor=kaputt", "cursor=W10"])
def test_bad_reply_parameters_are_refused(client, editor, query):
    parent = published(client, editor)
    assert_error(client.get(f"{ARTICLE}/{parent}/replies?{query}"), 422, "validation_failed")


def test_unknown_list_parameters_such_as_cache_busters_are_ignored(client):
    assert client.get(f"{ARTICLE}?_=1732528200").status_code == 200


# --- GET /v1/comments/<id> -------------------------------------------------------------------

def test_the_author_follows_their_comment_through_moderation(client, editor, worker):
    submitted = post_comment(client, "Das ist dumm gelaufen").get_json()
    headers = {"X-Author-Token": submitted["author_token"]}
    worker.run_once()
    assert client.get(f"/v1/comments/{submitted['id']}", headers=headers).get_json()[
        "status"] == "review"
    approve(client, editor, submitted["id"])
    assert client.get(f"/v1/comments/{submitted['id']}", headers=headers).get_json()[
        "status"] == "approved"


@pytest.mark.parametrize("headers", [{}, {"X-Author-Token": "falsch"}])
def test_without_the_right_token_the_comment_is_not_found(client, headers):
    comment_id = post_comment(client).get_json()["id"]
    assert_error(client.get(f"/v1/comments/{comment_id}", headers=headers), 404, "not_found")


def test_another_comments_token_does_not_open_a_comment(client):
    first = post_comment(client).get_json()
    second = post_comment(client, "Zweiter").get_json()
    response = client.get(f"/v1/comments/{first['id']}",
                          headers={"X-Author-Token": second["author_token"]})
    assert_error(response, 404, "not_found")


# --- CORS and headers ------------------------------------------------------------------------

def test_cors_is_granted_to_configured_origins_on_public_routes_only(client, editor):
    origin = {"Origin": "https://blog.example.de"}
    assert client.get(ARTICLE, headers=origin).headers[
        "Access-Control-Allow-Origin"] == "https://blog.example.de"
    preflight = client.options(ARTICLE, headers={
        **origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]

    stranger = client.get(ARTICLE, headers={"Origin": "https://boese.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers
    queue = client.get("/v1/moderation/comments", headers={**editor, **origin})
    assert "Access-Control-Allow-Origin" not in queue.headers


def test_every_response_carries_security_headers(client):
    refused = client.post(ARTICLE, data="<b>Grüße</b>", content_type="text/html")
    for response in (client.get(ARTICLE), client.get("/v1/nirgends"), refused):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; " \
                                                             "frame-ancestors 'none'"


def test_the_openapi_document_describes_every_route(client):
    spec = client.get("/openapi.json").get_json()
    assert {"/v1/articles/{article_key}/comments", "/v1/comments/{comment_id}",
            "/v1/moderation/comments", "/v1/moderation/comments/bulk",
            "/healthz", "/readyz"} <= set(spec["paths"])
    summary = spec["paths"]["/v1/articles/{article_key}/comments"]["post"]["summary"]
    assert summary.startswith("Submit a comment")


def test_the_openapi_document_states_how_big_a_thread_page_can_get(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    thread = {p["name"]: p for p in paths["/v1/articles/{article_key}/comments"]["get"]
              ["parameters"]}
    assert (thread["limit"]["schema"]["maximum"], thread["replies"]["schema"]["maximum"]) == (
        200, 50)
    assert "at most 200 comments, replies included" in thread["limit"]["description"]
    replies = paths["/v1/articles/{article_key}/comments/{comment_id}/replies"]["get"]
    assert {p["name"]: p["schema"].get("maximum") for p in replies["parameters"]
            if p["in"] == "query"} == {"cursor": None, "limit": 200}


def test_nul_characters_in_urls_are_refused_not_a_500(client, editor):
    assert_error(client.get("/v1/comments/abc%00def"), 400, "bad_request")
    assert_error(client.get(f"{ARTICLE}?order=newest%00"), 400, "bad_request")
    assert_error(client.get("/v1/moderation/comments/x%00", headers=editor), 400,
                 "bad_request")
    body = assert_error(client.post("/v1/moderation/comments/bulk", headers=editor,
                                    json={"ids": ["ab\x00c"], "action": "reject"}),
                        422, "validation_failed")
    assert "ids" in body["errors"]


@pytest.mark.parametrize("payload", [
    "<script>alert('XSS')</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(document.cookie)",
    "\"><svg/onload=alert(1)>",
])
def test_markup_round_trips_as_inert_plain_text(client, editor, payload):
    comment_id = published(client, editor, f"Kommentar mit {payload}")
    response = client.get(ARTICLE)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [comment] = response.get_json()["comments"]
    assert comment["id"] == comment_id
    assert comment["body"] == f"Kommentar mit {payload}"  # stored as typed, never as HTML


# --- the page the widget is on ----------------------------------------------------------------

PAGE = "https://blog.example.de/2026/12/ki-im-alltag.html"  # the test config's one origin


def article_of(client, editor) -> dict:
    return client.get("/v1/moderation/articles/ki-im-alltag", headers=editor).get_json()


def test_an_article_takes_title_and_link_from_the_page_the_widget_is_on(client, editor):
    post_comment(client, article_title="KI im Alltag: Was Künstliche Intelligenz schon kann",
                 article_url=PAGE)
    article = article_of(client, editor)
    assert (article["title"], article["url"]) == (
        "KI im Alltag: Was Künstliche Intelligenz schon kann", PAGE)

    # Later pages never overwrite it: what the CMS or an editor set, or the first page said.
    post_comment(client, "Noch einer", article_title="Anderer Titel",
                 article_url="https://blog.example.de/anders")
    later = article_of(client, editor)
    assert (later["title"], later["url"]) == (article["title"], PAGE)


def test_an_existing_article_without_a_title_takes_the_page_s_with_the_comment(
        client, editor, database):
    """The article exists, so the comment is the POST's first write: the adoption is
    written with it, in one transaction, and the comment once."""
    assert post_comment(client, "Erster ohne Seite").status_code == 202
    assert post_comment(client, "Zweiter von der Seite", article_title="KI im Alltag",
                        article_url=PAGE).status_code == 202
    article = article_of(client, editor)
    assert (article["title"], article["url"]) == ("KI im Alltag", PAGE)
    with database.session(read_only=True) as session:
        assert sorted(session.scalars(select(Comment.body))) == [
            "Erster ohne Seite", "Zweiter von der Seite"]


def test_a_link_off_the_widgets_origins_is_not_adopted(client, editor):
    post_comment(client, article_title="KI im Alltag", article_url="https://phishing.example/ki")
    article = article_of(client, editor)
    assert (article["title"], article["url"]) == ("KI im Alltag", None)


def test_page_details_are_checked_like_every_field(client):
    refused = assert_error(post_comment(client, article_url="javascript:alert(1)"), 422,
                           "validation_failed")
    assert "article_url" in refused["errors"]
    assert_error(post_comment(client, article_title="T" * 301), 422, "validation_failed")


def test_a_new_title_is_a_new_public_thread(client, editor):
    published(client, editor)
    etag = client.get(ARTICLE).headers["ETag"]
    client.patch("/v1/moderation/articles/ki-im-alltag", headers=editor,
                 json={"title": "KI im Alltag – aktualisiert"})
    changed = client.get(ARTICLE, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["article"]["title"] == "KI im Alltag – aktualisiert"
