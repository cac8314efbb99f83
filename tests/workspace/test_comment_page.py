"""The comment page: the text with the evidence marked, scores against the thresholds,
the thread, the author's other comments, reports, the appeal and the whole history."""

from __future__ import annotations

import re

from moderation.domain import CommentStatus, ModerationMode
from moderation.policy import DEFAULT_THRESHOLDS
from moderation.services.articles import update_article
from moderation.services.privacy import scrub_comments
from tests.support.records import add_appeal, add_comment, add_report, comment_by_id
from tests.workspace.desk import held

PAGE = "/redaktion/kommentare/{}"


def page_of(browser, comment_id: str) -> str:
    answer = browser.get(PAGE.format(comment_id))
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def section(html: str, title_id: str) -> str:
    """The section labelled by ``title_id``."""
    found = re.search(rf'<section aria-labelledby="{title_id}".*?</section>', html, re.S)
    assert found, f"no section {title_id}"
    return found.group(0)


def test_nobody_signed_in_is_sent_to_sign_in(client, database, clock):
    comment = held(database, clock)

    answer = client.get(PAGE.format(comment))

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/redaktion/anmelden?weiter=")


def test_an_unknown_comment_is_a_german_404_page(editor_browser):
    answer = editor_browser.get(PAGE.format("gibtsnicht"))

    assert answer.status_code == 404
    assert "Diesen Kommentar gibt es nicht." in answer.get_data(as_text=True)


def test_the_text_is_marked_where_the_evidence_is_even_after_emoji(editor_browser, database,
                                                                  clock):
    body = "🙄🇩🇪 Ach je. Du e\u0301lender Idiot, verschwinde <b>sofort</b>!"
    word = body.index("Idiot")
    sentence = body.index("Du")
    comment = held(database, clock, body, explanation={
        "words": [{"term": "idiot", "kind": "banned", "start": word, "end": word + 5,
                   "matched": "Idiot"}],
        "sentences": [{"start": sentence, "end": len(body), "category": "insult",
                       "score": 0.91}]})

    html = page_of(editor_browser, comment)

    text = section(html, "text-title")
    assert ('<div class="comment-text" data-comment-text>🙄🇩🇪 Ach je. '
            '<mark class="evidence evidence-sentence">Du e\u0301lender </mark>'
            '<mark class="evidence evidence-banned">Idiot</mark>'
            '<mark class="evidence evidence-sentence">, verschwinde &lt;b&gt;sofort&lt;/b&gt;!'
            '</mark></div>') in text
    assert "am höchsten bewerteter Satz: Beleidigung 0,91" in text
    assert "gesperrter Begriff" in text


def test_scores_are_shown_as_numbers_beside_the_live_thresholds(editor_browser, database,
                                                                 clock):
    comment = held(database, clock, scores={"toxicity": 0.95, "insult": 0.62, "threat": 0.01},
                   score=0.95)

    scores = section(page_of(editor_browser, comment), "scores-title")

    rows = re.findall(r"<tr class=\"score-(\w+)\">\s*<th scope=\"row\">([^<]+)</th>\s*"
                      r"<td>([^<]+)", scores)
    assert [(level, name, value.strip()) for level, name, value in rows] == [
        ("reject", "toxische Sprache", "0,95"), ("review", "Beleidigung", "0,62"),
        ("below", "Drohung", "0,01")]
    toxicity = DEFAULT_THRESHOLDS["toxicity"]
    review, reject = (f"{value:.2f}".replace(".", ",") for value in (toxicity.review,
                                                                     toxicity.reject))
    assert f"<td>{review}</td>\n        <td>{reject}</td>" in scores
    assert 'width="95.0"' in scores and f'x1="{toxicity.review * 100:.1f}"' in scores
    assert 'aria-hidden="true"' in scores


def test_reason_article_and_history_in_plain_german(editor_browser, database, clock):
    with database.transaction() as session:
        update_article(session, "ki-im-alltag", {
            "title": "KI im Alltag", "url": "https://zeitung.example.de/ki",
            "moderation_mode": ModerationMode.PRE}, clock())
    comment = held(database, clock, reason="pre_moderation")

    html = page_of(editor_browser, comment)

    assert "Zurückgehalten – Vormoderation: jeder Kommentar wartet" in html
    assert ('<a href="https://zeitung.example.de/ki" rel="noopener noreferrer">KI im Alltag'
            '</a>') in html
    assert "Vormoderation (jeder Kommentar wartet)" in html
    history = section(html, "history-title")
    assert "API-Schlüssel anna" in history
    assert "Zurückgehalten" in history and "Entscheidung der Redaktion" in history


def test_the_thread_around_the_comment_with_erased_replies_as_tombstones(
        editor_browser, database, clock):
    with database.transaction() as session:
        parent = add_comment(session, clock(), body="Was meint ihr dazu?", author_name="Ute")
        comment = add_comment(session, clock(), body="Du bist ein Idiot.", parent=parent,
                              status=CommentStatus.REVIEW)
        add_comment(session, clock(), body="Bitte sachlich bleiben.", parent=comment,
                    author_name="Olaf")
        gone = add_comment(session, clock(), body="Geheimer Inhalt", parent=comment,
                           author_name="Wer Weg Ist", author_email="weg@example.de")
        scrub_comments(session, [gone], "erasure_request", clock())
        comment_id = comment.public_id

    thread = section(page_of(editor_browser, comment_id), "thread-title")

    assert "Was meint ihr dazu?" in thread and "Ute" in thread
    assert "Bitte sachlich bleiben." in thread and "Olaf" in thread
    assert '<p class="erased">gelöscht</p>' in thread
    assert "Geheimer Inhalt" not in thread and "Wer Weg Ist" not in thread


def test_the_authors_other_comments_are_found_by_their_email(editor_browser, database,
                                                            clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), body="Jetzt hier.", author_email="Kalle@Web.de",
                              status=CommentStatus.REVIEW).public_id
        add_comment(session, clock(), body="Früher dort.", author_email="kalle@web.de",
                    article_key="bahnstreik", status=CommentStatus.REJECTED)
        add_comment(session, clock(), body="Jemand anderes.", author_email="olaf@web.de")

    others = section(page_of(editor_browser, comment), "author-title")

    assert "Früher dort." in others and "Abgelehnt" in others and "bahnstreik" in others
    assert "Jemand anderes." not in others and "Jetzt hier." not in others


def test_without_an_email_nothing_links_the_author(editor_browser, database, clock):
    comment = held(database, clock)

    others = section(page_of(editor_browser, comment), "author-title")

    assert "Keine E-Mail-Adresse angegeben" in others


def test_open_reports_and_the_appeal_are_shown(editor_browser, database, clock):
    comment = held(database, clock, reason="appealed")
    with database.transaction() as session:
        record = comment_by_id(session, comment)
        add_report(session, record, clock(), explanation="Das ist Volksverhetzung.",
                   legal_provision="§ 130 StGB")
        add_report(session, record, clock(), explanation="Längst erledigt.").status = "dismissed"
        add_appeal(session, record, clock(), explanation="Ich habe nur zitiert.")

    html = page_of(editor_browser, comment)

    reports = section(html, "reports-title")
    assert "<strong>Hass</strong> (§ 130 StGB)" in reports
    assert "Das ist Volksverhetzung." in reports and "Längst erledigt." not in reports
    appeal = section(html, "appeal-title")
    assert "Ich habe nur zitiert." in appeal
    assert "API-Schlüssel anna" in appeal and "Stand: offen" in appeal


def test_a_rejected_comment_shows_its_statement_of_reasons(editor_browser, database, clock):
    statement = {"summary": "Ihr Kommentar wurde nicht veröffentlicht, weil …",
                 "facts": "Die Redaktion hat den Kommentar geprüft und abgelehnt.",
                 "ground": {"type": "illegal", "provision": "§ 130 StGB",
                            "explanation": "Die Redaktion hält den Kommentar für rechtswidrig "
                                           "nach § 130 StGB."},
                 "redress": {"appeal": None}}
    comment = held(database, clock, status=CommentStatus.REJECTED,
                   statement_of_reasons=statement)

    decide = section(page_of(editor_browser, comment), "decide-title")

    assert "Ihr Kommentar wurde nicht veröffentlicht, weil …" in decide
    assert "rechtswidrig nach § 130 StGB" in decide


def test_an_erased_comment_shows_nothing_of_its_content(editor_browser, database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), body="Geheim", author_name="Weg",
                              status=CommentStatus.REVIEW)
        scrub_comments(session, [comment], "erasure_request", clock())
        comment_id = comment.public_id

    html = page_of(editor_browser, comment_id)

    assert "Geheim" not in html
    assert "Dieser Kommentar wurde gelöscht" in html
    assert "data-reject-form" not in html
