"""A reader's data: exported complete, and erased without a trace but the decision record."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation import jobs
from moderation.domain import CommentStatus, Resolution
from moderation.errors import Invalid, NotFound
from moderation.models import (
    Appeal,
    AuditEvent,
    Comment,
    Job,
    Report,
    WebhookAttempt,
    WebhookDelivery,
    WebhookMessage,
)
from moderation.services import privacy, reports
from moderation.tokens import hash_token
from tests.support.locks import wait_until_blocked
from tests.support.records import (
    add_appeal,
    add_comment,
    add_delivery,
    add_endpoint,
    add_report,
    comment_by_id,
    tables_mentioning,
)

MARKER = "Quarkstrudelverschwörung"
NAME = "Lieselotte Quastenflosser"
EMAIL = "Lieselotte.Quastenflosser@Example.de"
SCORES = {"toxicity": 0.93, "insult": 0.91}
REPORT_TOKEN = "meldung-von-lieselotte"
# Non-ASCII capitals: SQLite's lower() leaves Ü alone, so only a key made in Python finds it.
JUERGEN = "JÜRGEN.Müller@Example.DE"


def statement(comment_id: str, quote: str) -> dict:
    """A statement of reasons shaped like ``moderation.statements`` makes them."""
    return {
        "comment_id": comment_id, "summary": "Ihr Kommentar wurde nicht veröffentlicht.",
        "measure": "not_published", "reason_code": "score_above_reject",
        "facts": f"Festgestellt: gesperrter Begriff „{quote}“.",
        "automated_detection": True, "automated_decision": True,
        "automated_means": {"classifier": {"name": "keyword-test", "version": "1"},
                            "scores": [{"category": "insult", "score": 0.91,
                                        "threshold": 0.9, "level": "reject"}],
                            "words": [{"matched": quote, "list": "banned"}], "checks": []},
        "ground": {"type": "terms", "clause": "Kommentarrichtlinien", "url": None},
        "redress": {"appeal": {"path": f"/v1/comments/{comment_id}/appeal"}},
        "decided_at": "2026-11-25T09:30:00+00:00",
    }


@pytest.fixture
def lieselotte(database, clock):
    """Lieselotte's comments (one approved with a reply, one rejected and appealed), a report
    she filed, others' report on her comment, and webhook traffic about all of it."""
    now = clock()
    with database.transaction() as session:
        endpoint = add_endpoint(session, now)
        approved = add_comment(
            session, now, body=f"Die {MARKER} ist überall, Grüße!", author_name=NAME,
            author_email=EMAIL, token="token-öffentlich", client_hash="ab" * 32,
            spam={"duplicate_of": 7, "by": "email"}, scores={"toxicity": 0.01},
            explanation={"words": [{"matched": MARKER, "start": 4}]})
        rejected = add_comment(
            session, now, body=f"{MARKER}! Ihr seid alle Idioten.", author_name=NAME,
            author_email=EMAIL.lower(), token="token-abgelehnt", public_id="abgelehnt",
            status=CommentStatus.REJECTED, reason=f"Zitat: „{MARKER}“", scores=SCORES,
            statement_of_reasons=statement("abgelehnt", MARKER), text_fingerprint="cd" * 32,
            details={"model": "keyword-test", "model_version": "1", "mode": "auto",
                     "scores": SCORES, "explanation": {"words": [{"matched": MARKER}]},
                     "policy": {"banned": [MARKER]},
                     "statement_of_reasons": statement("abgelehnt", MARKER)})
        reply = add_comment(session, now, parent=approved, body="Sehe ich anders.",
                            author_name="Bernd", author_email="bernd@example.de")
        add_appeal(session, rejected, now, explanation=f"Ich, {NAME}, meinte {MARKER} ironisch.")
        add_report(session, approved, now, explanation=f"„{MARKER}“ ist Hetze.",
                   decision_note=f"{MARKER} geprüft", reporter_name="Bernd",
                   reporter_email="bernd@example.de")
        hers = add_report(session, reply, now, explanation=f"Unsachlich, schreibt {NAME}.",
                          reporter_name=NAME, reporter_email=EMAIL, client_hash="cd" * 32,
                          legal_provision="§ 185 StGB", decision_note=f"Rückfrage bei {NAME}")
        hers.token_hash = hash_token(REPORT_TOKEN)
        add_delivery(session, endpoint, now, comment=approved,
                     data={"comment_id": approved.public_id, "reason": MARKER},
                     response=f"echo {MARKER} an {EMAIL}")
        add_delivery(session, endpoint, now, comment=rejected, status="pending",
                     data={"comment_id": rejected.public_id, "reason": MARKER})
        jobs.enqueue(session, jobs.SCORE_COMMENT, rejected.id, now)  # queued for a rescore
        return {"approved": approved.public_id, "rejected": rejected.public_id,
                "reply": reply.public_id, "revision": approved.article.public_revision}


# --- export -------------------------------------------------------------------------------

def test_an_export_holds_everything_about_the_reader_and_nobody_else(
        database, clock, lieselotte):
    with database.transaction() as session:
        exported = privacy.export_author(session, EMAIL.upper(), actor="key:chefin", now=clock(),
                                         address_retention_days=7)

    assert exported["identified_by"] == ["email"]
    by_id = {c["id"]: c for c in exported["comments"]}
    assert set(by_id) == {lieselotte["approved"], lieselotte["rejected"]}
    approved, rejected = by_id[lieselotte["approved"]], by_id[lieselotte["rejected"]]
    assert approved["body"] == f"Die {MARKER} ist überall, Grüße!"
    assert (approved["author_name"], approved["author_email"]) == (NAME, EMAIL)
    assert approved["article_key"] == "ki-im-alltag" and approved["status"] == "approved"
    assert approved["spam_signals"] == {"duplicate_of": 7, "by": "email"}
    assert rejected["statement_of_reasons"]["facts"].endswith(f"„{MARKER}“.")
    assert rejected["scores"] == SCORES and rejected["rejected_at"] is not None
    [event] = rejected["moderation_events"]
    assert (event["by"], event["to_status"], event["reason"]) == (
        "editor", "rejected", f"Zitat: „{MARKER}“")  # an editor, never the editor's key
    # What drove the decision; the editors' evidence view and word lists stay internal.
    assert set(event["details"]) == {"model", "model_version", "mode", "scores",
                                      "statement_of_reasons"}
    [appeal] = exported["appeals"]
    assert appeal["comment_id"] == lieselotte["rejected"] and NAME in appeal["explanation"]
    [report] = exported["reports"]
    assert (report["comment_id"], report["reporter_email"]) == (lieselotte["reply"], EMAIL)
    assert report["legal_provision"] == "§ 185 StGB"  # what she gave, all of it
    assert any("IP" in note and "7 days" in note for note in exported["not_stored"])
    assert "bernd@example.de" not in json.dumps(exported)
    # JSON through and through, umlauts intact.
    assert json.loads(json.dumps(exported, ensure_ascii=False)) == exported


def test_author_tokens_find_comments_without_an_email(database, clock, lieselotte):
    with database.transaction() as session:
        anonymous = add_comment(session, clock(), body="Ohne Adresse", author_name="L. Q.",
                                token="token-ohne-adresse").public_id
        by_token = privacy.export_author(session, None, ["token-ohne-adresse", "falsch"],
                                         actor="cli", now=clock(), address_retention_days=7)
        both = privacy.export_author(session, EMAIL, ["token-ohne-adresse"], actor="cli",
                                     now=clock(), address_retention_days=7)

    assert [c["id"] for c in by_token["comments"]] == [anonymous]
    assert by_token["reports"] == []  # reporters are known by email only
    assert {c["id"] for c in both["comments"]} == {
        anonymous, lieselotte["approved"], lieselotte["rejected"]}
    assert both["identified_by"] == ["email", "author_tokens"]


def test_an_export_is_audited_by_request_id_without_the_email(database, clock, lieselotte):
    with database.transaction() as session:
        exported = privacy.export_author(session, EMAIL, actor="key:chefin", now=clock(),
                                         address_retention_days=7)
        [entry] = session.scalars(select(AuditEvent)).all()

    assert (entry.action, entry.actor, entry.target) == (
        "privacy.exported", "key:chefin", f"request:{exported['request_id']}")
    assert entry.details == {"request_id": exported["request_id"], "identified_by": ["email"],
                             "comments": 2, "appeals": 1, "reports": 1}


@pytest.mark.parametrize("request_for", [privacy.export_author, privacy.erase_author])
def test_a_request_must_name_the_reader(database, clock, request_for):
    extra = {"address_retention_days": 7} if request_for is privacy.export_author else {}
    with database.transaction() as session, pytest.raises(Invalid) as refused:
        request_for(session, "  ", ["", ""], actor="cli", now=clock(), **extra)
    assert "email" in refused.value.errors


# --- erasure ------------------------------------------------------------------------------

def test_after_erasure_nothing_of_body_name_or_email_remains_in_any_table(
        database, clock, lieselotte):
    with database.transaction() as session:
        assert tables_mentioning(session, MARKER, "Quastenflosser")  # the test sees them
    clock.advance(days=1)

    with database.transaction() as session:
        erased = privacy.erase_author(session, EMAIL.upper(), actor="key:chefin", now=clock())

    assert erased == {"request_id": erased["request_id"], "comments": 2, "appeals": 1,
                      "reports": 1, "webhook_messages": 2, "reader_addresses": 0}
    with database.transaction() as session:
        assert tables_mentioning(session, MARKER, "Quastenflosser", EMAIL, NAME) == []


def test_erasure_keeps_the_decision_record(database, clock, lieselotte):
    clock.advance(days=1)
    with database.transaction() as session:
        privacy.erase_author(session, EMAIL, actor="key:chefin", now=clock())

    with database.transaction() as session:
        rejected = comment_by_id(session, lieselotte["rejected"])
        assert (rejected.body, rejected.author_name, rejected.author_email) == ("", "", None)
        assert rejected.client_hash is rejected.spam is rejected.explanation is None
        assert rejected.text_fingerprint is None  # a hash of the text is the text's too
        assert (rejected.erased_at, rejected.erased_reason) == (clock(), "erasure_request")
        assert rejected.status is CommentStatus.REJECTED
        assert rejected.status_reason_code == "editor_decision"
        assert rejected.scores == SCORES
        assert len(rejected.author_token_hash) == 64
        assert rejected.author_token_hash != hash_token("token-abgelehnt")
        kept = rejected.statement_of_reasons
        assert set(kept) == {"comment_id", "summary", "measure", "reason_code", "ground",
                             "automated_detection", "automated_decision", "automated_means",
                             "decided_at"}
        assert kept["automated_means"]["scores"][0]["category"] == "insult"
        assert not {"words", "targets"} & set(kept["automated_means"])
        event, erasure = rejected.events
        assert (event.actor, event.to_status, event.reason_code, event.reason) == (
            "key:anna", CommentStatus.REJECTED, "editor_decision", None)
        # The erasure is on record too, as the comment's last event.
        assert (erasure.actor, erasure.from_status, erasure.to_status, erasure.reason_code,
                erasure.details) == ("system", CommentStatus.REJECTED, CommentStatus.REJECTED,
                                     "erased", {"erased_reason": "erasure_request"})
        assert set(event.details) == {"model", "model_version", "mode", "scores",
                                      "statement_of_reasons"}
        assert event.details["statement_of_reasons"] == kept
        # Nothing is left to decide: the open appeal closes without a decision.
        appeal = session.scalars(select(Appeal)).one()
        assert (appeal.status, appeal.decided_by) == (Resolution.CLOSED.value, "system")
        reply = comment_by_id(session, lieselotte["reply"])
        assert (reply.body, reply.author_name, reply.erased_at) == (
            "Sehe ich anders.", "Bernd", None)
        bernds = session.scalars(select(Report).where(Report.reporter_name == "Bernd")).one()
        assert bernds.reporter_email == "bernd@example.de" and bernds.explanation is None
        # An empty body is never scored.
        assert session.scalars(select(Job).where(Job.kind == jobs.SCORE_COMMENT)).all() == []


def test_erasure_changes_the_public_view_and_tells_subscribers(database, clock, lieselotte):
    with database.transaction() as session:
        privacy.erase_author(session, EMAIL, actor="key:chefin", now=clock())

    with database.transaction() as session:
        approved = comment_by_id(session, lieselotte["approved"])
        assert approved.status is CommentStatus.APPROVED  # a tombstone in the thread
        assert approved.article.public_revision == lieselotte["revision"] + 1  # a new ETag
        messages = session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)).all()
        redacted, closed, erased = messages[:2], messages[2:4], messages[4:]
        assert [m.payload["data"] for m in redacted] == [
            {"comment_id": lieselotte["approved"], "erased": True},
            {"comment_id": lieselotte["rejected"], "erased": True}]
        assert redacted[0].payload["type"] == "comment.approved"
        # The open report and the open appeal close undecided; subscribers hear so.
        assert [(m.event_type, m.payload["data"]["outcome"]) for m in closed] == [
            ("report.decided", "closed"), ("appeal.decided", "closed")]
        assert [(m.event_type, m.payload["data"]) for m in erased] == [
            ("comment.erased", {"comment_id": lieselotte[which], "article_key": "ki-im-alltag",
                                "erased": True, "erased_reason": "erasure_request"})
            for which in ("approved", "rejected")]
        assert session.scalars(select(WebhookAttempt)).one().response_excerpt is None
        # The pending delivery now carries the redacted message.
        statuses = sorted(d.status for d in session.scalars(select(WebhookDelivery)))
        assert statuses == ["pending"] * 5 + ["succeeded"]


def test_an_erasure_waits_for_a_purge_that_scrubs_the_same_comment_and_skips_it(
        database, clock):
    with database.transaction() as session:
        rejected = add_comment(session, clock(), author_email=EMAIL,
                               status=CommentStatus.REJECTED).public_id
    erasures = []
    with database.transaction() as purging:
        privacy.scrub_comments(purging, [comment_by_id(purging, rejected)], privacy.RETENTION,
                               clock())
        erasing = threading.Thread(target=lambda: erasures.append(_erase(database, clock)))
        erasing.start()
        wait_until_blocked(database)
    erasing.join(timeout=30)

    assert erasures[0]["comments"] == 0
    with database.transaction() as session:
        assert comment_by_id(session, rejected).erased_reason == privacy.RETENTION


def _erase(database, clock) -> dict:
    with database.transaction() as session:
        return privacy.erase_author(session, EMAIL, actor="cli", now=clock())


def test_erasure_by_author_token_alone(database, clock, lieselotte):
    with database.transaction() as session:
        erased = privacy.erase_author(session, author_tokens=["token-abgelehnt"], actor="cli",
                                      now=clock())
        assert erased["comments"] == 1 and erased["reports"] == 0
        assert comment_by_id(session, lieselotte["rejected"]).erased_at == clock()
        assert comment_by_id(session, lieselotte["approved"]).body.startswith("Die ")
        assert session.scalars(select(Report).where(Report.reporter_email == EMAIL)).one()


def test_erasure_is_idempotent_and_audited_without_the_email(database, clock, lieselotte):
    with database.transaction() as session:
        first = privacy.erase_author(session, EMAIL, actor="key:chefin", now=clock())
    clock.advance(hours=1)
    with database.transaction() as session:
        again = privacy.erase_author(session, EMAIL, actor="key:chefin", now=clock())
        erased_events = session.scalars(select(WebhookMessage).where(
            WebhookMessage.event_type == "comment.erased")).all()
        entries = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        first_erased_at = comment_by_id(session, lieselotte["approved"]).erased_at

    assert (again["comments"], again["appeals"], again["webhook_messages"]) == (0, 0, 0)
    assert len(erased_events) == 2 and first_erased_at == clock() - timedelta(hours=1)
    assert [e.action for e in entries] == ["privacy.erased", "privacy.erased"]
    assert entries[0].details == {"request_id": first["request_id"], "identified_by": ["email"],
                                  "comments": 2, "appeals": 1, "reports": 1,
                                  "webhook_messages": 2, "reader_addresses": 0}
    assert EMAIL.casefold() not in json.dumps([e.details for e in entries]).casefold()


def test_erased_comments_are_still_found_by_nothing(database, clock, lieselotte):
    with database.transaction() as session:
        privacy.erase_author(session, EMAIL, ["token-öffentlich"], actor="cli", now=clock())
        exported = privacy.export_author(session, EMAIL, ["token-öffentlich"], actor="cli",
                                         now=clock(), address_retention_days=7)
        comments = session.scalars(select(Comment).where(Comment.erased_at.is_not(None))).all()

    assert len(comments) == 2
    assert (exported["comments"], exported["appeals"], exported["reports"]) == ([], [], [])


# --- emails in any spelling ---------------------------------------------------------------

@pytest.fixture
def juergen(database, clock):
    """Three comments by JÜRGEN.Müller@Example.DE and a report he filed; one by someone else."""
    with database.transaction() as session:
        written = [add_comment(session, clock(), body=f"Mein {n}. Kommentar.",
                               author_email=JUERGEN).public_id for n in range(1, 4)]
        other = add_comment(session, clock(), author_email="juergen.mueller@example.de")
        add_report(session, other, clock(), reporter_email=JUERGEN,
                   explanation="Das ist eine Beleidigung.")
        return written


@pytest.mark.parametrize("spelling", [
    JUERGEN, "jürgen.müller@example.de", "JÜRGEN.MÜLLER@EXAMPLE.DE",
    "ju\u0308rgen.mu\u0308ller@example.de",  # ü typed as u and a combining diaeresis
])
def test_an_email_with_non_ascii_capitals_is_found_in_any_spelling(
        database, clock, juergen, spelling):
    with database.transaction() as session:
        exported = privacy.export_author(session, spelling, actor="cli", now=clock(),
                                         address_retention_days=7)
    assert [c["id"] for c in exported["comments"]] == juergen
    assert [r["reporter_email"] for r in exported["reports"]] == [JUERGEN]

    with database.transaction() as session:
        erased = privacy.erase_author(session, spelling, actor="cli", now=clock())
    assert (erased["comments"], erased["reports"]) == (3, 1)
    with database.transaction() as session:
        assert session.scalar(select(Comment).where(Comment.erased_at.is_(None))
                              ).author_email == "juergen.mueller@example.de"
        assert tables_mentioning(session, "Müller@", "Mein 1.", "Beleidigung") == []


def test_the_matching_key_follows_the_email_and_goes_with_it(database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), author_email=JUERGEN)
        report = add_report(session, comment, clock(), reporter_email="STRASSE@example.de")
        assert comment.author_email_key == privacy.email_key("jürgen.müller@example.de")
        assert report.reporter_email_key == privacy.email_key("straße@example.de")
        comment.author_email = None
        assert comment.author_email_key is None
        privacy.erase_author(session, "Straße@Example.de", actor="cli", now=clock())
        assert session.scalars(select(Report.reporter_email_key)).all() == [None]


# --- reports the reader filed -------------------------------------------------------------

def test_erasure_takes_the_readers_reports_texts_contact_and_token(database, clock, lieselotte):
    with database.transaction() as session:
        erased = privacy.erase_author(session, EMAIL, actor="cli", now=clock())

    assert erased["reports"] == 1
    with database.transaction() as session:
        report = session.scalars(select(Report).join(Report.comment)
                                 .where(Comment.public_id == lieselotte["reply"])).one()
        assert (report.reporter_name, report.reporter_email, report.client_hash) == (
            None, None, None)
        assert (report.explanation, report.decision_note) == (None, None)
        # The notice itself stays on record: what was reported, on what ground, its state.
        assert (report.category, report.legal_provision, report.status) == (
            "hate", "§ 185 StGB", Resolution.OPEN.value)
        # Her report token opens nothing any more: answered like an unknown report.
        with pytest.raises(NotFound):
            reports.reporter_view(session, report.public_id, REPORT_TOKEN)
        assert tables_mentioning(session, NAME, "Quastenflosser", "Unsachlich") == []


def test_report_tokens_find_and_erase_reports_filed_without_an_email(database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock())
        mine = add_report(session, comment, clock(), explanation="Anonym gemeldet, Gruß K.")
        mine.token_hash = hash_token(REPORT_TOKEN)
        add_report(session, comment, clock(), explanation="Jemand anderes.")
        exported = privacy.export_author(session, report_tokens=[REPORT_TOKEN, "falsch"],
                                         actor="cli", now=clock(), address_retention_days=7)
        erased = privacy.erase_author(session, report_tokens=[REPORT_TOKEN], actor="cli",
                                      now=clock())
        again = privacy.erase_author(session, report_tokens=[REPORT_TOKEN], actor="cli",
                                     now=clock())

    assert exported["identified_by"] == ["report_tokens"] and exported["comments"] == []
    assert [(r["id"], r["explanation"]) for r in exported["reports"]] == [
        (mine.public_id, "Anonym gemeldet, Gruß K.")]
    assert (erased["comments"], erased["reports"]) == (0, 1)
    assert again["reports"] == 0  # idempotent: the token finds nothing any more
    with database.transaction() as session:
        assert tables_mentioning(session, "Gruß K.") == []
        assert tables_mentioning(session, "Jemand anderes.")
