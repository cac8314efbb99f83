"""Request and response shapes (marshmallow). Shape only: no database, no current user."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from moderation.domain import EVENT_TYPES, CommentStatus, ModerationMode
from moderation.pagination import check_cursor
from moderation.text import normalize

ARTICLE_KEY = validate.Length(min=1, max=200)
# The opaque ids we hand out are URL-safe base64.
PUBLIC_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$", error="Not an id of ours.")


class PlainText(fields.String):
    """A string normalised like all reader text (NFC, line breaks, no control characters)
    before its length is checked."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalize(super()._deserialize(value, attr, data, **kwargs))


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    errors = fields.Dict(required=True, metadata={"description": "Messages per field."})


# --- the widget ---------------------------------------------------------------------------

class CommentInSchema(Schema):
    author_name = PlainText(required=True, validate=validate.Length(min=1, max=100))
    author_email = fields.Email(load_default=None, allow_none=True,
                                validate=validate.Length(max=254))
    body = PlainText(required=True, validate=validate.Length(min=1, max=5000))
    parent_id = fields.String(load_default=None, allow_none=True, validate=PUBLIC_ID)


class SubmittedSchema(Schema):
    id = fields.String(attribute="comment.public_id")
    status = fields.Enum(CommentStatus, by_value=True, attribute="comment.status")
    author_token = fields.String(metadata={
        "description": "Shown once. Send it as X-Author-Token to see the comment's status."})


class PublicCommentSchema(Schema):
    id = fields.String(attribute="public_id")
    parent_id = fields.String(attribute="parent_public_id", allow_none=True)
    depth = fields.Integer()
    author_name = fields.String()
    body = fields.String(metadata={"description": "Plain text: render with textContent."})
    created_at = fields.DateTime()


class PublicArticleSchema(Schema):
    key = fields.String()
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    comments_open = fields.Boolean()


class ThreadQuerySchema(Schema):
    cursor = fields.String(load_default=None, validate=[validate.Length(max=500), check_cursor])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    order = fields.String(load_default="newest", validate=validate.OneOf(["newest", "oldest"]))


class ThreadPageSchema(Schema):
    article = fields.Nested(PublicArticleSchema, allow_none=True)
    comments = fields.List(fields.Nested(PublicCommentSchema))
    total = fields.Integer(metadata={"description": "Approved comments on the article."})
    next_cursor = fields.String(allow_none=True)


class OwnCommentSchema(PublicCommentSchema):
    article_key = fields.String(attribute="article.key")
    status = fields.Enum(CommentStatus, by_value=True)


# --- editors ------------------------------------------------------------------------------

class EventSchema(Schema):
    actor = fields.String()
    from_status = fields.Enum(CommentStatus, by_value=True, allow_none=True)
    to_status = fields.Enum(CommentStatus, by_value=True)
    reason_code = fields.String()
    reason = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True)
    created_at = fields.DateTime()


class EditorCommentSchema(OwnCommentSchema):
    author_email = fields.String(allow_none=True)
    status_reason_code = fields.String(metadata={"description": "Why it has this status."})
    status_reason = fields.String(allow_none=True)
    explanation = fields.Dict(allow_none=True, metadata={
        "description": "Evidence of the latest automatic decision: reasons, matched words "
                       "with character offsets, the highest-scoring sentences, links."})
    scores = fields.Dict(keys=fields.String(), values=fields.Float(), allow_none=True)
    max_score = fields.Float(allow_none=True)
    scored_by = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class EditorCommentDetailSchema(EditorCommentSchema):
    events = fields.List(fields.Nested(EventSchema))


class QueueQuerySchema(Schema):
    status = fields.String(load_default=CommentStatus.REVIEW.value, validate=validate.OneOf(
        [s.value for s in CommentStatus] + ["all"]))
    article = fields.String(load_default=None, validate=ARTICLE_KEY)
    created_after = fields.AwareDateTime(load_default=None)
    created_before = fields.AwareDateTime(load_default=None)
    sort = fields.String(load_default="risk", validate=validate.OneOf(["risk", "oldest", "newest"]))
    cursor = fields.String(load_default=None, validate=[validate.Length(max=500), check_cursor])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class QueuePageSchema(Schema):
    comments = fields.List(fields.Nested(EditorCommentSchema))
    next_cursor = fields.String(allow_none=True)


class DecisionSchema(Schema):
    reason_code = fields.String(load_default=None, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,63}$", error="Lower-case letters, digits and _ only."))
    reason = PlainText(load_default=None, validate=validate.Length(max=2000))


class BulkDecisionSchema(DecisionSchema):
    ids = fields.List(fields.String(validate=PUBLIC_ID), required=True,
                      validate=validate.Length(min=1, max=500))
    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))


class BulkItemSchema(Schema):
    id = fields.String()
    outcome = fields.String(metadata={"description": "changed, unchanged or not_found"})
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


class ArticlePatchSchema(Schema):
    title = PlainText(allow_none=True, validate=validate.Length(max=300))
    url = fields.Url(allow_none=True, schemes={"http", "https"},
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
    status = fields.String(metadata={"description": "ready, degraded or unavailable"})
    database = fields.String()
    scorer = fields.Dict()
    queue = fields.Dict()


# --- admins -------------------------------------------------------------------------------

CATEGORY = validate.Regexp(r"^[a-z][a-z_]{0,39}$", error="Lower-case letters and _ only.")


class ThresholdSchema(Schema):
    review = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    reject = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1))

    @validates_schema
    def reject_above_review(self, data: dict, **_: Any) -> None:
        if data.get("reject") is not None and data["reject"] < data["review"]:
            raise ValidationError("Must not lie below the review threshold.", "reject")


class PolicyChangesSchema(Schema):
    thresholds = fields.Dict(keys=fields.String(validate=CATEGORY),
                             values=fields.Nested(ThresholdSchema))
    banned = fields.List(fields.String(), validate=validate.Length(max=10000))
    suspect = fields.List(fields.String(), validate=validate.Length(max=10000))
    max_links = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1000),
                               metadata={"description": "More links hold a comment; "
                                                        "null: no limit."})
    note = PlainText(load_default=None, validate=validate.Length(max=2000),
                     metadata={"description": "Why the policy changes, for the history."})


class WordChangeSchema(Schema):
    term = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(["banned", "suspect"]))
    note = PlainText(load_default=None, validate=validate.Length(max=2000))


class PolicySchema(Schema):
    name = fields.String()
    version = fields.Integer(metadata={"description": "0: the configured defaults."})
    thresholds = fields.Dict(keys=fields.String(), values=fields.Nested(ThresholdSchema))
    banned = fields.List(fields.String())
    suspect = fields.List(fields.String())
    max_links = fields.Integer(allow_none=True)
    active = fields.Boolean()
    note = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime(allow_none=True)


class HistoryQuerySchema(Schema):
    name = fields.String(load_default="live", validate=validate.OneOf(["live", "candidate"]))
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
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=2000))
    event_types = fields.List(fields.String(validate=EVENT_TYPE), load_default=list,
                              metadata={"description": "Empty: every event."})
    description = PlainText(load_default=None, allow_none=True,
                            validate=validate.Length(max=500))


class WebhookPatchSchema(Schema):
    url = fields.Url(schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=2000))
    event_types = fields.List(fields.String(validate=EVENT_TYPE))
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
    status = fields.String(load_default=None, validate=validate.OneOf(
        ["pending", "succeeded", "failed"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DeliveryListSchema(Schema):
    deliveries = fields.List(fields.Nested(DeliverySchema))


class RedeliverSchema(Schema):
    since = fields.AwareDateTime(required=True,
                                 metadata={"description": "Failed deliveries created since."})


class RedeliveredSchema(Schema):
    queued = fields.Integer()
