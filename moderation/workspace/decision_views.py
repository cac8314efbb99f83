"""Decisions fetched by the pages' script: one comment, or many at once. JSON in and out,
CSRF-checked like every write; refusals as ``{"code", "message", "errors"}``."""

from __future__ import annotations

from collections import Counter

from flask import jsonify
from werkzeug.wrappers import Response

from moderation.api.context import request_session
from moderation.domain import Role
from moderation.workspace import deciding
from moderation.workspace.access import signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.present import status_label
from moderation.workspace.schemas import BulkDecisionInSchema, DecisionInSchema

OUTCOMES = ("changed", "unchanged", "refused", "not_found")


@blueprint.post("/api/kommentare/<string:comment_id>/entscheidung")
@signed_in(Role.EDITOR)
def decide(comment_id: str) -> Response:
    """Approve or reject one comment; a rejection answers with its statement of reasons."""
    data = deciding.json_body(DecisionInSchema())
    comment = deciding.decide(request_session(), comment_id, data)
    return jsonify(id=comment.public_id, status=comment.status.value,
                   status_label=status_label(comment.status),
                   statement=comment.statement_of_reasons)


@blueprint.post("/api/entscheidungen")
@signed_in(Role.EDITOR)
def decide_many() -> Response:
    """One decision on many comments; each comment says whether it changed, stood as it
    was, or was refused (an appeal for another editor, an erased comment)."""
    data = deciding.json_body(BulkDecisionInSchema())
    results = deciding.decide_many(request_session(), data)
    tally = Counter(result.outcome for result in results)
    return jsonify(results=[{"id": r.id, "outcome": r.outcome,
                             "status": r.status.value if r.status else None}
                            for r in results],
                   summary={outcome: tally[outcome] for outcome in OUTCOMES})
