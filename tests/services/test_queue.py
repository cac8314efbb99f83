"""The review queue's text search at the service level: German case folding on both
databases, wildcards taken literally, and the search combined with views and pages."""

from __future__ import annotations

import pytest

from moderation.domain import CommentStatus
from moderation.services import queue
from tests.support.records import add_comment, add_report

REVIEW = CommentStatus.REVIEW


def found(database, text: str, view: str = "review", sort: str = "oldest",
          limit: int = 50) -> list[str]:
    """The bodies of every comment the search finds, page after page."""
    bodies, cursor = [], None
    while True:
        with database.transaction() as session:
            page = queue.view(session, view, queue.QueueFilter(text=text), sort=sort,
                              cursor=cursor, limit=limit)
        bodies += [comment.body for comment in page.comments]
        if page.next_cursor is None:
            return bodies
        cursor = page.next_cursor


def held(database, clock, *bodies: str, **fields) -> None:
    with database.transaction() as session:
        for body in bodies:
            clock.advance(seconds=1)
            add_comment(session, clock(), body=body, status=REVIEW, **fields)


@pytest.mark.parametrize("text", ["ärger", "ÄRGER", "Ärger", "ärGer"])
def test_umlauts_are_found_whatever_their_case(database, clock, text):
    held(database, clock, "So ein Ärger mit der Baustelle", "ÄRGERLICH, wirklich",
         "Kein Grund zur Sorge")
    assert found(database, text) == ["So ein Ärger mit der Baustelle", "ÄRGERLICH, wirklich"]


@pytest.mark.parametrize("text", ["STRASSE", "strasse", "Straße", "STRAẞE"])
def test_sharp_s_and_ss_find_each_other(database, clock, text):
    held(database, clock, "Die Straße ist gesperrt", "STRASSENBAHN fährt wieder",
         "Ein Strauß Blumen")
    assert found(database, text) == ["Die Straße ist gesperrt", "STRASSENBAHN fährt wieder"]


def test_the_authors_name_is_searched_too(database, clock):
    held(database, clock, "Erster Kommentar", author_name="Jürgen Müller")
    held(database, clock, "Zweiter Kommentar", author_name="Käthe Schulz")
    held(database, clock, "Ich stimme Herrn Müller zu", author_name="Anna")
    assert found(database, "MÜLLER") == ["Erster Kommentar", "Ich stimme Herrn Müller zu"]


@pytest.mark.parametrize(("text", "hits"), [
    ("100%", ["100% sicher"]),
    ("a_b", ["a_b im Text"]),
    ("\\", ["C:\\Pfad"]),
    ("%", ["100% sicher"]),
])
def test_wildcards_in_the_search_are_plain_characters(database, clock, text, hits):
    held(database, clock, "100% sicher", "100 Prozent sicher", "a_b im Text", "axb im Text",
         "C:\\Pfad", "C:Pfad")
    assert found(database, text) == hits


def test_the_search_narrows_the_view_it_is_given(database, clock):
    with database.transaction() as session:
        add_comment(session, clock(), body="Ärger, aber freigegeben")
        reported = add_comment(session, clock(), body="Ärger, gemeldet")
        add_report(session, reported, clock())
        reported.open_reports = 1
        add_comment(session, clock(), body="Gemeldet, aber harmlos", open_reports=1)
    held(database, clock, "Ärger in der Prüfung")
    assert found(database, "ärger") == ["Ärger in der Prüfung"]
    assert found(database, "ärger", view="reported") == ["Ärger, gemeldet"]
    assert sorted(found(database, "ärger", view="all")) == [
        "Ärger in der Prüfung", "Ärger, aber freigegeben", "Ärger, gemeldet"]


@pytest.mark.parametrize("sort", ["risk", "oldest", "newest"])
def test_search_results_are_paged_like_the_queue(database, clock, sort):
    held(database, clock, *(f"Ärger Nummer {i}" for i in range(7)), "Nichts davon")
    hits = found(database, "ärger", sort=sort, limit=2)
    assert sorted(hits) == [f"Ärger Nummer {i}" for i in range(7)]
