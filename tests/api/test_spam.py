"""Spam signals at intake: the honeypot, the same text again; and what editors see of them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderation.models import Comment, Job
from tests.support.http import ARTICLE, editor_view

READER = "203.0.113.10"
NEIGHBOUR = "203.0.113.11"  # same network, another address: not the same sender
ELSEWHERE = "198.51.100.7"


def post_from(client, address, body="Schöner Artikel, danke!", author_name="Jürgen Müller",
              **fields):
    response = client.post(ARTICLE, json={"author_name": author_name, "body": body, **fields},
                           environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def set_mode(client, editor, mode):
    response = client.patch("/v1/moderation/articles/ki-im-alltag", headers=editor,
                            json={"moderation_mode": mode})
    assert response.status_code == 200


def queued_jobs(database):
    with database.transaction() as session:
        return session.scalars(select(Job.subject_id)).all()


# --- the honeypot --------------------------------------------------------------------------

def test_a_filled_honeypot_is_answered_like_any_comment_but_rejected_unscored(
        client, editor, database, worker, scorer):
    caught = post_from(client, READER, "Billige Uhren!", website="https://uhren.example")

    assert set(caught) == {"id", "status", "author_token", "notification"}
    assert caught["status"] == "pending"  # the bot learns nothing
    seen = editor_view(client, editor, caught["id"])
    assert seen["status"] == "rejected"
    assert seen["status_reason_code"] == "honeypot"
    assert seen["spam"] == {"honeypot": True}
    assert [r["code"] for r in seen["explanation"]["reasons"]] == ["honeypot"]
    assert queued_jobs(database) == []
    assert worker.run_once() == 0 and scorer.calls == []


def test_a_honeypot_catch_on_a_post_article_looks_published_but_is_not(client, editor):
    set_mode(client, editor, "post")
    caught = post_from(client, READER, "Billige Uhren!", website="uhren.example")

    assert caught["status"] == "approved"
    assert editor_view(client, editor, caught["id"])["status"] == "rejected"
    assert client.get(ARTICLE).get_json()["comments"] == []


@pytest.mark.parametrize("website", [None, "", "   "])
def test_an_empty_honeypot_is_no_signal(client, editor, website):
    comment = post_from(client, READER, website=website)
    seen = editor_view(client, editor, comment["id"])
    assert (seen["status"], seen["spam"]) == ("pending", None)


# --- the same text again -------------------------------------------------------------------

SAME = {"author": "derselben Person", "address": "vom selben Anschluss"}

@pytest.mark.parametrize(("first", "again", "by"), [
    ({"address": READER, "author_email": "juergen@example.de"},
     {"address": ELSEWHERE, "author_email": "Juergen@Example.DE"}, "author"),
    # Non-ASCII capitals (SQLite's lower() leaves Ü alone) and ß, which casefolds to ss.
    ({"address": READER, "author_email": "JÜRGEN.Müller@Example.DE"},
     {"address": ELSEWHERE, "author_email": "jürgen.müller@example.de"}, "author"),
    ({"address": READER, "author_email": "Straße@example.de"},
     {"address": ELSEWHERE, "author_email": "STRASSE@example.de"}, "author"),
    ({"address": READER}, {"address": READER}, "author"),
    ({"address": READER, "author_name": "Jürgen"},
     {"address": READER, "author_name": "Käthe", "author_email": "kaethe@example.de"},
     "address"),
])
def test_the_same_text_again_is_held_for_review(client, editor, worker, first, again, by):
    original = post_from(client, body="Die Größe der Straße ist ein Skandal!", **first)
    repeated = post_from(client, body="  die größe der straße\n\nIST ein Skandal! ", **again)
    worker.run_once()

    assert editor_view(client, editor, original["id"])["status"] == "approved"
    seen = editor_view(client, editor, repeated["id"])
    assert seen["status"] == "review"
    assert seen["status_reason_code"] == "duplicate_text"
    assert seen["spam"] == {"duplicate_of": original["id"], "by": by}
    reasons = seen["explanation"]["reasons"]
    assert reasons == [{"code": "duplicate_text", "level": "review",
                        "detail": f"derselbe Text wie Kommentar {original['id']} "
                                  f"{SAME[by]}"}]


def test_the_authors_own_earlier_comment_is_named_before_one_from_the_same_address(
        client, editor, worker):
    body = "Die Größe der Straße ist ein Skandal!"
    post_from(client, body=body, address=READER, author_name="Käthe")
    own = post_from(client, body=body, address=READER, author_name="Jürgen")
    again = post_from(client, body=body, address=READER, author_name="Jürgen")
    worker.run_once()
    assert editor_view(client, editor, again["id"])["spam"] == {"duplicate_of": own["id"],
                                                                "by": "author"}


def test_the_same_text_on_an_article_not_yet_known_is_a_duplicate_too(client, editor, worker):
    """The article and the earlier text are read together where the article exists; the
    first comment on an article is screened on its own."""
    body = "Die Größe der Straße ist ein Skandal!"
    original = post_from(client, body=body, address=READER)
    response = client.post("/v1/articles/neuer-artikel/comments",
                           json={"author_name": "Jürgen Müller", "body": body},
                           environ_base={"REMOTE_ADDR": READER})
    assert response.status_code == 202
    worker.run_once()
    seen = editor_view(client, editor, response.get_json()["id"])
    assert (seen["status"], seen["spam"]) == ("review", {"duplicate_of": original["id"],
                                                         "by": "author"})


@pytest.mark.parametrize(("first", "again"), [
    ({"address": READER, "author_name": "Jürgen"},
     {"address": NEIGHBOUR, "author_name": "Jürgen"}),  # same name, other address
    ({"address": READER, "author_email": "juergen@example.de"},
     {"address": ELSEWHERE, "author_email": "kaethe@example.de"}),
])
def test_the_same_text_from_someone_else_is_no_duplicate(client, editor, worker, first, again):
    post_from(client, body="Dem kann ich nur zustimmen.", **first)
    other = post_from(client, body="Dem kann ich nur zustimmen.", **again)
    worker.run_once()
    seen = editor_view(client, editor, other["id"])
    assert (seen["status"], seen["spam"]) == ("approved", None)


def test_other_text_from_the_same_author_is_no_duplicate(client, editor, worker):
    post_from(client, READER, "Erster Gedanke.")
    second = post_from(client, READER, "Zweiter Gedanke.")
    worker.run_once()
    assert editor_view(client, editor, second["id"])["spam"] is None


def test_the_same_text_after_the_window_is_no_duplicate(client, editor, worker, clock, config):
    post_from(client, READER, "Guten Morgen zusammen!")
    clock.advance(minutes=config.duplicate_window_minutes, seconds=1)
    later = post_from(client, READER, "Guten Morgen zusammen!")
    worker.run_once()
    assert editor_view(client, editor, later["id"])["status"] == "approved"


def test_the_window_spans_the_daily_change_of_address_key(client, editor, clock):
    clock.now = clock.now.replace(hour=23, minute=50)
    original = post_from(client, READER, "Kurz vor Mitternacht.")
    clock.advance(minutes=20)
    repeated = post_from(client, READER, "Kurz vor Mitternacht.", author_name="Anonym")
    assert editor_view(client, editor, repeated["id"])["spam"] == {
        "duplicate_of": original["id"], "by": "address"}


def test_on_a_post_article_a_duplicate_is_held_at_intake_not_published(
        client, editor, database, worker):
    set_mode(client, editor, "post")
    original = post_from(client, READER, "Sofort sichtbar.")
    repeated = post_from(client, READER, "Sofort sichtbar.")

    assert (original["status"], repeated["status"]) == ("approved", "review")
    assert [c["id"] for c in client.get(ARTICLE).get_json()["comments"]] == [original["id"]]
    seen = editor_view(client, editor, repeated["id"])
    assert seen["status_reason_code"] == "duplicate_text"
    assert [r["code"] for r in seen["explanation"]["reasons"]] == ["duplicate_text"]
    assert len(queued_jobs(database)) == 2  # still scored, for the editor's sake
    worker.run_once()
    assert editor_view(client, editor, repeated["id"])["status"] == "review"


def test_on_a_pre_article_the_duplicate_is_named_in_the_reasons(client, editor, worker):
    set_mode(client, editor, "pre")
    post_from(client, READER, "Alles wartet.")
    repeated = post_from(client, READER, "Alles wartet.")
    worker.run_once()
    seen = editor_view(client, editor, repeated["id"])
    assert (seen["status"], seen["status_reason_code"]) == ("review", "pre_moderation")
    assert "duplicate_text" in [r["code"] for r in seen["explanation"]["reasons"]]


def test_too_many_links_are_a_reason_editors_see(client, editor, worker):
    comment = post_from(client, READER, "Siehe https://a.example, https://b.example und "
                                        "https://c.example")
    worker.run_once()
    seen = editor_view(client, editor, comment["id"])
    assert (seen["status"], seen["status_reason_code"]) == ("review", "too_many_links")
    assert seen["explanation"]["reasons"][0]["code"] == "too_many_links"
    assert seen["explanation"]["links"] == 3


def test_only_a_keyed_hash_of_the_address_is_stored(client, editor, database):
    comment = post_from(client, READER)
    with database.transaction() as session:
        stored = session.scalar(select(Comment.client_hash)
                                .where(Comment.public_id == comment["id"]))
    assert len(stored) == 64 and READER not in stored
    assert "client_hash" not in editor_view(client, editor, comment["id"])
