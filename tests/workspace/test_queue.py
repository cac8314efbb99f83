"""The queue page and its poll: access, views and counts, filters, order, pages, the
comment rows as an editor reads them, and arrivals since the page was drawn."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from moderation.domain import CommentStatus
from moderation.services.articles import update_article
from tests.support.records import add_appeal, add_report, comment_by_id
from tests.workspace.desk import held

QUEUE = "/redaktion/warteschlange"
STATE = "/redaktion/api/warteschlange/stand"
JSON = {"Accept": "application/json"}


def ids_on(page) -> list[str]:
    return re.findall(r'<li class="queue-item" data-id="([^"]+)"', page.get_data(as_text=True))


def count_of(page, view: str) -> int:
    found = re.search(rf'data-count="{view}">(\d+)<', page.get_data(as_text=True))
    assert found, f"no count for {view}"
    return int(found.group(1))


# --- access ---------------------------------------------------------------------------------

def test_nobody_signed_in_is_sent_to_sign_in_and_brought_back(client):
    answer = client.get(f"{QUEUE}?status=reported")

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/redaktion/anmelden?weiter=")
    assert "warteschlange" in answer.headers["Location"]


def test_the_poll_answers_a_fetch_without_session_with_json_401(client):
    answer = client.get(f"{STATE}?since=2026-11-25T09:00:00Z", headers=JSON)

    assert answer.status_code == 401
    assert set(answer.get_json()) == {"code", "message", "errors"}


def test_an_editor_finds_the_queue_in_the_navigation_and_on_the_start_page(editor_browser):
    start = editor_browser.get("/redaktion/")

    assert start.status_code == 302 and start.headers["Location"].endswith(QUEUE)
    page = editor_browser.get(QUEUE)
    assert page.status_code == 200
    assert f'<a href="{QUEUE}" aria-current="page">Warteschlange</a>' in page.get_data(
        as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


# --- rows -----------------------------------------------------------------------------------

def test_a_row_says_who_when_where_why_and_shows_the_evidence(editor_browser, database,
                                                              clock):
    with database.transaction() as session:
        update_article(session, "ki-im-alltag", {"title": "KI im Alltag"}, clock())
    held(database, clock, "Du bist ein Idiot.", score=0.93, author_name="Kalle Größe",
         reason="banned_word",
         explanation={"reasons": [{"code": "banned_word", "level": "reject", "detail": "…"},
                                  {"code": "score_above_review", "level": "review",
                                   "detail": "…"}],
                      "words": [{"term": "idiot", "kind": "banned", "start": 12, "end": 17,
                                 "matched": "Idiot"}]})

    html = editor_browser.get(QUEUE).get_data(as_text=True)

    assert "Kalle Größe" in html
    assert '<time datetime="2026-11-25T09:30:01+00:00">25.11.2026, 10:30</time>' in html
    assert "KI im Alltag" in html
    assert '<span class="reason">Gesperrter Begriff</span>' in html
    assert '<span class="reason">Bewertung über der Prüfschwelle</span>' in html
    assert "toxische Sprache 0,93" in html
    assert 'Du bist ein <mark class="evidence evidence-banned">Idiot</mark>.' in html


def test_times_are_berlin_time_in_summer_too(editor_browser, database, clock):
    clock.now = datetime(2026, 7, 1, 20, 59, 59, tzinfo=UTC)  # held a second later
    held(database, clock)

    assert "01.07.2026, 23:00" in editor_browser.get(QUEUE).get_data(as_text=True)


def test_html_in_a_comment_is_shown_as_text(editor_browser, database, clock):
    body = '<script>alert("x")</script><b onclick="x()">fett</b> Idiot'
    start = body.index("Idiot")
    held(database, clock, body, explanation={"words": [{"term": "idiot", "kind": "banned",
                                                        "start": start, "end": start + 5}]})

    html = editor_browser.get(QUEUE).get_data(as_text=True)

    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b onclick=" in html
    assert "<script>alert" not in html and "<b onclick" not in html
    assert '<mark class="evidence evidence-banned">Idiot</mark>' in html


def test_a_long_comment_shows_an_excerpt_and_the_whole_text_on_request(editor_browser,
                                                                       database, clock):
    held(database, clock, "Anfang " + "Wort " * 100 + "Ende")

    html = editor_browser.get(QUEUE).get_data(as_text=True)

    assert "Wort…</p>" in html
    assert "<summary>Ganzer Text</summary>" in html and "Ende</p>" in html


# --- views and counts -----------------------------------------------------------------------

def test_each_view_lists_its_comments_and_the_tabs_count_them(editor_browser, database,
                                                              clock):
    plain = held(database, clock, "Zurückgehalten")
    reported = held(database, clock, "Gemeldet", status=CommentStatus.APPROVED)
    appealed = held(database, clock, "Widersprochen", reason="appealed")
    with database.transaction() as session:
        report = add_report(session, comment_by_id(session, reported), clock(),
                            explanation="Das ist eine Beleidigung meiner Nachbarin.",
                            legal_provision="§ 185 StGB")
        report.category = "harassment"
        report.comment.open_reports = 1
        add_appeal(session, comment_by_id(session, appealed), clock(),
                   explanation="Das war Satire, bitte noch einmal prüfen.")

    review = editor_browser.get(QUEUE)
    assert sorted(ids_on(review)) == sorted([plain, appealed])
    assert (count_of(review, "review"), count_of(review, "reported"),
            count_of(review, "appealed")) == (2, 1, 1)

    reported_page = editor_browser.get(f"{QUEUE}?status=reported").get_data(as_text=True)
    assert ids_on_text(reported_page) == [reported]
    assert "<strong>Belästigung</strong> (§ 185 StGB): Das ist eine Beleidigung" in reported_page

    appealed_page = editor_browser.get(f"{QUEUE}?status=appealed").get_data(as_text=True)
    assert ids_on_text(appealed_page) == [appealed]
    assert "Das war Satire, bitte noch einmal prüfen." in appealed_page

    everything = editor_browser.get(f"{QUEUE}?status=all").get_data(as_text=True)
    assert sorted(ids_on_text(everything)) == sorted([plain, reported, appealed])
    assert "Veröffentlicht" in everything


def ids_on_text(html: str) -> list[str]:
    return re.findall(r'<li class="queue-item" data-id="([^"]+)"', html)


def test_an_empty_view_says_so(editor_browser):
    html = editor_browser.get(QUEUE).get_data(as_text=True)

    assert "Diese Ansicht ist leer." in html
    assert "data-queue " not in html


# --- filters, order, pages ------------------------------------------------------------------

def test_the_search_finds_text_and_author_name_case_insensitively(editor_browser, database,
                                                                  clock):
    in_text = held(database, clock, "So ein ÄRGER mit der Baustelle")
    in_name = held(database, clock, "Nichts dazu", author_name="Ärger-Fan")
    held(database, clock, "Kein Treffer")

    assert sorted(ids_on(editor_browser.get(f"{QUEUE}?q=ärger"))) == sorted([in_text, in_name])


def test_filters_by_article_reason_and_score_range(editor_browser, database, clock):
    low = held(database, clock, score=0.2)
    high = held(database, clock, score=0.8, reason="banned_word")
    elsewhere = held(database, clock, score=0.8, article_key="bahnstreik")

    assert ids_on(editor_browser.get(f"{QUEUE}?article=bahnstreik")) == [elsewhere]
    assert ids_on(editor_browser.get(f"{QUEUE}?reason=banned_word")) == [high]
    assert sorted(ids_on(editor_browser.get(f"{QUEUE}?score_min=0.5"))) == sorted(
        [high, elsewhere])
    assert ids_on(editor_browser.get(f"{QUEUE}?category=insult&score_max=0.15")) == [low]
    page = editor_browser.get(f"{QUEUE}?score_min=0.5&article=bahnstreik&q=")
    assert ids_on(page) == [elsewhere]
    assert count_of(page, "review") == 1, "the counts are those of the filtered view"


def test_days_run_from_midnight_to_midnight_in_berlin(editor_browser, database, clock):
    signed_in_at = clock()
    clock.now = datetime(2026, 11, 24, 22, 59, tzinfo=UTC)  # 23:59 in Berlin, the 24th
    day_before = held(database, clock)
    clock.now = datetime(2026, 11, 24, 23, 0, 30, tzinfo=UTC)  # 00:00 in Berlin, the 25th
    that_day = held(database, clock)
    clock.now = datetime(2026, 11, 25, 23, 0, 30, tzinfo=UTC)  # the 26th in Berlin
    day_after = held(database, clock)
    clock.now = signed_in_at  # within the session's lifetime

    assert ids_on(editor_browser.get(f"{QUEUE}?from=2026-11-25&to=2026-11-25")) == [that_day]
    assert sorted(ids_on(editor_browser.get(f"{QUEUE}?to=2026-11-24"))) == [day_before]
    assert ids_on(editor_browser.get(f"{QUEUE}?from=2026-11-26")) == [day_after]


def test_sorted_by_risk_or_by_age(editor_browser, database, clock):
    first = held(database, clock, score=0.4)
    riskiest = held(database, clock, score=0.9)
    last = held(database, clock, score=0.6)

    assert ids_on(editor_browser.get(QUEUE)) == [riskiest, last, first]
    assert ids_on(editor_browser.get(f"{QUEUE}?sort=oldest")) == [first, riskiest, last]
    assert ids_on(editor_browser.get(f"{QUEUE}?sort=newest")) == [last, riskiest, first]


def test_load_more_follows_the_keyset_and_keeps_the_filters(editor_browser, database, clock):
    found = [held(database, clock, f"Kommentar {n} Treffer") for n in range(5)]
    held(database, clock, "Anderes")

    seen, url = [], f"{QUEUE}?sort=oldest&q=treffer&limit=2"
    while url:
        html = editor_browser.get(url).get_data(as_text=True)
        seen += ids_on_text(html)
        more = re.search(r'<a class="button button-quiet" href="([^"]+)" data-more>', html)
        url = more.group(1).replace("&amp;", "&") if more else None
        if url:
            assert "q=treffer" in url and "cursor=" in url
    assert seen == found


@pytest.mark.parametrize("query", [
    "score_min=2", "score_min=0.9&score_max=0.1", "from=gestern", "from=2026-11-26&to=2026-11-25",
    "status=nonsense", "sort=random", "category=rudeness", "cursor=nicht-unser", "limit=0",
    f"q={'x' * 201}", "reason=" + "x" * 65, "article=" + "a" * 201, "q=%00",
])
def test_a_filter_the_server_cannot_take_is_marked_never_a_500(editor_browser, query):
    answer = editor_browser.get(f"{QUEUE}?{query}")

    assert answer.status_code in {400, 422}
    if answer.status_code == 422:
        html = answer.get_data(as_text=True)
        assert 'class="field-error"' in html or "notice-error" in html


def test_empty_fields_of_the_form_are_not_filled_in(editor_browser, database, clock):
    comment = held(database, clock)

    query = "status=review&q=&article=&reason=&category=&score_min=&score_max=&from=&to="
    assert ids_on(editor_browser.get(f"{QUEUE}?{query}&sort=risk")) == [comment]


# --- the poll -------------------------------------------------------------------------------

def test_the_poll_counts_what_arrived_since_the_page_was_drawn(editor_browser, database,
                                                               clock):
    held(database, clock, "Schon da")
    page = editor_browser.get(QUEUE).get_data(as_text=True)
    drawn_at = re.search(r'data-drawn-at="([^"]+)"', page).group(1)

    clock.advance(seconds=5)
    held(database, clock, "Neu und passend")
    held(database, clock, "Neu, anderer Artikel", article_key="bahnstreik")
    state = editor_browser.get(STATE, query_string={"since": drawn_at}, headers=JSON)

    assert state.status_code == 200
    body = state.get_json()
    assert body["arrived"] == 2
    assert body["counts"]["review"] == 3
    narrowed = editor_browser.get(STATE, headers=JSON, query_string={
        "since": drawn_at, "article": "bahnstreik"}).get_json()
    assert (narrowed["arrived"], narrowed["counts"]["review"]) == (1, 1)
    assert state.headers["Cache-Control"] == "no-store"


def test_reports_and_appeals_arriving_count_for_their_views(editor_browser, database, clock):
    reported = held(database, clock, status=CommentStatus.APPROVED)
    since = (clock() + timedelta(seconds=1)).isoformat()
    clock.advance(seconds=2)
    with database.transaction() as session:
        report = add_report(session, comment_by_id(session, reported), clock())
        report.comment.open_reports = 1

    def arrived(view: str) -> int:
        return editor_browser.get(STATE, headers=JSON, query_string={
            "since": since, "status": view}).get_json()["arrived"]

    assert (arrived("reported"), arrived("appealed"), arrived("review")) == (1, 0, 0)


@pytest.mark.parametrize("query", [{}, {"since": "gestern"}, {"since": "2026-11-25T09:00:00"},
                                   {"since": "2026-11-25T09:00:00Z", "score_min": "x"},
                                   {"since": "2026-11-25T09:00:00Z", "status": "x"}])
def test_the_poll_refuses_what_it_cannot_read_with_json_422(editor_browser, query):
    answer = editor_browser.get(STATE, query_string=query, headers=JSON)

    assert answer.status_code == 422
    body = answer.get_json()
    assert set(body) == {"code", "message", "errors"} and body["errors"]
