"""The editors' endpoints: the review queue, decisions and article settings."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.auth import current_key, key_required, no_store
from moderation.api.context import now, request_session, state
from moderation.domain import Role
from moderation.schemas import (
    ArticleListQuerySchema,
    ArticlePageSchema,
    ArticlePatchSchema,
    ArticleSchema,
    BulkDecisionSchema,
    BulkResultSchema,
    DecisionSchema,
    EditorCommentDetailSchema,
    EditorReportSchema,
    QueueCountsQuerySchema,
    QueueCountsSchema,
    QueuePageSchema,
    QueueQuerySchema,
    ReportDismissSchema,
    StatusSchema,
    checked_article_key,
)
from moderation.services import articles, moderation, policies, queue, reports
from moderation.services.actors import Decider
from moderation.services.keys import actor_name
from moderation.services.status import scoring_status
from moderation.statements import PublisherTerms

blp = Blueprint("editor", __name__, url_prefix="/v1/moderation",
                description="For editors: needs an editor or admin API key.")
blp.after_request(no_store)


@blp.route("/status")
@key_required(blp, Role.EDITOR)
class Status(MethodView):
    @blp.response(200, StatusSchema)
    def get(self) -> Any:
        """What scores comments now: each worker's model, version, device and state, the
        scoring queue, and the policy in force."""
        session = request_session()
        active = policies.active_policies(session, policies.configured(state().config))
        return {**scoring_status(session, now()), "policy": {
            "live": active.live.as_dict(),
            "candidate": active.candidate.as_dict() if active.candidate else None}}


@blp.route("/comments")
@key_required(blp, Role.EDITOR)
class ReviewQueue(MethodView):
    @blp.arguments(QueueQuerySchema, location="query")
    @blp.response(200, QueuePageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The review queue: filter by status, article, time, text, reason code and score
        range (of one category or the highest); riskiest first by default."""
        if query["article"] is not None:
            checked_article_key(query["article"])
        return queue.view(request_session(), query["status"],
                          queue.QueueFilter.of_query(query), sort=query["sort"],
                          cursor=query["cursor"], limit=query["limit"])


@blp.route("/queue/counts")
@key_required(blp, Role.EDITOR)
class QueueCounts(MethodView):
    @blp.arguments(QueueCountsQuerySchema, location="query")
    @blp.response(200, QueueCountsSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """How many comments each working view holds, under the same filters as the queue."""
        if query["article"] is not None:
            checked_article_key(query["article"])
        return queue.counts(request_session(), queue.QueueFilter.of_query(query))


@blp.route("/comments/<string:comment_id>")
@key_required(blp, Role.EDITOR)
class EditorComment(MethodView):
    @blp.response(200, EditorCommentDetailSchema)
    def get(self, comment_id: str) -> Any:
        """One comment with its scores and its full moderation history."""
        session = request_session()
        return moderation.get_comment(session, comment_id)


def _decision_view(action: moderation.Action) -> type[MethodView]:
    @key_required(blp, Role.EDITOR)
    class Decision(MethodView):
        @blp.arguments(DecisionSchema)
        @blp.response(200, EditorCommentDetailSchema)
        @blp.alt_response(409, response="CONFLICT", description=(
            "appeal_needs_other_editor: the author appealed against this key's rejection, "
            "and another active key can decide the appeal; comment_erased: the comment was "
            "erased, nothing is left to decide."))
        def post(self, data: dict[str, Any], comment_id: str) -> Any:
            session = request_session()
            return moderation.decide(session, comment_id, action, Decider.editor(current_key()),
                                     now=now(), terms=PublisherTerms.of(state().config),
                                     **data)

    Decision.post.__doc__ = f"{action.capitalize()} a comment, whatever its status (idempotent)."
    Decision.__name__ = f"{action.capitalize()}Comment"
    return Decision


blp.route("/comments/<string:comment_id>/approve")(_decision_view("approve"))
blp.route("/comments/<string:comment_id>/reject")(_decision_view("reject"))


@blp.route("/comments/bulk")
@key_required(blp, Role.EDITOR)
class BulkDecision(MethodView):
    @blp.arguments(BulkDecisionSchema)
    @blp.response(200, BulkResultSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Approve or reject many comments at once, in one transaction."""
        session = request_session()
        results = moderation.decide_many(
            session, data["ids"], data["action"], Decider.editor(current_key()),
            reason_code=data["reason_code"], reason=data["reason"], now=now(),
            terms=PublisherTerms.of(state().config), ground=data["ground"])
        return {"results": results}


@blp.route("/articles")
@key_required(blp, Role.EDITOR)
class Articles(MethodView):
    @blp.arguments(ArticleListQuerySchema, location="query")
    @blp.response(200, ArticlePageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """List articles with their comments per status and their settings: filter by mode,
        open or closed, comments in review, key prefix and text; newest activity first by
        default."""
        which = articles.ArticleFilter(
            mode=query["mode"], comments_open=query["comments_open"],
            key_prefix=query["key_prefix"], text=query["q"], in_review=query["in_review"])
        session = request_session()
        return articles.list_articles(session, which, sort=query["sort"],
                                      cursor=query["cursor"], limit=query["limit"])


@blp.route("/articles/<path:article_key>")
@key_required(blp, Role.EDITOR)
class ArticleSettings(MethodView):
    @blp.response(200, ArticleSchema)
    def get(self, article_key: str) -> Any:
        """An article's settings and how many comments it has in each status."""
        session = request_session()
        article = articles.get_article(session, checked_article_key(article_key))
        return articles.overview(session, article)

    @blp.arguments(ArticlePatchSchema)
    @blp.response(200, ArticleSchema)
    def patch(self, data: dict[str, Any], article_key: str) -> Any:
        """Open or close comments, set the moderation mode; creates the article if new.
        A change is audited (``article.changed``) with the key that made it."""
        session = request_session()
        article = articles.update_article(session, checked_article_key(article_key),
                                          data, now(), actor=actor_name(current_key()))
        return articles.overview(session, article)


# --- readers' reports (DSA Art. 16) ---------------------------------------------------------

@blp.route("/reports/<string:report_id>")
@key_required(blp, Role.EDITOR)
class EditorReport(MethodView):
    @blp.response(200, EditorReportSchema)
    def get(self, report_id: str) -> Any:
        """One reader's report, with the reporter's contact details to tell them the
        decision."""
        session = request_session()
        return reports.get_report(session, report_id)


@blp.route("/reports/<string:report_id>/dismiss")
@key_required(blp, Role.EDITOR)
class DismissReport(MethodView):
    @blp.arguments(ReportDismissSchema)
    @blp.response(200, EditorReportSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data: dict[str, Any], report_id: str) -> Any:
        """Dismiss one unfounded report and leave the comment as it is (idempotent)."""
        session = request_session()
        return reports.dismiss(session, report_id, Decider.editor(current_key()), data["reason"],
                               now())
