"""One comment with everything an editor weighs: its text with the evidence marked, its
scores against the policy's thresholds, the thread, the author's other comments, reports,
the appeal and the full history; and the decision form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from moderation.api.context import request_session, state
from moderation.domain import Role
from moderation.models import Comment
from moderation.services import moderation, policies, surroundings
from moderation.workspace import deciding, evidence
from moderation.workspace.access import signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.paths import PREFIX
from moderation.workspace.schemas import DecisionInSchema


@dataclass(frozen=True)
class ScoreBar:
    """One category's score and the live policy's thresholds for it."""

    category: str
    score: float
    review: float | None
    reject: float | None

    @property
    def level(self) -> str:
        if self.reject is not None and self.score >= self.reject:
            return "reject"
        return "review" if self.review is not None and self.score >= self.review else "below"


def score_bars(comment: Comment) -> list[ScoreBar]:
    """Every score of the comment, highest first, beside the thresholds in force now."""
    thresholds = policies.active_policies(
        request_session(), policies.configured(state().config)).live.thresholds
    numeric = {name: float(value) for name, value in (comment.scores or {}).items()
               if isinstance(value, int | float) and not isinstance(value, bool)}
    bars = []
    for category, score in numeric.items():
        threshold = thresholds.get(category)
        bars.append(ScoreBar(category, score, threshold.review if threshold else None,
                             threshold.reject if threshold else None))
    return sorted(bars, key=lambda bar: -bar.score)


def safe_return(target: str | None) -> str | None:
    """A page of the workspace to go back to; anything else (another site) is dropped."""
    if not target or not target.startswith(PREFIX + "/") or target.startswith("//") \
            or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def _page(comment_id: str, problems: dict[str, Any] | None = None,
          form: dict[str, str] | None = None) -> str:
    session = request_session()
    comment = moderation.get_comment(session, comment_id)
    found = evidence.spans(comment.explanation, len(comment.body))
    return render_template(
        "workspace/comment.html", comment=comment,
        segments=evidence.segments(comment.body, found),
        evidence=[(span, comment.body[span.start:span.end]) for span in found],
        bars=score_bars(comment), thread=surroundings.thread_around(session, comment),
        authors=surroundings.authors_comments(session, comment),
        open_reports=[r for r in comment.reports if r.status == "open"],
        **deciding.picker_context(), back=safe_return(request.args.get("weiter")),
        problems=problems or {}, form=form or {})


@blueprint.get("/kommentare/<string:comment_id>")
@signed_in(Role.EDITOR)
def comment(comment_id: str) -> str:
    """The comment page."""
    with deciding.in_own_words():
        return _page(comment_id)


def form_decision(form: dict[str, str]) -> dict[str, Any]:
    """The decision form's fields as the decision schema reads them."""
    filled = {key: value.strip() for key, value in form.items() if value.strip()}
    data: dict[str, Any] = {key: filled[key] for key in ("action", "reason_code", "reason")
                            if key in filled}
    if filled.get("action") == "reject" and "ground" in filled:
        data["ground"] = {"type": filled["ground"]}
        if filled["ground"] == "illegal" and "provision" in filled:
            data["ground"]["provision"] = filled["provision"]
    return data


@blueprint.post("/kommentare/<string:comment_id>/entscheidung")
@signed_in(Role.EDITOR)
def decide_by_form(comment_id: str) -> Response | tuple[str, int]:
    """The decision form, for a browser without the page's script: decide, then show the
    comment (with its statement of reasons) or go back to the queue."""
    form = request.form.to_dict()
    try:
        data = DecisionInSchema().load(form_decision(form))
    except ValidationError as error:
        with deciding.in_own_words():
            return _page(comment_id, problems=error.normalized_messages(), form=form), 422
    deciding.decide(request_session(), comment_id, data)
    back = safe_return(form.get("next")) or url_for("workspace.comment",
                                                     comment_id=comment_id)
    return redirect(back, 303)
