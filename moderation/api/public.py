"""The widget's endpoints: public, unauthenticated, embedded on the publisher's pages."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from moderation.api.context import now, request_session, unit_of_work
from moderation.errors import Invalid
from moderation.schemas import (
    ARTICLE_KEY,
    CommentInSchema,
    OwnCommentSchema,
    SubmittedSchema,
    ThreadPageSchema,
    ThreadQuerySchema,
)
from moderation.services import comments

blp = Blueprint("public", __name__, url_prefix="/v1",
                description="For the comment widget: no authentication.")


def checked_article_key(article_key: str) -> str:
    """Article keys are the publisher's own: any text of 1 to 200 characters."""
    try:
        return ARTICLE_KEY(article_key)
    except ValidationError as error:
        raise Invalid("The article key is not valid.",
                      errors={"article_key": error.messages}) from None


@blp.route("/articles/<path:article_key>/comments")
class ArticleComments(MethodView):
    @blp.arguments(ThreadQuerySchema, location="query")
    @blp.response(200, ThreadPageSchema)
    @blp.alt_response(304, description="Not modified since the ETag given in If-None-Match.")
    def get(self, query: dict[str, Any], article_key: str) -> Any:
        """List an article's approved comments, threaded."""
        article_key = checked_article_key(article_key)
        session = request_session(read_only=True)
        etag = _etag(comments.public_revision(session, article_key), article_key, query)
        if etag in request.if_none_match:
            return "", 304, {"ETag": f'"{etag}"'}
        page = comments.public_thread_page(
            session, article_key, cursor=query["cursor"],
            limit=query["limit"], newest_first=query["order"] == "newest")
        return page, 200, {"ETag": f'"{etag}"', "Cache-Control": "no-cache"}

    @blp.arguments(CommentInSchema)
    @blp.response(202, SubmittedSchema)
    def post(self, data: dict[str, Any], article_key: str) -> Any:
        """Submit a comment; it is published once moderation allows."""
        article_key = checked_article_key(article_key)
        with unit_of_work() as session:
            return comments.submit_comment(
                session, article_key, comments.NewComment(**data), now())


def _etag(revision: int, article_key: str, query: dict[str, Any]) -> str:
    page = f"{article_key}|{query['cursor']}|{query['limit']}|{query['order']}"
    return f"{revision}-{hashlib.sha256(page.encode()).hexdigest()[:16]}"


@blp.route("/comments/<string:comment_id>")
class OwnComment(MethodView):
    @blp.response(200, OwnCommentSchema)
    @blp.doc(security=[{"authorToken": []}])
    def get(self, comment_id: str) -> Any:
        """Show the author their own comment and its status (needs X-Author-Token)."""
        return comments.own_comment(request_session(read_only=True), comment_id,
                                    request.headers.get("X-Author-Token"))
