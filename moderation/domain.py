"""The newsroom's vocabulary: comment statuses, moderation modes, roles and reason codes."""

from __future__ import annotations

import enum


class CommentStatus(enum.StrEnum):
    """Where a comment stands. Only ``approved`` comments are ever public."""

    PENDING = "pending"  # received, not yet scored
    REVIEW = "review"  # held for an editor
    APPROVED = "approved"
    REJECTED = "rejected"


class ModerationMode(enum.StrEnum):
    """How an article's comments are moderated."""

    AUTO = "auto"  # the classifier decides; doubtful comments are held for review
    PRE = "pre"  # every comment waits for an editor
    POST = "post"  # published at once; the classifier only flags for review


class Role(enum.StrEnum):
    """What an API key may do. Admins can do everything editors can."""

    EDITOR = "editor"
    ADMIN = "admin"

    def allows(self, required: Role) -> bool:
        return self is Role.ADMIN or required is Role.EDITOR


class Reason(enum.StrEnum):
    """Reason codes recorded with every status change."""

    SUBMITTED = "submitted"
    POST_MODERATION = "post_moderation"
    PRE_MODERATION = "pre_moderation"
    SCORE_BELOW_THRESHOLDS = "score_below_thresholds"
    SCORE_ABOVE_REVIEW = "score_above_review"
    SCORE_ABOVE_REJECT = "score_above_reject"
    BANNED_WORD = "banned_word"
    SUSPECT_WORD = "suspect_word"
    NO_TARGET = "no_target"  # a high score, but aimed at no one: held, not rejected
    TOO_MANY_LINKS = "too_many_links"
    SCORER_UNAVAILABLE = "scorer_unavailable"
    SCORING_FAILED = "scoring_failed"
    EDITOR_DECISION = "editor_decision"
    HONEYPOT = "honeypot"  # a field only bots fill in was filled in
    DUPLICATE = "duplicate_text"  # the same text again from the same author or address
    APPEALED = "appealed"  # the author contests a rejection: back to an editor
    ERASED = "erased"  # the content is gone (erasure request or retention); the record stays


class ReportCategory(enum.StrEnum):
    """What a reader reports a comment for (DSA Art. 16 notices)."""

    ILLEGAL = "illegal"  # illegal under German or EU law (name the provision)
    HATE = "hate"
    HARASSMENT = "harassment"
    THREAT = "threat"
    SPAM = "spam"
    PRIVACY = "privacy"  # personal data of someone else
    MISINFORMATION = "misinformation"
    OTHER = "other"


class Resolution(enum.StrEnum):
    """Where a report or an appeal stands."""

    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    CLOSED = "closed"  # without a decision: the comment was erased


SYSTEM_ACTOR = "system"

# The editors' queue views beside the statuses themselves.
QUEUE_VIEWS = ("all", "reported", "appealed")
AUTHOR_ACTOR = "author"  # the comment's author, known by their token (appeals)

# What webhook subscribers can hear of.
EVENT_TYPES = ("comment.created", "comment.review_requested", "comment.approved",
               "comment.rejected", "comment.reported", "comment.appealed", "comment.erased",
               "report.decided", "appeal.decided", "ping")
