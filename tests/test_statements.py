"""The statement of reasons (DSA Art. 17), built from the facts of a rejection alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from moderation.config import Config
from moderation.statements import (
    Evidence,
    Ground,
    PublisherTerms,
    Rejection,
    appeal_deadline,
    statement_of_reasons,
)

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
TERMS = PublisherTerms("Kommentarrichtlinien Nr. 3 (Beleidigungen)",
                       "https://blog.example.de/regeln", 183)
EXPLANATION = {
    "triggers": [{"category": "insult", "score": 0.95, "threshold": 0.9, "level": "reject"},
                 {"category": "toxicity", "score": 0.62, "threshold": 0.35, "level": "review"}],
    "words": [{"term": "idiot*", "kind": "banned", "start": 11, "end": 16,
               "matched": "Idiot"}],
    "reasons": [], "links": 0,
}


def rejection(**facts) -> Rejection:
    values = {"comment_id": "k0mment", "reason_code": "score_above_reject",
              "reason": "Rejected automatically: insult 0.95 ≥ 0.90.", "by_editor": False,
              "was_published": False,
              "evidence": Evidence.from_record(EXPLANATION, "compact-de@2", None)}
    return Rejection(**{**values, **facts})


def test_an_automatic_rejection_names_the_classifier_its_scores_and_the_words():
    statement = statement_of_reasons(rejection(), TERMS, NOW)

    assert statement["measure"] == "not_published"
    assert statement["automated_detection"] is True
    assert statement["automated_decision"] is True
    assert statement["automated_means"] == {
        "classifier": {"name": "compact-de", "version": "2"},
        "scores": [{"category": "insult", "score": 0.95, "threshold": 0.9, "level": "reject"},
                   {"category": "toxicity", "score": 0.62, "threshold": 0.35,
                    "level": "review"}],
        "words": [{"matched": "Idiot", "list": "banned"}],
        "checks": [],
        "targets": [],
    }
    assert statement["facts"] == (
        "Unsere automatische Prüfung hat den Kommentar abgelehnt. Festgestellt: Beleidigung: "
        "Bewertung 0,95 (Grenzwert 0,90); toxische Sprache: Bewertung 0,62 (Grenzwert 0,35); "
        "gesperrter Begriff „Idiot“.")
    assert statement["summary"] == ("Ihr Kommentar wurde nicht veröffentlicht, weil er gegen "
                                    "unsere Nutzungsbedingungen verstößt (Kommentarrichtlinien "
                                    "Nr. 3 (Beleidigungen)).")
    assert statement["decided_at"] == "2026-11-25T09:30:00+00:00"
    assert statement["comment_id"] == "k0mment"
    assert statement["reason_code"] == "score_above_reject"


def test_the_word_list_entry_itself_is_not_disclosed():
    assert "idiot*" not in str(statement_of_reasons(rejection(), TERMS, NOW))


def test_the_default_ground_is_the_publishers_terms():
    assert statement_of_reasons(rejection(), TERMS, NOW)["ground"] == {
        "type": "terms", "clause": "Kommentarrichtlinien Nr. 3 (Beleidigungen)",
        "url": "https://blog.example.de/regeln",
        "explanation": "Der Kommentar ist mit unseren Nutzungsbedingungen nicht vereinbar "
                       "(Kommentarrichtlinien Nr. 3 (Beleidigungen)).",
    }


def test_an_editor_may_name_another_clause_of_the_terms():
    statement = statement_of_reasons(
        rejection(by_editor=True, ground=Ground(clause="Nr. 5: Werbung")), TERMS, NOW)
    assert statement["ground"]["clause"] == "Nr. 5: Werbung"
    assert statement["ground"]["url"] == "https://blog.example.de/regeln"


def test_an_editor_rejection_on_illegal_content_names_the_provision():
    statement = statement_of_reasons(rejection(
        by_editor=True, reason_code="volksverhetzung",
        reason="Aufstachelung zum Hass gegen eine Bevölkerungsgruppe.",
        ground=Ground("illegal", provision="§ 130 StGB")), TERMS, NOW)

    assert statement["ground"] == {
        "type": "illegal", "provision": "§ 130 StGB",
        "explanation": "Die Redaktion hält den Kommentar für rechtswidrig nach § 130 StGB."}
    assert statement["automated_decision"] is False
    assert statement["automated_detection"] is True  # the classifier had flagged it
    assert statement["facts"].startswith("Die Redaktion hat den Kommentar geprüft und abgelehnt.")
    assert statement["facts"].endswith(
        "Begründung der Redaktion: Aufstachelung zum Hass gegen eine Bevölkerungsgruppe.")
    assert "rechtswidrig ist (§ 130 StGB)" in statement["summary"]


def test_without_automated_evidence_nothing_automated_is_claimed():
    statement = statement_of_reasons(rejection(by_editor=True, evidence=None, reason=None),
                                     TERMS, NOW)
    assert statement["automated_detection"] is False
    assert statement["automated_decision"] is False
    assert statement["automated_means"] is None
    assert statement["facts"] == "Die Redaktion hat den Kommentar geprüft und abgelehnt."


def test_a_decision_on_readers_reports_says_so():
    statement = statement_of_reasons(rejection(by_editor=True, following_notice=True), TERMS,
                                     NOW)
    assert statement["following_notice"] is True
    assert "Anlass waren Meldungen von Leserinnen und Lesern." in statement["facts"]
    assert statement_of_reasons(rejection(), TERMS, NOW)["following_notice"] is False


def test_a_published_comment_is_removed():
    statement = statement_of_reasons(rejection(was_published=True), TERMS, NOW)
    assert statement["measure"] == "removal"
    assert statement["summary"].startswith("Ihr Kommentar wurde entfernt, weil")


def test_the_redress_names_the_appeal_route_and_its_last_day():
    redress = statement_of_reasons(rejection(), TERMS, NOW)["redress"]

    assert redress["appeal"]["method"] == "POST"
    assert redress["appeal"]["path"] == "/v1/comments/k0mment/appeal"
    assert redress["appeal"]["header"] == "X-Author-Token"
    assert redress["appeal"]["until"] == "2027-05-27"
    assert "bis zum 27.05.2027" in redress["appeal"]["explanation"]
    assert "Streitbeilegungsstelle" in redress["out_of_court"]
    assert "Gerichten" in redress["courts"]


def test_after_an_appeal_no_further_appeal_is_offered():
    statement = statement_of_reasons(rejection(
        by_editor=True, appeal_reviewed=True, appealable=False, reason="Bleibt beleidigend."),
        TERMS, NOW)

    assert statement["redress"]["appeal"] is None
    assert statement["redress"]["out_of_court"] and statement["redress"]["courts"]
    assert statement["facts"].startswith("Die Redaktion hat Ihre Beschwerde geprüft und die "
                                         "Ablehnung bestätigt")
    assert statement["summary"].startswith(
        "Wir haben Ihre Beschwerde geprüft: Ihr Kommentar bleibt unveröffentlicht, weil")


def test_spam_checks_at_intake_are_automated_means():
    evidence = Evidence.from_record(None, None, {"honeypot": True})
    statement = statement_of_reasons(
        rejection(reason_code="honeypot", evidence=evidence), TERMS, NOW)

    assert statement["automated_means"] == {"classifier": None, "scores": [], "words": [],
                                            "checks": ["honeypot"], "targets": []}
    assert "verstecktes Formularfeld" in statement["facts"]


@pytest.mark.parametrize(("explanation", "spam"), [
    (None, None),
    ({"triggers": [], "words": [], "reasons": [], "links": 0}, None),
    ({"triggers": [], "words": []}, {}),
])
def test_a_record_without_findings_is_no_evidence(explanation, spam):
    assert Evidence.from_record(explanation, "compact-de@2", spam) is None


def test_a_duplicate_is_a_check_too():
    evidence = Evidence.from_record(None, None, {"duplicate_of": "abc", "by": "author"})
    assert evidence is not None and evidence.checks == ("duplicate_text",)


def test_a_ground_in_law_needs_a_provision_and_only_it_has_one():
    with pytest.raises(ValueError, match="provision"):
        Ground("illegal")
    with pytest.raises(ValueError, match="provision"):
        Ground("terms", provision="§ 185 StGB")


def test_the_appeal_period_ends_on_a_day():
    assert appeal_deadline(NOW, 183).isoformat() == "2027-05-27"
    assert appeal_deadline(datetime(2026, 12, 31, 23, 59, tzinfo=UTC), 183).isoformat() == \
        "2027-07-02"


def test_the_publishers_terms_come_from_the_configuration():
    config = Config(terms_clause="Netiquette § 2", terms_url="https://blog.example.de/netiquette",
                    appeal_days=200)
    assert PublisherTerms.of(config) == PublisherTerms(
        "Netiquette § 2", "https://blog.example.de/netiquette", 200)


def test_a_statement_is_written_in_the_publishers_language():
    english = PublisherTerms(TERMS.clause, TERMS.url, 183, language="en")
    statement = statement_of_reasons(rejection(was_published=True), english, NOW)

    assert statement["summary"] == ("Your comment was removed because it breaks our terms of "
                                    "use (Kommentarrichtlinien Nr. 3 (Beleidigungen)).")
    assert statement["facts"] == (
        "Our automated checks rejected the comment. Found: insult: score 0.95 (threshold "
        "0.90); toxic language: score 0.62 (threshold 0.35); banned term “Idiot”.")
    assert statement["redress"]["appeal"]["explanation"].startswith(
        "You may appeal against this decision until 27 May 2027,")
    assert statement["redress"]["courts"] == "You remain free to take the matter to court."
    german = statement_of_reasons(rejection(), TERMS, NOW)
    assert german["redress"]["appeal"]["explanation"].startswith(
        "Sie können bis zum 27.05.2027 Beschwerde")


def test_a_rejection_on_a_score_names_whom_the_comment_was_aimed_at():
    aimed = {**EXPLANATION, "targets": [{"kind": "addressee", "start": 0, "end": 2,
                                         "matched": "Du"}]}
    evidence = Evidence.from_record(aimed, "compact-de@2", None)
    statement = statement_of_reasons(rejection(evidence=evidence), TERMS, NOW)

    assert statement["automated_means"]["targets"] == [{"kind": "addressee", "matched": "Du"}]
    assert statement["facts"].endswith("gesperrter Begriff „Idiot“; gerichtet an „Du“.")
