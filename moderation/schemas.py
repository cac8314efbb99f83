"""Request and response shapes (marshmallow). Shape only: no database, no current user."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_dump,
    validate,
    validates_schema,
)

from moderation.domain import (
    EVENT_TYPES,
    QUEUE_VIEWS,
    CommentStatus,
    ModerationMode,
    ReportCategory,
)
from moderation.errors import Invalid
from moderation.pagination import check_cursor
from moderation.policy import DEFAULT_THRESHOLDS
from moderation.services.model_versions import KINDS as MODEL_KINDS
from moderation.services.threads import MAX_PAGE_COMMENTS, MAX_REPLIES
from moderation.statements import Ground
from moderation.text import normalize
from moderation.texts import LANGUAGES

ARTICLE_KEY = validate.Length(min=1, max=200)


def checked_article_key(article_key: str) -> str:
    """Article keys are the publisher's own: any text of 1 to 200 characters. For keys that
    come in the path, where no schema reads them."""
    try:
        return ARTICLE_KEY(article_key)
    except ValidationError as error:
        raise Invalid("The article key is not valid.",
                      errors={"article_key": error.messages}) from None


# The opaque ids we hand out are URL-safe base64.
class WholeMatch(validate.Regexp):
    """A pattern the whole value must match: with ``re.match``, ``$`` lets a trailing newline
    through."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


PUBLIC_ID = WholeMatch(r"^[A-Za-z0-9_-]{1,32}$", error="Not an id of ours.")


# PostgreSQL cannot store NUL, and no UTF-8 text (the databases', our answers') can hold a
# lone UTF-16 surrogate.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str) -> None:
    """Refuse NUL and lone surrogates. The JSON loader refuses surrogates in a body already;
    this keeps them out of the database whatever brings a value here."""
    if UNSTORABLE.search(value):
        raise ValidationError("NUL characters and lone surrogates (\\ud800-\\udfff) are not "
                              "allowed.")


class Storable:
    """Makes a string field check ``storable`` first. Every string of a request uses one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validators.insert(0, storable)


class Text(Storable, fields.String):
    pass


class Email(Storable, fields.Email):
    pass


class Url(Storable, fields.Url):
    pass


class PlainText(Text):
    """A string normalised like all reader text (NFC, line breaks, no control characters,
    so no NUL either) before its length is checked."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalize(super()._deserialize(value, attr, data, **kwargs))


class UtcDateTime(fields.AwareDateTime):
    """An aware date and time, turned into UTC here: one UTC cannot show (the year 1 east
    of Greenwich, 9999 west of it) is refused, not left to fail in the database."""

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    errors = fields.Dict(required=True, metadata={"description": "Messages per field."})


# --- the widget ---------------------------------------------------------------------------

class CommentInSchema(Schema):
    author_name = PlainText(required=True, validate=validate.Length(min=1, max=100))
    author_email = Email(load_default=None, allow_none=True,
                         validate=validate.Length(max=254))
    body = PlainText(required=True, validate=validate.Length(min=1, max=5000))
    parent_id = Text(load_default=None, allow_none=True, validate=PUBLIC_ID)
    website = Text(load_default=None, allow_none=True, metadata={
        "description": "Leave empty; hidden from humans by the widget."})
    notify = fields.Boolean(load_default=False, metadata={
        "description": "Mail the author when the comment is published or rejected and when "
                       "a reply to it is published; needs author_email, which is confirmed "
                       "first by a mail with a link (double opt-in)."})
    language = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(LANGUAGES), metadata={
                                 "description": "The language of the author's mails; the "
                                                "service's language when left out."})
    article_title = PlainText(load_default=None, allow_none=True,
                              validate=validate.Length(max=300), metadata={
                                  "description": "The title of the page the widget is on "
                                                 "(data-title): the article's title while it "
                                                 "has none."})
    article_url = Url(load_default=None, allow_none=True, schemes={"http", "https"},
                      validate=validate.Length(max=2000), metadata={
                          "description": "The page the widget is on (data-url, else its "
                                         "address): the article's link while it has none, if "
                                         "on an origin of MODERATION_CORS_ORIGINS."})

    @validates_schema
    def email_to_notify(self, data: dict, **_: Any) -> None:
        if data.get("notify") and not data.get("author_email"):
            raise ValidationError("Give an email to be notified.", "notify")


class SubmittedSchema(Schema):
    id = fields.String(attribute="comment.public_id")
    status = fields.Enum(CommentStatus, by_value=True)
    author_token = fields.String(metadata={
        "description": "Shown once. Send it as X-Author-Token to see the comment's status."})
    notification = fields.String(allow_none=True, metadata={
        "enum": ["confirmation_sent", "subscribed", "unavailable", "suppressed", None],
        "description": "What became of notify: null when not asked; confirmation_sent (a "
                       "mail with a confirmation link is on its way, or went in the last 24 "
                       "hours); subscribed (the address was confirmed before); unavailable "
                       "(the service sends no mail); suppressed (the address unsubscribed or "
                       "bounced: no mail)."})


# --- readers' notification pages and suppressions -------------------------------------------

class ReaderPageQuerySchema(Schema):
    lang = fields.String(load_default=None, validate=validate.OneOf(LANGUAGES))


class ReaderDataQuerySchema(ReaderPageQuerySchema):
    format = fields.String(load_default="html", validate=validate.OneOf(["html", "json"]))


class ConfirmFormSchema(Schema):
    """The confirmation page's button sends nothing but itself."""


class OneClickSchema(Schema):
    """RFC 8058: a mail client's one-click unsubscribe, and the page's button, post
    ``List-Unsubscribe=One-Click``; anything else a client adds is ignored."""

    class Meta:
        unknown = EXCLUDE

    one_click = fields.String(required=True, data_key="List-Unsubscribe",
                              validate=validate.Equal("One-Click"))


class SuppressionInSchema(Schema):
    email = Email(required=True, validate=validate.Length(max=254))
    reason = fields.String(load_default="bounced",
                           validate=validate.OneOf(["bounced", "complaint"]))


class SuppressionSchema(Schema):
    reason = fields.String(attribute="suppressed_reason", metadata={
        "description": "Why the address gets no mail: the first reason reported stands."})
    suppressed_at = fields.DateTime()


class PublicCommentSchema(Schema):
    id = fields.String(attribute="public_id")
    parent_id = fields.String(attribute="parent_public_id", allow_none=True)
    depth = fields.Integer()
    author_name = fields.String()
    body = fields.String(metadata={"description": "Plain text: render with textContent."})
    created_at = fields.DateTime()
    erased = fields.Boolean(metadata={
        "description": "A tombstone: the comment was erased (on the author's request, or a "
                       "rejected one after its retention period); body and author are empty. "
                       "It stays in the thread so that replies keep their place."})


class PublicArticleSchema(Schema):
    key = fields.String()
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    comments_open = fields.Boolean()


class ThreadQuerySchema(Schema):
    cursor = Text(load_default=None, validate=[validate.Length(max=500), check_cursor])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200), metadata={
        "description": f"Top-level comments per page. A page holds at most "
                       f"{MAX_PAGE_COMMENTS} comments, replies included: it ends early "
                       f"(with next_cursor) rather than cut a thread shorter than `replies`."})
    replies = fields.Integer(load_default=3, validate=validate.Range(min=0, max=MAX_REPLIES),
                             metadata={"description": (
                                 "Replies shown below each top-level comment, in thread order "
                                 "(depth-first, oldest first). The others are counted in "
                                 "more_replies and read with replies_cursor from "
                                 "GET /v1/articles/{article_key}/comments/{comment_id}/replies.")})
    order = Text(load_default="newest", validate=validate.OneOf(["newest", "oldest"]),
                 metadata={"description": "Of the top-level comments; replies are "
                                          "always oldest first."})


_TOP_LEVEL_ONLY = " Top-level comments only; null on replies."


class ThreadCommentSchema(PublicCommentSchema):
    reply_count = fields.Integer(allow_none=True, metadata={
        "description": "Its visible replies, at every depth." + _TOP_LEVEL_ONLY})
    more_replies = fields.Integer(allow_none=True, metadata={
        "description": "How many of them this page leaves out (a widget's \"more replies "
                       "(n)\")." + _TOP_LEVEL_ONLY})
    replies_cursor = fields.String(allow_none=True, metadata={
        "description": "The cursor for GET .../comments/{comment_id}/replies that goes on "
                       "where this page stops; null when no reply is left out."
                       + _TOP_LEVEL_ONLY})


class ThreadPageSchema(Schema):
    article = fields.Nested(PublicArticleSchema, allow_none=True)
    comments = fields.List(fields.Nested(ThreadCommentSchema), metadata={
        "description": "Each top-level comment followed by its first replies."})
    total = fields.Integer(metadata={"description": "Approved comments on the article."})
    next_cursor = fields.String(allow_none=True)


class ReplyQuerySchema(Schema):
    cursor = Text(load_default=None, validate=[validate.Length(max=500), check_cursor],
                  metadata={"description": "A replies_cursor of a thread page, or "
                                           "the next_cursor of a page of replies; "
                                           "none: from the first reply."})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1,
                                                                    max=MAX_PAGE_COMMENTS))


class ReplyPageSchema(Schema):
    comments = fields.List(fields.Nested(PublicCommentSchema), metadata={
        "description": "Replies in thread order; parent_id places each in the thread."})
    more_replies = fields.Integer(metadata={"description": "How many are left after this page."})
    next_cursor = fields.String(allow_none=True)


class AppealSchema(Schema):
    id = fields.String(attribute="public_id")
    status = fields.String(metadata={
        "description": "open, upheld (the comment is published), dismissed (the rejection "
                       "stands; final) or closed (the comment was erased)"})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class AppealInSchema(Schema):
    explanation = PlainText(required=True, validate=validate.Length(min=1, max=2000), metadata={
        "description": "Why the rejection is wrong, in the author's words."})


class CommentRecordSchema(PublicCommentSchema):
    """What the author and editors both see of a comment: its status and its reasons."""

    article_key = fields.String(attribute="article.key")
    status = fields.Enum(CommentStatus, by_value=True)
    statement_of_reasons = fields.Dict(allow_none=True, metadata={
        "description": "Why the comment was rejected (DSA Art. 17): measure, facts, automated "
                       "means, ground, redress; null unless it is rejected."})
    appeal = fields.Nested(AppealSchema, allow_none=True,
                           metadata={"description": "The author's appeal, if one was made."})


class OwnCommentSchema(CommentRecordSchema):
    """The author's view (``services.appeals.AuthorView``): the comment, and the appeal
    period."""

    appealable_until = fields.Date(allow_none=True, metadata={
        "description": "The last day to appeal (POST .../appeal); null unless an appeal is "
                       "possible now."})

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        # Everything but the appeal period is the comment's own.
        source = obj if attr == "appealable_until" else obj.comment
        return super().get_attribute(source, attr, default)


# --- reports (DSA Art. 16 notice and action) -----------------------------------------------

class ReportInSchema(Schema):
    category = fields.Enum(ReportCategory, by_value=True, required=True)
    explanation = PlainText(required=True, validate=validate.Length(min=10, max=2000), metadata={
        "description": "Why the comment is illegal or breaks the rules: the DSA asks for a "
                       "substantiated explanation."})
    legal_provision = PlainText(load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=200),
                                metadata={"description": "The law it breaks, if known.",
                                          "example": "§ 130 StGB"})
    reporter_name = PlainText(load_default=None, allow_none=True,
                              validate=validate.Length(min=1, max=100))
    reporter_email = Email(load_default=None, allow_none=True,
                           validate=validate.Length(max=254),
                           metadata={"description": "To be told of the decision."})
    good_faith = fields.Boolean(required=True, validate=validate.Equal(
        True, error="Confirm that the report is accurate and made in good faith."), metadata={
        "description": "Must be true: the report is accurate and complete to the best of the "
                       "reporter's knowledge."})


class ReportReceivedSchema(Schema):
    id = fields.String(attribute="report.public_id")
    comment_id = fields.String(attribute="report.comment.public_id")
    status = fields.String(attribute="report.status")
    report_token = fields.String(metadata={
        "description": "Shown once. Send it as X-Report-Token to see the decision."})
    message = fields.String(metadata={"description": "A confirmation to show the reporter."})


class ReportDecisionSchema(Schema):
    outcome = fields.String(metadata={
        "description": "upheld (the comment was taken down), dismissed, or closed (the "
                       "comment was erased before a decision)"})
    decided_at = fields.DateTime()
    note = fields.String()


class ReporterReportSchema(Schema):
    id = fields.String(attribute="report.public_id")
    comment_id = fields.String(attribute="report.comment.public_id")
    category = fields.String(attribute="report.category")
    status = fields.String(attribute="report.status",
                           metadata={"description": "open, upheld, dismissed or closed (erased)"})
    created_at = fields.DateTime(attribute="report.created_at")
    decision = fields.Nested(ReportDecisionSchema, allow_none=True)


class ReportSchema(Schema):
    id = fields.String(attribute="public_id")
    comment_id = fields.String(attribute="comment.public_id")
    category = fields.String()
    legal_provision = fields.String(allow_none=True, metadata={
        "description": "The law the reporter says the comment breaks, e.g. § 130 StGB."})
    explanation = fields.String(allow_none=True, metadata={"description": "Plain text."})
    reporter_name = fields.String(allow_none=True)
    reporter_email = fields.String(allow_none=True)
    good_faith = fields.Boolean()
    status = fields.String(metadata={"description": "open, upheld, dismissed or closed (erased)"})
    created_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True, metadata={
        "description": "The editor's reason; internal, the reporter is not shown it."})


class EditorReportSchema(ReportSchema):
    article_key = fields.String(attribute="comment.article.key")


class ReportDismissSchema(Schema):
    reason = PlainText(load_default=None, validate=validate.Length(max=2000))


# --- editors ------------------------------------------------------------------------------

class EventSchema(Schema):
    actor = fields.String()
    from_status = fields.Enum(CommentStatus, by_value=True, allow_none=True)
    to_status = fields.Enum(CommentStatus, by_value=True)
    reason_code = fields.String()
    reason = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True)
    created_at = fields.DateTime()


class EditorAppealSchema(AppealSchema):
    explanation = fields.String(allow_none=True)
    rejected_by = fields.String(metadata={
        "description": "Who made the rejection appealed against: system or key:<name>. "
                       "Another editor decides the appeal where one exists."})
    decided_by = fields.String(allow_none=True)


class EditorCommentSchema(CommentRecordSchema):
    appeal = fields.Nested(EditorAppealSchema, allow_none=True, metadata={
        "description": "The author's appeal against a rejection, if one was made; deciding "
                       "the comment decides an open one."})
    author_email = fields.String(allow_none=True)
    status_reason_code = fields.String(metadata={"description": "Why it has this status."})
    status_reason = fields.String(allow_none=True)
    explanation = fields.Dict(allow_none=True, metadata={
        "description": "Evidence of the latest automatic decision: reasons, matched words "
                       "and the highest-scoring sentences with their start and end offsets, "
                       "counted in Unicode code points as Python indexes the body "
                       "(JavaScript's UTF-16 indices differ after the first emoji), and "
                       "links."})
    scores = fields.Dict(keys=fields.String(), values=fields.Float(), allow_none=True)
    max_score = fields.Float(allow_none=True)
    scored_by = fields.String(allow_none=True)
    spam = fields.Dict(allow_none=True, metadata={
        "description": 'Spam signals found at intake: {"honeypot": true}, or '
                       '{"duplicate_of": <comment id>, "by": "author" | "address"}.'})
    open_reports = fields.Integer(metadata={
        "description": "Readers' reports not yet decided (repeats from one address count once)."})
    updated_at = fields.DateTime()
    erased_at = fields.DateTime(allow_none=True, metadata={
        "description": "Set once the body and the author's data were erased."})
    erased_reason = fields.String(allow_none=True,
                                  metadata={"description": "erasure_request or retention"})


class EditorCommentDetailSchema(EditorCommentSchema):
    events = fields.List(fields.Nested(EventSchema))
    reports = fields.List(fields.Nested(ReportSchema), metadata={
        "description": "Readers' reports of the comment, oldest first."})


class QueueQuerySchema(Schema):
    status = Text(load_default=CommentStatus.REVIEW.value, validate=validate.OneOf(
        [s.value for s in CommentStatus] + list(QUEUE_VIEWS)), metadata={
        "description": "reported: comments with open reports, whatever their status, "
                       "most-reported first, then oldest (sort does not apply). "
                       "appealed: comments with an open appeal, oldest appeal first "
                       "(sort does not apply)."})
    article = Text(load_default=None, validate=ARTICLE_KEY)
    created_after = UtcDateTime(load_default=None)
    created_before = UtcDateTime(load_default=None)
    q = PlainText(load_default=None, validate=validate.Length(min=1, max=200), metadata={
        "description": "Text in the body or the author's name, case-insensitively (Ärger "
                       "finds ärger, STRASSE finds Straße); % and _ are plain characters."})
    reason = fields.List(Text(validate=validate.Length(min=1, max=64)), load_default=list,
                         validate=validate.Length(max=20), metadata={
        "description": "Only comments with one of these reason codes (repeat the parameter)."})
    category = Text(load_default=None, validate=validate.OneOf(sorted(DEFAULT_THRESHOLDS)),
                    metadata={"description": "The score that score_min and score_max bound "
                                             "(default: the highest); only scored comments."})
    score_min = fields.Float(load_default=None, validate=validate.Range(min=0, max=1))
    score_max = fields.Float(load_default=None, validate=validate.Range(min=0, max=1))
    sort = Text(load_default="risk", validate=validate.OneOf(["risk", "oldest", "newest"]))
    cursor = Text(load_default=None, validate=[validate.Length(max=500), check_cursor])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def bounds_in_order(self, data: dict, **_: Any) -> None:
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("score_min is above score_max.", "score_min")


class QueueCountsQuerySchema(QueueQuerySchema):
    class Meta:
        exclude = ("status", "sort", "cursor", "limit")


class QueueCountsSchema(Schema):
    review = fields.Integer(metadata={"description": "Held for review."})
    reported = fields.Integer(metadata={"description": "With open reader reports."})
    appealed = fields.Integer(metadata={"description": "With an open appeal."})
    pending = fields.Integer(metadata={"description": "Received, not yet scored."})


class QueuePageSchema(Schema):
    comments = fields.List(fields.Nested(EditorCommentSchema))
    next_cursor = fields.String(allow_none=True)


class GroundSchema(Schema):
    type = Text(required=True, validate=validate.OneOf(["terms", "illegal"]))
    provision = PlainText(validate=validate.Length(min=1, max=200), metadata={
        "description": "The law the comment breaks; required for illegal content.",
        "example": "§ 130 StGB"})
    clause = PlainText(validate=validate.Length(min=1, max=200), metadata={
        "description": "The clause of the terms it breaks (default: the configured one)."})

    @validates_schema
    def fits_type(self, data: dict, **_: Any) -> None:
        if data["type"] == "illegal" and "provision" not in data:
            raise ValidationError("Name the provision of law for illegal content.", "provision")
        if data["type"] == "illegal" and "clause" in data:
            raise ValidationError("A clause of the terms is not a ground in law.", "clause")
        if data["type"] == "terms" and "provision" in data:
            raise ValidationError("A provision of law is for illegal content only.", "provision")

    @post_load
    def ground(self, data: dict, **_: Any) -> Ground:
        return Ground(**data)


class DecisionSchema(Schema):
    reason_code = Text(load_default=None, validate=WholeMatch(
        r"^[a-z][a-z0-9_]{0,63}$", error="Lower-case letters, digits and _ only."))
    reason = PlainText(load_default=None, validate=validate.Length(max=2000))
    ground = fields.Nested(GroundSchema, load_default=None, allow_none=True, metadata={
        "description": "For a rejection: the terms (default) or the law it breaks; named in "
                       "the statement of reasons the author gets."})


class BulkDecisionSchema(DecisionSchema):
    ids = fields.List(Text(validate=PUBLIC_ID), required=True,
                      validate=validate.Length(min=1, max=500))
    action = Text(required=True, validate=validate.OneOf(["approve", "reject"]))


class BulkItemSchema(Schema):
    id = fields.String()
    outcome = fields.String(metadata={
        "description": "changed, unchanged, not_found, or refused (left as it is): an "
                       "appeal against this key's own rejection, which another editor must "
                       "decide, or an erased comment"})
    status = fields.Enum(CommentStatus, by_value=True, allow_none=True)


class BulkResultSchema(Schema):
    results = fields.List(fields.Nested(BulkItemSchema))


class ArticleSchema(Schema):
    key = fields.String(attribute="article.key")
    title = fields.String(attribute="article.title", allow_none=True)
    url = fields.String(attribute="article.url", allow_none=True)
    comments_open = fields.Boolean(attribute="article.comments_open")
    moderation_mode = fields.Enum(ModerationMode, by_value=True,
                                  attribute="article.moderation_mode")
    created_at = fields.DateTime(attribute="article.created_at")
    updated_at = fields.DateTime(attribute="article.updated_at")
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "Comments per status."})
    in_review = fields.Integer(metadata={
        "description": "Comments waiting in the review queue (held for review, not erased)."})
    last_comment_at = fields.DateTime(allow_none=True, metadata={
        "description": "When its newest comment arrived; null while it has none."})


class ArticleListQuerySchema(Schema):
    mode = fields.Enum(ModerationMode, by_value=True, load_default=None)
    comments_open = fields.Boolean(load_default=None)
    in_review = fields.Boolean(load_default=None, metadata={
        "description": "true: with comments waiting in the review queue; false: none waiting."})
    key_prefix = Text(load_default=None, validate=ARTICLE_KEY, metadata={
        "description": "Keys that begin with it, exactly as written.",
        "example": "2026/11/"})
    q = PlainText(load_default=None, validate=validate.Length(min=1, max=200), metadata={
        "description": "Text in the key or the title, case-insensitively."})
    sort = Text(load_default="activity", validate=validate.OneOf(["activity", "review", "key"]),
                metadata={"description": "activity: the newest comment first (an article "
                                         "without comments by its creation); review: the "
                                         "most comments in review first; key: A to Z."})
    cursor = Text(load_default=None, validate=[validate.Length(max=500), check_cursor])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ArticlePageSchema(Schema):
    articles = fields.List(fields.Nested(ArticleSchema))
    next_cursor = fields.String(allow_none=True)


class ArticlePatchSchema(Schema):
    title = PlainText(allow_none=True, validate=validate.Length(max=300))
    url = Url(allow_none=True, schemes={"http", "https"},
              validate=validate.Length(max=2000))
    comments_open = fields.Boolean()
    moderation_mode = fields.Enum(ModerationMode, by_value=True)

    @validates_schema
    def not_empty(self, data: dict, **_: Any) -> None:
        if not data:
            raise ValidationError("Name at least one setting to change.")


# --- operations ---------------------------------------------------------------------------

class HealthSchema(Schema):
    status = fields.String()


class StatusSchema(Schema):
    scorer = fields.Dict(metadata={"description": "Per worker: model, version, device, state."})
    queue = fields.Dict(metadata={"description": "Comments waiting to be scored."})
    policy = fields.Dict(metadata={"description": "The live policy and the candidate, if any."})


class ReadinessSchema(Schema):
    """What anyone may ask: ready or not."""

    status = fields.String(required=True, validate=validate.OneOf(["ready", "unavailable"]),
                           metadata={"description": "ready, or unavailable (with 503)"})


class ReadinessDetailSchema(Schema):
    """What an editor's or admin's key is told besides."""

    status = fields.String(required=True, validate=validate.OneOf(["ready", "degraded"]),
                           metadata={"description": "ready, or degraded: no worker scores "
                                                    "(comments wait in the queue)"})
    database = fields.String(required=True, metadata={"example": "ok"})
    scorer = fields.Dict(required=True, metadata={
        "description": "state (ready, loading, unavailable, no_worker) and each live worker's "
                       "model, version, device and state"})
    queue = fields.Dict(required=True, metadata={
        "description": "pending comments and the oldest one's age in seconds"})
    widget = fields.Nested(lambda: WidgetReadinessSchema(), required=True)


class FindingSchema(Schema):
    level = fields.String(required=True, metadata={"description": "error, warning or hint"})
    code = fields.String(required=True, metadata={"example": "no_origins"})
    message = fields.String(required=True)


class RefusedOriginSchema(Schema):
    origin = fields.String(required=True, metadata={"example": "https://www.zeitung.de"})
    requests = fields.Integer(required=True)
    last_seen = fields.DateTime(required=True)


class WidgetReadinessSchema(Schema):
    """Whether the widget can work on the publisher's pages (what `moderation doctor` says
    of the settings)."""

    origins = fields.List(fields.String(), required=True, metadata={
        "description": "MODERATION_CORS_ORIGINS"})
    findings = fields.List(fields.Nested(FindingSchema), required=True, metadata={
        "description": "What stands in the widget's way, errors first."})
    refused_origins = fields.List(fields.Nested(RefusedOriginSchema), required=True, metadata={
        "description": "Origins whose requests to the public routes this process refused "
                       "lately, the latest first: pages that embed the widget but are not "
                       "allowed."})


# --- admins -------------------------------------------------------------------------------

CATEGORY = WholeMatch(r"^[a-z][a-z_]{0,39}$", error="Lower-case letters and _ only.")


class ThresholdSchema(Schema):
    review = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    reject = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1))

    @validates_schema
    def reject_above_review(self, data: dict, **_: Any) -> None:
        if data.get("reject") is not None and data["reject"] < data["review"]:
            raise ValidationError("Must not lie below the review threshold.", "reject")


WORD_KIND = validate.OneOf(["banned", "suspect"])
STARTER_LIST = WholeMatch(r"^[a-z][a-z-]{0,39}$", error="Lower-case letters and - only.")


class StarterChangeSchema(Schema):
    included = fields.Boolean(metadata={"description": "false: leave the list out."})
    version = fields.Integer(validate=validate.Range(min=1, max=1000),
                             metadata={"description": "A shipped version; first included: "
                                                      "the newest."})
    kind = Text(validate=WORD_KIND, metadata={"description": "suspect (review, the default) "
                                                             "or banned (reject)."})
    excluded = fields.List(Text(validate=validate.Length(min=1, max=100)),
                           validate=validate.Length(max=1000), metadata={
                               "description": "The list's terms this policy leaves out (the "
                                              "whole set; [] takes them all back)."})


class PolicyChangesSchema(Schema):
    thresholds = fields.Dict(keys=Text(validate=CATEGORY),
                             values=fields.Nested(ThresholdSchema))
    banned = fields.List(Text(), validate=validate.Length(max=10000))
    suspect = fields.List(Text(), validate=validate.Length(max=10000))
    starter_lists = fields.Dict(keys=Text(validate=STARTER_LIST),
                                values=fields.Nested(StarterChangeSchema), metadata={
                                    "description": "Per shipped starter list: include or "
                                                   "leave out, version, kind, left-out terms; "
                                                   "lists not named stay as they are."})
    max_links = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1000),
                               metadata={"description": "More links hold a comment; "
                                                        "null: no limit."})
    note = PlainText(load_default=None, validate=validate.Length(max=2000),
                     metadata={"description": "Why the policy changes, for the history."})


class WordChangeSchema(Schema):
    term = Text(required=True, validate=validate.Length(min=1, max=100))
    kind = Text(required=True, validate=WORD_KIND)
    note = PlainText(load_default=None, validate=validate.Length(max=2000))


class StarterChoiceSchema(Schema):
    version = fields.Integer()
    kind = fields.String()
    excluded = fields.List(fields.String())


class PolicySchema(Schema):
    name = fields.String()
    version = fields.Integer(metadata={"description": "0: the configured defaults."})
    thresholds = fields.Dict(keys=fields.String(), values=fields.Nested(ThresholdSchema))
    banned = fields.List(fields.String())
    suspect = fields.List(fields.String())
    starter_lists = fields.Dict(keys=fields.String(), values=fields.Nested(StarterChoiceSchema),
                                metadata={"description": "The shipped starter lists included."})
    max_links = fields.Integer(allow_none=True)
    active = fields.Boolean()
    note = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime(allow_none=True)


class StarterTermSchema(Schema):
    term = fields.String()
    group = fields.String(metadata={"description": "What kind of term, e.g. "
                                                   "„verschleierte Drohung“."})
    source = fields.String(metadata={"description": "Where the term comes from."})


class StarterListSchema(Schema):
    name = fields.String()
    version = fields.Integer()
    versions = fields.List(fields.Integer(), metadata={"description": "Every shipped version."})
    date = fields.String()
    label = fields.Dict(keys=fields.String(), values=fields.String(),
                        metadata={"description": "What the list holds, per language."})
    description = fields.String()
    provenance = fields.String()
    size = fields.Integer()


class StarterListsSchema(Schema):
    lists = fields.List(fields.Nested(StarterListSchema))


class StarterListTermsSchema(StarterListSchema):
    terms = fields.List(fields.Nested(StarterTermSchema))


class StarterListQuerySchema(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1000))


class HistoryQuerySchema(Schema):
    name = Text(load_default="live", validate=validate.OneOf(["live", "candidate"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class PolicyHistorySchema(Schema):
    versions = fields.List(fields.Nested(PolicySchema))


class ShadowReportSchema(Schema):
    candidate = fields.String()
    compared = fields.Integer()
    disagree_with_live = fields.Integer()
    disagree_with_live_rate = fields.Float(allow_none=True)
    live_vs_candidate = fields.List(fields.Dict())
    editor_decided = fields.Integer()
    disagree_with_editors = fields.Integer(metadata={
        "description": "Editor decisions the candidate would have decided otherwise "
                       "(holding for review is not counted as disagreeing)."})
    disagree_with_editors_rate = fields.Float(allow_none=True)
    editor_vs_candidate = fields.List(fields.Dict())


# --- webhooks -----------------------------------------------------------------------------

EVENT_TYPE = validate.OneOf(EVENT_TYPES)


class WebhookInSchema(Schema):
    url = Url(required=True, schemes={"http", "https"}, require_tld=False,
              validate=validate.Length(max=2000))
    event_types = fields.List(Text(validate=EVENT_TYPE), load_default=list,
                              metadata={"description": "Empty: every event."})
    description = PlainText(load_default=None, allow_none=True,
                            validate=validate.Length(max=500))


class WebhookPatchSchema(Schema):
    url = Url(schemes={"http", "https"}, require_tld=False,
              validate=validate.Length(max=2000))
    event_types = fields.List(Text(validate=EVENT_TYPE))
    description = PlainText(allow_none=True, validate=validate.Length(max=500))
    enabled = fields.Boolean()

    @validates_schema
    def not_empty(self, data: dict, **_: Any) -> None:
        if not data:
            raise ValidationError("Name at least one setting to change.")


class WebhookSchema(Schema):
    id = fields.String(attribute="public_id")
    url = fields.String()
    description = fields.String(allow_none=True)
    event_types = fields.List(fields.String(), metadata={"description": "Empty: every event."})
    enabled = fields.Boolean()
    disabled_reason = fields.String(allow_none=True)
    previous_secret_until = fields.DateTime(allow_none=True, metadata={
        "description": "Until then the previous secret signs beside the new one."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.String(metadata={"description": "Shown once: store it now."})


class WebhookListSchema(Schema):
    endpoints = fields.List(fields.Nested(WebhookSchema))


class AttemptSchema(Schema):
    attempted_at = fields.DateTime()
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Float()
    response_excerpt = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "The webhook-id."})
    event_type = fields.String(attribute="message.event_type")
    status = fields.String(metadata={"description": "pending, succeeded or failed"})
    attempts = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    log = fields.List(fields.Nested(AttemptSchema))


class DeliveryQuerySchema(Schema):
    status = Text(load_default=None, validate=validate.OneOf(
        ["pending", "succeeded", "failed"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DeliveryListSchema(Schema):
    deliveries = fields.List(fields.Nested(DeliverySchema))


class RedeliverSchema(Schema):
    since = UtcDateTime(required=True,
                        metadata={"description": "Failed deliveries created since."})


class RedeliveredSchema(Schema):
    queued = fields.Integer()


# --- data protection ----------------------------------------------------------------------

class DataSubjectSchema(Schema):
    email = Email(load_default=None, allow_none=True, validate=validate.Length(max=254),
                  metadata={"description": "Found in any spelling that Unicode NFC "
                                           "and case folding make one; verify that "
                                           "the request comes from its owner."})
    author_tokens = fields.List(Text(validate=validate.Length(min=1, max=100)),
                                load_default=list, validate=validate.Length(max=1000),
                                metadata={"description": "Tokens the reader's comments were "
                                                         "submitted with."})
    report_tokens = fields.List(Text(validate=validate.Length(min=1, max=100)),
                                load_default=list, validate=validate.Length(max=1000),
                                metadata={"description": "Tokens the reader's reports were "
                                                         "acknowledged with (reports filed "
                                                         "without an email)."})

    @validates_schema
    def someone(self, data: dict, **_: Any) -> None:
        if not any(data.get(field) for field in ("email", "author_tokens", "report_tokens")):
            raise ValidationError("Give an email or at least one author or report token.",
                                  "email")


class PersonalDataSchema(Schema):
    request_id = fields.String(metadata={"description": "Names the request in the audit log."})
    exported_at = fields.String(metadata={"format": "date-time"})
    identified_by = fields.List(fields.String())
    comments = fields.List(fields.Dict(), metadata={
        "description": "Their comments with status, reasons, statement of reasons, scores "
                       "and moderation events."})
    appeals = fields.List(fields.Dict(), metadata={"description": "Appeals on their comments."})
    reports = fields.List(fields.Dict(), metadata={"description": "Reports they filed."})
    notifications = fields.Dict(allow_none=True, metadata={
        "description": "Their email's notification state (confirmed, suppressed), the "
                       "comments subscribed and the mails sent; null when they never asked "
                       "for notifications."})
    not_stored = fields.List(fields.String(), metadata={
        "description": "What is not stored about readers, and what is deleted when."})


class ErasureSchema(Schema):
    request_id = fields.String(metadata={"description": "Names the request in the audit log."})
    comments = fields.Integer(metadata={"description": "Comments made tombstones now."})
    appeals = fields.Integer(metadata={"description": "Appeals on them, explanation removed."})
    reports = fields.Integer(metadata={"description": "Reports they filed: explanation, "
                                                      "editor's note, name, email and address "
                                                      "hash removed, report token void."})
    webhook_messages = fields.Integer(metadata={"description": "Webhook messages redacted."})
    reader_addresses = fields.Integer(metadata={
        "description": "Their email's notification record deleted, with its subscriptions "
                       "and every mail to it (0 or 1)."})


class AuditQuerySchema(Schema):
    action = Text(load_default=None, validate=WholeMatch(
        r"^[a-z][a-z_.]{0,63}$", error="An action such as policy.changed."))
    since = UtcDateTime(load_default=None)
    until = UtcDateTime(load_default=None)
    cursor = Text(load_default=None, validate=[validate.Length(max=500), check_cursor])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AuditEventSchema(Schema):
    action = fields.String()
    actor = fields.String(metadata={"description": "key:<name>, cli or system"})
    target = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True)
    created_at = fields.DateTime()


class AuditPageSchema(Schema):
    events = fields.List(fields.Nested(AuditEventSchema))
    next_cursor = fields.String(allow_none=True)


# --- comment counts (count.js) ------------------------------------------------------------

MAX_COUNT_ARTICLES = 50


class CountsQuerySchema(Schema):
    article = fields.List(Text(validate=ARTICLE_KEY), required=True,
                          validate=validate.Length(min=1, max=MAX_COUNT_ARTICLES), metadata={
                              "description": "An article key; repeat the parameter for up to "
                                             f"{MAX_COUNT_ARTICLES} articles."})


class CountsSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Per article key asked for: its published comments, replies included "
                       "(erased ones not); 0 for an article not known.",
        "example": {"ki-im-alltag": 12, "bahnstreik-2026": 0}})


# --- model versions -----------------------------------------------------------------------


class ModelVersionSchema(Schema):
    version = fields.String(metadata={"description": "<model>@<content hash>, as comments' "
                                                     "scored_by and decisions name it"})
    kind = fields.String(metadata={"example": "compact"})
    state = fields.Function(lambda row: row.state.value,
                            metadata={"description": "candidate, live or retired"})
    note = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    promoted_by = fields.String(allow_none=True)
    promoted_at = fields.DateTime(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)
    trained_on_erased_at = fields.DateTime(allow_none=True, metadata={
        "description": "Set when a comment whose editor's decision it learnt from was erased "
                       "(DSGVO): train a new version without it."})
    manifest = fields.Dict(metadata={
        "description": "files (sha256, bytes), training data, parameters, metrics (and, "
                       "trained on editors' decisions, held_out_decisions and how many "
                       "decisions), created_by"})


class ModelVersionsSchema(Schema):
    live = fields.String(metadata={"description": "The version that scores now: a registered "
                                                  "one, or the shipped model"})
    live_transformer = fields.String(allow_none=True, metadata={
        "description": "The live registered transformer, which compact-de scores beside; "
                       "null: none registered"})
    shipped = fields.String(metadata={"description": "The compact model in the package"})
    versions = fields.List(fields.Nested(ModelVersionSchema))


class ModelSwitchSchema(Schema):
    live = fields.String(metadata={"description": "The version live after the change"})


class ModelRollbackSchema(Schema):
    kind = Text(load_default=None, validate=validate.OneOf(MODEL_KINDS), metadata={
        "description": "The kind to roll back; left out: the kind promoted last."})


class ModelDisagreementsQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ModelDisagreementSchema(Schema):
    """One comment the candidate model would have decided otherwise, from the pair
    (shadow decision, comment) the service returns."""

    comment_id = fields.String()
    article = fields.String(metadata={"description": "The article's key"})
    text = fields.String(allow_none=True,
                         metadata={"description": "The comment's text; null once erased"})
    live_status = fields.Enum(CommentStatus, by_value=True,
                              metadata={"description": "What the live model decided"})
    candidate_status = fields.Enum(CommentStatus, by_value=True, metadata={
        "description": "What the live policy would have decided with the candidate's scores"})
    reason_code = fields.String(metadata={"description": "The candidate decision's reason"})
    created_at = fields.DateTime()

    @pre_dump
    def _from_pair(self, pair: tuple[Any, Any], **_: Any) -> dict[str, Any]:
        shadow, comment = pair
        return {"comment_id": comment.public_id, "article": comment.article.key,
                "text": None if comment.erased else comment.body,
                "live_status": shadow.live_status, "candidate_status": shadow.status,
                "reason_code": shadow.reason_code, "created_at": shadow.created_at}


class ModelDisagreementsSchema(Schema):
    candidate = fields.String(metadata={"description": "The candidate model's version"})
    disagreements = fields.List(fields.Nested(ModelDisagreementSchema), metadata={
        "description": "The newest first"})
