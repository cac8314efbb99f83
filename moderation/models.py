"""Database models (SQLAlchemy 2, typed). The schema itself lives in Alembic migrations."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ColumnElement,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    and_,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    aliased,
    column_property,
    mapped_column,
    relationship,
    validates,
)

from moderation.domain import CommentStatus, ModerationMode, Role
from moderation.text import normalised_email

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        """On SQLite, read the stored text straight into an aware datetime: SQLAlchemy's
        own parsing and then ``replace`` cost a public page of 200 comments 0.3 ms."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return lambda value: None if value is None else datetime.fromisoformat(value + "+00:00")


def email_key(email: str | None) -> str | None:
    """What a stored email is found by (export, erasure, duplicates): a SHA-256 of its
    ``normalised_email``, made in Python because SQL's ``lower()`` folds differently on each
    database. A hash: fixed width however casefolding lengthens it, and no address in the
    index."""
    normalised = normalised_email(email)
    if normalised is None:
        return None
    # surrogatepass: a malformed address must fail where it is validated, not here.
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


Id = BigInteger().with_variant(Integer, "sqlite")
JsonDocument = JSON().with_variant(JSONB, "postgresql")


def _enum(enum_class: type) -> Enum:
    # Stored as plain strings: adding a value needs no ALTER TYPE.
    return Enum(enum_class, native_enum=False, length=16,
                values_callable=lambda members: [m.value for m in members])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JsonDocument,
                           list[str]: JsonDocument}


class Article(Base):
    """A page that readers comment on, identified by the publisher's own key."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    comments_open: Mapped[bool] = mapped_column(default=True)
    moderation_mode: Mapped[ModerationMode] = mapped_column(
        _enum(ModerationMode), default=ModerationMode.AUTO
    )
    # Bumped whenever the public view of the article changes; the ETag is made of it.
    public_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Comment(Base):
    """A reader's comment, with its moderation status and the classifier's scores."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_public_roots", "article_id", "status", "parent_id", "created_at"),
        # Each article's newest comment, for the editors' list of articles by activity.
        Index("ix_comments_article_activity", "article_id", "created_at"),
        Index("ix_comments_queue", "status", "created_at"),
        Index("ix_comments_queue_risk", "status", "max_score"),
        Index("ix_comments_same_text", "text_fingerprint", "created_at"),
        # A thread's replies. Partial: most comments are top-level (no root), and an index
        # full of NULLs makes SQLite's statistics judge it useless and scan the table.
        Index("ix_comments_replies", "root_id", "created_at",
              sqlite_where=text("root_id IS NOT NULL"),
              postgresql_where=text("root_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # The top of the thread, for replies; lets a page of threads load in one query.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    author_name: Mapped[str] = mapped_column(String(100))
    author_email: Mapped[str | None] = mapped_column(String(254))
    # Set with the email by the model; a bulk UPDATE that clears the email must clear it too.
    author_email_key: Mapped[str | None] = mapped_column(String(64), index=True)
    author_token_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    # Why the comment is where it is (copied from its latest event, for the queue).
    status_reason_code: Mapped[str] = mapped_column(String(64))
    status_reason: Mapped[str | None] = mapped_column(Text)
    # The evidence behind the latest automatic decision: reasons, words, sentences.
    explanation: Mapped[dict[str, Any] | None]
    scores: Mapped[dict[str, Any] | None]
    max_score: Mapped[float | None] = mapped_column(Float)
    scored_by: Mapped[str | None] = mapped_column(String(200))
    # Set once an editor decides; automatic decisions never override an editor's.
    editor_decided_at: Mapped[datetime | None]
    # A keyed hash of the client's address (daily rotating key); purged after a few days.
    client_hash: Mapped[str | None] = mapped_column(String(64))
    # Spam signals found at intake: {"honeypot": true} or {"duplicate_of": id, "by": ...}.
    spam: Mapped[dict[str, Any] | None]
    # A hash of the text with case and spacing ignored: finds the same text again quickly.
    text_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # The latest rejection's statement of reasons (DSA Art. 17) and when it was rejected.
    statement_of_reasons: Mapped[dict[str, Any] | None]
    rejected_at: Mapped[datetime | None]
    # Reader reports not yet decided (DSA Art. 16): the queue's "reported" view.
    open_reports: Mapped[int] = mapped_column(Integer, default=0)
    # A tombstone: the body and the author's data are gone (erasure or retention purge).
    erased_at: Mapped[datetime | None]
    erased_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    article: Mapped[Article] = relationship(lazy="joined", innerjoin=True)
    events: Mapped[list[ModerationEvent]] = relationship(
        back_populates="comment", order_by="ModerationEvent.id", lazy="select"
    )
    # For the editors' views, read-only: load them with selectinload (lists must not query
    # once per comment, so an unloaded access raises).
    reports: Mapped[list[Report]] = relationship(viewonly=True, order_by="Report.id",
                                                 lazy="raise")
    appeal: Mapped[Appeal | None] = relationship(
        primaryjoin=lambda: _latest_appeal_of_comment(), viewonly=True, uselist=False,
        lazy="raise")

    @property
    def erased(self) -> bool:
        """A tombstone: the body and the author's data are gone."""
        return self.erased_at is not None

    @validates("author_email")
    def _key_email(self, _: str, email: str | None) -> str | None:
        self.author_email_key = email_key(email)
        return email


class ModerationEvent(Base):
    """One status change of a comment: who, when, why, and what drove it. Append-only."""

    __tablename__ = "moderation_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(120))  # "system" or "key:<name>"
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    from_status: Mapped[CommentStatus | None] = mapped_column(_enum(CommentStatus))
    to_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    reason_code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    # For automatic decisions: the scores, thresholds and model that drove them.
    details: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(index=True)

    comment: Mapped[Comment] = relationship(back_populates="events")


class Report(Base):
    """A reader's notice that a comment is illegal or breaks the terms (DSA Art. 16)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(32))
    # The law the reader says the comment breaks, e.g. "§ 130 StGB" (for illegal content).
    legal_provision: Mapped[str | None] = mapped_column(String(200))
    explanation: Mapped[str | None] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    # Set with the email by the model; a bulk UPDATE that clears the email must clear it too.
    reporter_email_key: Mapped[str | None] = mapped_column(String(64), index=True)
    good_faith: Mapped[bool]
    # Lets the reporter look up the decision without an account.
    token_hash: Mapped[str] = mapped_column(String(64))
    client_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # open | upheld | dismissed
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)

    comment: Mapped[Comment] = relationship()

    @validates("reporter_email")
    def _key_email(self, _: str, email: str | None) -> str | None:
        self.reporter_email_key = email_key(email)
        return email


class Appeal(Base):
    """An author contesting the rejection of their comment (DSA Art. 20)."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    explanation: Mapped[str | None] = mapped_column(Text)
    # Who rejected the comment: a different editor should decide the appeal.
    rejected_by: Mapped[str] = mapped_column(String(120))
    rejected_by_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16))  # open | upheld | dismissed
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    comment: Mapped[Comment] = relationship()


class AuditEvent(Base):
    """An admin action (keys, policy, webhooks, data requests, purges). Append-only."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    actor: Mapped[str] = mapped_column(String(120))  # "key:<name>", "cli" or "system"
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(index=True)


class AddressKey(Base):
    """The day's secret for hashing client addresses; deleted with the hashes it made,
    after which they can no longer be linked to an address."""

    __tablename__ = "address_keys"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD (UTC)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class ApiKey(Base):
    """A named editor or admin key. Only a hash of the secret is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class PolicyVersion(Base):
    """One version of a policy: thresholds, word lists, starter lists, link limit. Never
    changed once written: every edit adds a version, so the history is the table. ``name``
    is ``live`` or ``candidate`` (shadow mode)."""

    __tablename__ = "policy_versions"
    __table_args__ = (Index("ix_policy_versions_current", "name", "version", unique=True),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    thresholds: Mapped[dict[str, Any]]
    banned: Mapped[list[str]]
    suspect: Mapped[list[str]]
    # The shipped starter lists included: {name: {"version", "kind", "excluded": [terms]}}.
    starter_lists: Mapped[dict[str, Any]]
    max_links: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)  # a candidate is retired by a version
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class ShadowDecision(Base):
    """What a candidate would have decided, beside what the live policy and model did: a
    candidate policy, or the live policy with a candidate model's scores."""

    __tablename__ = "shadow_decisions"
    __table_args__ = (CheckConstraint("(policy_version_id IS NULL) <> "
                                      "(model_version_id IS NULL)", name="one_candidate"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    policy_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("policy_versions.id", ondelete="CASCADE"), index=True
    )
    model_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True
    )
    live_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    reason_code: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class WebhookEndpoint(Base):
    """A subscriber: where to send which events, signed with which secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(500))
    event_types: Mapped[list[str]]  # empty: every event
    # Signing needs the secret itself; it is shown to the admin only once.
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Since when every attempt failed; an endpoint failing for days is disabled.
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def wants(self, event_type: str) -> bool:
        return self.enabled and (not self.event_types or event_type in self.event_types)


class WebhookMessage(Base):
    """The outbox: an event to deliver, written in the transaction of the change it tells of."""

    __tablename__ = "webhook_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    # The comment the event tells of: erasure finds and redacts its messages.
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One message to one endpoint; ``public_id`` is the ``webhook-id`` every retry repeats."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))  # pending | succeeded | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    message: Mapped[WebhookMessage] = relationship()
    log: Mapped[list[WebhookAttempt]] = relationship(order_by="WebhookAttempt.id")


class WebhookAttempt(Base):
    """One try of a delivery: the delivery log an admin reads when a receiver complains."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class Job(Base):
    """Background work claimed with a lease: scoring, webhook deliveries, the purge."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "kind", "run_at"),
                      Index("ix_jobs_subject", "kind", "subject_id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Id)
    run_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    leased_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The request that made the job (its X-Request-ID): the worker logs under it.
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class WorkerHeartbeat(Base):
    """A running worker's last sign of life and the state of its scorer."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    scorer_state: Mapped[str] = mapped_column(String(16))  # loading | ready | unavailable
    details: Mapped[dict[str, Any] | None]


class Account(Base):
    """A person who signs in to the editors' workspace. Records name them ``user:<email>``."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # normalised_email: one spelling per person, whatever case or composition they type.
    email: Mapped[str] = mapped_column(String(115), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(200))
    # After an admin's reset the one-time password must be replaced at the next sign-in.
    password_change_required: Mapped[bool] = mapped_column(default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_required: Mapped[bool] = mapped_column(default=False)
    # The time step of the last code accepted: each code signs in once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(8))
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_signed_in_at: Mapped[datetime | None]

    @validates("email")
    def _normalise_email(self, _key: str, email: str) -> str:
        return normalised_email(email) or ""

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    @property
    def actor(self) -> str:
        """How records name this person."""
        return f"user:{self.email}"


class WebSession(Base):
    """A browser signed in to the workspace. Only a hash of the cookie's token is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # The password was right, the second factor is still to come: no access yet.
    second_factor_pending: Mapped[bool] = mapped_column(default=False)
    # A TOTP secret shown for enrolment, kept until a code confirms it.
    enrolling_totp_secret: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # the absolute end, however active the session is
    revoked_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship()


def _latest_appeal_of_comment() -> ColumnElement[bool]:
    # The author may appeal once, but nothing in the schema says so: take the latest.
    later = aliased(Appeal)
    latest_id = select(func.max(later.id)).where(later.comment_id == Appeal.comment_id)
    return and_(Appeal.comment_id == Comment.id, Appeal.id == latest_id.scalar_subquery())


_parent = aliased(Comment)
# The parent's public id, loaded with the comment: the API never shows internal ids.
Comment.parent_public_id = column_property(
    select(_parent.public_id).where(_parent.id == Comment.parent_id).scalar_subquery()
)


class NotificationSettings(Base):
    """What mail a workspace account wants; an account without a row has the defaults
    (immediate mails on, no digest)."""

    __tablename__ = "notification_settings"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            primary_key=True)
    # Mails about reports of illegal content and threats, one per report.
    immediate: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[str] = mapped_column(String(16), default="off")  # off | hourly | daily
    # The digest slot last looked at (a digest was queued, or nothing waited), and when a
    # digest was last queued.
    digest_checked_at: Mapped[datetime | None]
    last_digest_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ReaderAddress(Base):
    """The email of a comment author who asked to be told about their comments: one row per
    address (``email_key``), confirmed by a link in a mail before any notification goes
    (double opt-in), suppressed for good once the reader unsubscribes or the address
    bounces.

    ``token`` is the secret of every link in the mails (confirm, unsubscribe, the reader's
    data). It is stored as it is, not hashed: mails are worded when the worker sends them,
    so the worker must be able to write it into each one; it opens nothing but this
    address's own notifications and data, which anyone who can read the table sees anyway."""

    __tablename__ = "reader_addresses"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None]
    # The last confirmation mail: at most one a day goes to an address nobody confirmed.
    confirmation_sent_at: Mapped[datetime | None]
    suppressed_at: Mapped[datetime | None]
    suppressed_reason: Mapped[str | None] = mapped_column(String(16))  # unsubscribed | ...
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]

    @validates("email")
    def _key_email(self, _: str, email: str) -> str:
        self.email_key = email_key(email) or ""
        return email

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def suppressed(self) -> bool:
        return self.suppressed_at is not None


class ReaderSubscription(Base):
    """A comment whose author wants to hear of it (published, rejected, replied to)."""

    __tablename__ = "reader_subscriptions"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"),
                                            primary_key=True)
    reader_address_id: Mapped[int] = mapped_column(
        ForeignKey("reader_addresses.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]

    address: Mapped[ReaderAddress] = relationship()


class MailMessage(Base):
    """The mail outbox: a notification to one account or one reader's address, written in
    the transaction of the change it tells of and sent by the mail worker; one that could
    not be sent stays with its error. ``dedupe_key`` makes each notification one mail,
    however often it is made."""

    __tablename__ = "mail_messages"
    __table_args__ = (CheckConstraint("(account_id IS NULL) <> (reader_address_id IS NULL)",
                                      name="one_recipient"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # report_alert | digest; reader_confirmation | reader_published | reader_rejected |
    # reader_reply
    kind: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # A reader's mails are worded when sent (``services/reader_mail``): subject and body
    # are empty until then.
    reader_address_id: Mapped[int | None] = mapped_column(
        ForeignKey("reader_addresses.id", ondelete="CASCADE"), index=True)
    # The comment a mail quotes: an erasure deletes its mails.
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ModelState(StrEnum):
    """Where a model version stands: one candidate awaiting an admin, one live (or none: the
    shipped model scores), the rest retired and restorable."""

    CANDIDATE = "candidate"
    LIVE = "live"
    RETIRED = "retired"


class ModelVersion(Base):
    """A model registered for scoring: its folder in the model store and its manifest (its
    files with their sha256, training data, parameters, figures). Rows are never deleted:
    the history of what scored comments is the table."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # compact
    # "<model name>@<content hash>", as the comments' ``scored_by`` and decisions name it.
    version: Mapped[str] = mapped_column(String(120), unique=True)
    state: Mapped[ModelState] = mapped_column(_enum(ModelState), index=True)
    path: Mapped[str] = mapped_column(String(1000))
    manifest: Mapped[dict[str, Any]]
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    promoted_by: Mapped[str | None] = mapped_column(String(120))
    promoted_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    # What was live when this version was first promoted (none: the shipped model); a
    # rollback returns to it.
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL"))
    # Set when a comment it learnt from was erased: its weights may still reflect that text,
    # so it should be trained again without it.
    trained_on_erased_at: Mapped[datetime | None]


class ModelTrainingComment(Base):
    """A comment whose editor's decision a model version learnt from (``model train
    --from-decisions``): its erasure marks the version. The comment's id only, no text."""

    __tablename__ = "model_training_comments"

    model_version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True)
    comment_id: Mapped[int] = mapped_column(Id, primary_key=True)
