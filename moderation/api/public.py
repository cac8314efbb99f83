"""The widget's endpoints: public, unauthenticated, embedded on the publisher's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, after_this_request, current_app, request
from flask.blueprints import BlueprintSetupState
from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.auth import no_store
from moderation.api.context import now, request_session, state, unit_of_work
from moderation.api.intake import COMMENT_IN, receive_comment
from moderation.api.limits import per_address, per_article, per_email, rate_limited
from moderation.api.public_pages import (
    THREAD,
    accepts_gzip,
    cache_control,
    cached_page,
    coded_etag,
    etag,
    init_page_cache,
    page_cache_of_app,
    page_headers,
    thread_asked,
    thread_page,
)
from moderation.schemas import (
    AppealInSchema,
    AppealSchema,
    CountsQuerySchema,
    CountsSchema,
    OwnCommentSchema,
    ReplyPageSchema,
    ReplyQuerySchema,
    ReporterReportSchema,
    ReportInSchema,
    ReportReceivedSchema,
    SubmittedSchema,
    ThreadPageSchema,
    ThreadQuerySchema,
    checked_article_key,
)
from moderation.services import authors, counts, reports, threads
from moderation.services.mail_outbox import Mailing
from moderation.services.page_cache import PageCache, page_key
from moderation.statements import PublisherTerms

blp = Blueprint("public", __name__, url_prefix="/v1",
                description="For the comment widget: no authentication.")


@blp.route("/articles/<path:article_key>/comments")
class ArticleComments(MethodView):
    @rate_limited(blp, per_address("limit_reads_per_address"))
    @blp.arguments(ThreadQuerySchema(), location="query")
    @blp.response(200, ThreadPageSchema)
    @blp.alt_response(304, description="Not modified since the ETag given in If-None-Match.")
    def get(self, query: dict[str, Any], article_key: str) -> Any:
        """List an article's approved comments, threaded."""
        article_key = checked_article_key(article_key)
        session, revision = request_session(read_only=True), _revision(article_key)
        return _public_page(
            THREAD, article_key, revision, thread_asked(query),
            lambda: thread_page(session, article_key, query))

    @rate_limited(blp, per_address("limit_comments_per_address"),
                  per_email("limit_comments_per_email"), per_article("limit_comments_per_article"))
    @blp.arguments(COMMENT_IN)
    @blp.response(202, SubmittedSchema)
    def post(self, data: dict[str, Any], article_key: str) -> Any:
        """Submit a comment; it is published once moderation allows."""
        return receive_comment(state(), checked_article_key(article_key), data,
                               request.remote_addr)


@blp.route("/articles/<path:article_key>/comments/<string:comment_id>/replies")
class CommentReplies(MethodView):
    @rate_limited(blp, per_address("limit_reads_per_address"))
    @blp.arguments(ReplyQuerySchema(), location="query")
    @blp.response(200, ReplyPageSchema)
    @blp.alt_response(304, description="Not modified since the ETag given in If-None-Match.")
    @blp.alt_response(404, response="NOT_FOUND",
                      description="No published comment with this id in this article.")
    def get(self, query: dict[str, Any], article_key: str, comment_id: str) -> Any:
        """List the replies below a published comment that a thread page left out."""
        article_key = checked_article_key(article_key)
        session, revision = request_session(read_only=True), _revision(article_key)
        return _public_page(
            "replies", article_key, revision, [comment_id, *sorted(query.items())],
            lambda: threads.replies_page_json(threads.public_replies_page(
                session, article_key, comment_id, cursor=query["cursor"],
                limit=query["limit"])))


@blp.route("/counts")
class CommentCounts(MethodView):
    @rate_limited(blp, per_address("limit_reads_per_address"))
    @blp.arguments(CountsQuerySchema(), location="query")
    @blp.response(200, CountsSchema)
    @blp.alt_response(304, description="Not modified since the ETag given in If-None-Match.")
    def get(self, query: dict[str, Any]) -> Any:
        """Count the published comments of up to 50 articles at once (count.js)."""
        keys = sorted(set(query["article"]))
        session = request_session(read_only=True)
        # Each asked article's own revision goes in: any of them moving changes the ETag.
        revisions = sorted(counts.revisions(session, keys).items())
        counts_etag = etag(0, *revisions, *keys)
        config = state().config
        # No Surrogate-Key: 50 keys of up to 200 characters would outgrow what proxies take
        # as a header; counts live s-maxage in a CDN.
        headers = {"ETag": f'"{counts_etag}"',
                   "Cache-Control": cache_control(config, config.counts_max_age)}
        if counts_etag in request.if_none_match:
            return Response(status=304, headers=headers)
        cache, key = page_cache(), page_key("counts", "", 0, revisions, keys)
        body = cache.get(key)
        if body is None:
            body = counts.counts_json(counts.comment_counts(session, keys))
            cache.put(key, body)
        return Response(body, 200, headers, mimetype="application/json")


@blp.record_once
def _init_page_cache(setup: BlueprintSetupState) -> None:
    init_page_cache(setup.app, setup.app.extensions["moderation"].config)


def page_cache() -> PageCache:
    return page_cache_of_app(current_app)


def _revision(article_key: str) -> int | None:
    """The article's public revision, read on a connection of its own: a 304 or a cached
    page needs nothing else, and no session is begun for it. A page built afterwards can
    only be newer than the revision it is kept under, never older."""
    with request_session(read_only=True).get_bind().connect() as connection:
        return threads.public_revision(connection, article_key)


def _public_page(kind: str, article_key: str, revision: int | None, asked: list[Any],
                 build: Callable[[], bytes]) -> Response:
    """A public page of an article, gzipped where the client takes it: 304 while the
    client's ETag is current (nothing but the revision read), else the cached bytes of this
    revision, else ``build()``'s, cached. Pages of an article not seen yet are not kept:
    nobody can fill the cache with them. (The fast path in front of Flask answers most
    thread pages: ``fast_reads.py``.)"""
    gzipped = accepts_gzip(request.headers.get("Accept-Encoding"))
    page_etag = coded_etag(etag(revision, article_key, *asked), gzipped)
    headers = page_headers(state().config, article_key, page_etag)
    if page_etag in request.if_none_match:
        return Response(status=304, headers=headers)
    key = None if revision is None else page_key(kind, article_key, revision, *asked)
    body = cached_page(page_cache(), key, build, gzipped)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(body, 200, headers, mimetype="application/json")


# A wrong token reads like an unknown comment: ids cannot be probed.
NOT_THE_AUTHOR = blp.alt_response(404, response="NOT_FOUND", description=(
    "No such comment, or the author token does not match."))


@blp.route("/comments/<string:comment_id>")
class OwnComment(MethodView):
    @rate_limited(blp, per_address("limit_reads_per_address"))
    @blp.response(200, OwnCommentSchema)
    @NOT_THE_AUTHOR
    @blp.doc(security=[{"authorToken": []}])
    def get(self, comment_id: str) -> Any:
        """Show the author their own comment, its status and, once rejected, the statement of
        reasons and until when it can be appealed (needs X-Author-Token)."""
        after_this_request(no_store)  # the token opened it: no shared cache may keep it
        return authors.author_view(request_session(read_only=True), comment_id,
                                   request.headers.get("X-Author-Token"),
                                   appeal_days=state().config.appeal_days, now=now())


@blp.route("/comments/<string:comment_id>/appeal")
class CommentAppeal(MethodView):
    @rate_limited(blp, per_address("limit_appeals_per_address"))
    @blp.arguments(AppealInSchema)
    @blp.response(202, AppealSchema)
    @NOT_THE_AUTHOR
    @blp.alt_response(409, response="CONFLICT", description=(
        "not_appealable (not rejected, or erased), appeal_period_over, or already_appealed "
        "(one appeal per comment; its decision is final)."))
    @blp.doc(security=[{"authorToken": []}])
    def post(self, data: dict[str, Any], comment_id: str) -> Any:
        """Appeal against the rejection of one's own comment (DSA Art. 20; needs
        X-Author-Token): an editor decides again."""
        with unit_of_work() as session:
            return authors.submit_appeal(
                session, comment_id, request.headers.get("X-Author-Token"), data["explanation"],
                terms=PublisherTerms.of(state().config), now=now())


# --- reports (DSA Art. 16 notice and action) -----------------------------------------------

REPORT_TOKEN = {"parameters": [{
    "in": "header", "name": "X-Report-Token", "required": True, "schema": {"type": "string"},
    "description": "The report_token the report was acknowledged with."}]}
# The acknowledgement carries a secret; the reporter's view is theirs alone.
NO_STORE = {"Cache-Control": "no-store"}


@blp.route("/comments/<string:comment_id>/reports")
class CommentReports(MethodView):
    @rate_limited(blp, per_address("limit_reports_per_address"))
    @blp.arguments(ReportInSchema)
    @blp.response(202, ReportReceivedSchema)
    @blp.alt_response(404, response="NOT_FOUND",
                      description="No published comment with this id.")
    def post(self, data: dict[str, Any], comment_id: str) -> Any:
        """Report a published comment as illegal or against the rules (DSA Art. 16)."""
        with unit_of_work() as session:
            received = reports.report_comment(session, comment_id, reports.NewReport(**data),
                                              request.remote_addr, now(),
                                              state().config.language,
                                              Mailing.of(state().config))
            return received, 202, NO_STORE


@blp.route("/reports/<string:report_id>")
class ReportStatus(MethodView):
    @rate_limited(blp, per_address("limit_reads_per_address"))
    @blp.response(200, ReporterReportSchema)
    @blp.alt_response(404, response="NOT_FOUND",
                      description="No such report, or the report token does not match.")
    @blp.doc(**REPORT_TOKEN)
    def get(self, report_id: str) -> Any:
        """Show the reporter their report and the decision on it (needs X-Report-Token)."""
        view = reports.reporter_view(request_session(read_only=True), report_id,
                                     request.headers.get("X-Report-Token"),
                                     state().config.language)
        return view, 200, NO_STORE
