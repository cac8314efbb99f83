"""The editors' decisions as training data: a person's approvals and rejections only, text
and label only, erased comments and open appeals left out, the newest held out; the export
is on the audit log."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from moderation.domain import CommentStatus, Reason, Role
from moderation.errors import Invalid
from moderation.models import AuditEvent
from moderation.services import decision_data, decisions, keys, privacy
from moderation.statements import PublisherTerms
from moderation.training.data import Columns, read_rows
from tests.support.records import add_comment

TERMS = PublisherTerms("Kommentarrichtlinien", None, 183)


def decided(session, clock, body: str, status: CommentStatus, *, reason: str | None = None,
            by: decisions.Decider | None = None, email: str = "leser@example.de"):
    comment = add_comment(session, clock(), body=body, status=CommentStatus.REVIEW,
                          author_email=email)
    decisions.apply(comment, decisions.Change(status, reason or Reason.EDITOR_DECISION),
                    by or editor(session, clock), clock(), terms=TERMS)
    clock.advance(minutes=1)
    return comment


def editor(session, clock) -> decisions.Decider:
    return decisions.Decider.editor(keys.create_key(session, f"anna-{clock().timestamp()}",
                                                    Role.EDITOR, clock()).key)


def test_only_a_persons_approvals_and_rejections_become_labels(database, clock):
    with database.transaction() as session:
        decided(session, clock, "Danke für den Überblick!", CommentStatus.APPROVED)
        decided(session, clock, "Du Vollpfosten.", CommentStatus.REJECTED, reason="insult")
        decided(session, clock, "Geh sterben.", CommentStatus.REJECTED)  # no reason given
        decided(session, clock, "Automatisch abgelehnt.", CommentStatus.REJECTED,
                by=decisions.AUTOMATION)
        add_comment(session, clock(), body="Wartet noch.", status=CommentStatus.REVIEW)

        rows = decision_data.decided_comments(session, holdout=0)

    assert [(r.text, r.label, r.fine_label, r.split) for r in rows] == [
        ("Danke für den Überblick!", 0, "", "train"),
        ("Du Vollpfosten.", 1, "insult", "train"),
        ("Geh sterben.", 1, "", "train")]


def test_erased_comments_and_open_appeals_are_left_out(database, clock):
    with database.transaction() as session:
        decided(session, clock, "Wird gelöscht.", CommentStatus.REJECTED,
                email="weg@example.de")
        privacy.erase_author(session, "weg@example.de", (), actor="cli", now=clock())
        contested = decided(session, clock, "Das war doch Satire!", CommentStatus.REJECTED)
        decisions.apply(contested, decisions.Change(CommentStatus.REVIEW, Reason.APPEALED),
                        decisions.AUTHOR, clock())
        decided(session, clock, "Bleibt.", CommentStatus.APPROVED)

        rows = decision_data.decided_comments(session, holdout=0)

    assert [r.text for r in rows] == ["Bleibt."]


def test_the_newest_decisions_are_held_out_and_since_filters(database, clock):
    with database.transaction() as session:
        for n in range(10):
            decided(session, clock, f"Kommentar Nummer {n}", CommentStatus.APPROVED)
        rows = decision_data.decided_comments(session, holdout=0.2)
        recent = decision_data.decided_comments(session, since=rows[6].decided_at, holdout=0)

    assert [r.split for r in rows] == ["train"] * 8 + ["test"] * 2
    assert [r.text for r in rows if r.split == "test"] == ["Kommentar Nummer 8",
                                                           "Kommentar Nummer 9"]
    assert [r.text for r in recent] == [f"Kommentar Nummer {n}" for n in (6, 7, 8, 9)]
    with pytest.raises(Invalid):
        decision_data.decided_comments(session, holdout=1)


def test_the_export_is_training_data_without_personal_data_and_on_the_audit_log(
        database, clock, tmp_path):
    with database.transaction() as session:
        decided(session, clock, "Grüße aus Köln, \"guter\" Text;\nzweite Zeile",
                CommentStatus.APPROVED)
        decided(session, clock, "Halt die Klappe.", CommentStatus.REJECTED, reason="insult")
        out = io.StringIO()
        exported = decision_data.export(session, out, since=None, holdout=0.5, actor="cli",
                                        now=clock())
        logged = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "decisions.exported")).one()

    assert len(exported) == 2 and all(isinstance(i, int) for i in exported)
    text = out.getvalue()
    assert "leser@example.de" not in text and "Jürgen Müller" not in text
    path = tmp_path / "entscheidungen.csv"
    path.write_text(text, encoding="utf-8")
    read = list(read_rows(path, Columns(fine_label="fine_label")))
    assert [(r.text, r.label, r.split, r.fine_label) for r in read] == [
        ("Grüße aus Köln, \"guter\" Text;\nzweite Zeile", 0, "train", ""),
        ("Halt die Klappe.", 1, "test", "insult")]
    assert next(csv.reader(io.StringIO(text))) == list(decision_data.COLUMNS)
    assert (logged.actor, logged.details) == ("cli", {"since": None, "rows": 2, "rejected": 1,
                                                      "holdout": 0.5})
