"""A new comment, its first event and its scoring job written together: the busiest write
of the service.

Through the unit of work they were three statements, each a round trip on PostgreSQL (the
comment's INSERT, the event's, the job's with its ``NOTIFY``), plus the bookkeeping of two
new objects. Here they are one statement on PostgreSQL (data-modifying CTEs) and three
plain ones on SQLite (no round trips there; SQLite has no writing CTEs). The comment is a
persistent object of the session afterwards, as a flush would have left it; its event is
not loaded (``comment.events`` reads it when asked).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Column, Insert, Select, bindparam, func, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from moderation import jobs
from moderation.db import WRITES_ALONE
from moderation.models import Comment, Job, ModerationEvent

COMMENTS, EVENTS, JOBS = Comment.__table__, ModerationEvent.__table__, Job.__table__
_COMMENT_COLUMNS = tuple(column for column in COMMENTS.columns if column.name != "id")
_EVENT_COLUMNS = tuple(column for column in EVENTS.columns if column.name != "id")
_JOB_COLUMNS = tuple(column for column in JOBS.columns if column.name in jobs.NEW_JOB_COLUMNS)


def store(session: Session, comment: Comment, event: dict[str, Any], *, scoring: bool,
          now: datetime, alone: bool = False) -> None:
    """Insert ``comment`` (transient, its columns set, ``article_id`` included) with its
    first ``event`` (ModerationEvent's columns but ``comment_id``) and, with ``scoring``,
    its scoring job; then add it to ``session`` as stored. ``alone``: nothing else is
    written in the transaction (``db.WRITES_ALONE``)."""
    row = _comment_row(comment)
    if session.get_bind().dialect.name == "postgresql":
        channel = jobs.WAKEUP_CHANNELS[jobs.SCORE_COMMENT]
        parameters = {**_named("c", row), **_named("e", event)}
        if scoring:
            parameters.update(_named("j", jobs.job_values(jobs.SCORE_COMMENT, now)))
        comment_id = session.execute(_together(scoring, channel), parameters,
                                     execution_options={WRITES_ALONE: alone}).scalar_one()
        if scoring:
            jobs.notified(session, jobs.SCORE_COMMENT)
    else:
        comment_id = session.execute(_ADD_COMMENT, row).scalar_one()
        session.execute(_ADD_EVENT, {**event, "comment_id": comment_id})
        if scoring:
            jobs.enqueue(session, jobs.SCORE_COMMENT, comment_id, now)
    set_committed_value(comment, "id", comment_id)
    for name, value in row.items():  # defaults the INSERT applied, now the object's too
        set_committed_value(comment, name, value)
    make_transient_to_detached(comment)
    session.add(comment)


def _comment_row(comment: Comment) -> dict[str, Any]:
    """The comment's columns as set on the object, the column's default where unset."""
    state = comment.__dict__
    return {column.name: state[column.name] if column.name in state else _default(column)
            for column in _COMMENT_COLUMNS}


def _default(column: Column[Any]) -> Any:
    default = column.default
    return default.arg if default is not None and default.is_scalar else None


def _named(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_{name}": value for name, value in values.items()}


_ADD_COMMENT = insert(COMMENTS).returning(COMMENTS.c.id)
_ADD_EVENT = insert(EVENTS)


@cache
def _together(scoring: bool, channel: str) -> Select[Any]:
    """PostgreSQL: the comment, its event and (``scoring``) its job and the workers'
    ``NOTIFY``, in one statement; it returns the comment's id."""
    added = (insert(COMMENTS)
             .values({column.name: _parameter("c", column) for column in _COMMENT_COLUMNS})
             .returning(COMMENTS.c.id).cte("added_comment"))
    writes = [_from_comment(EVENTS, _EVENT_COLUMNS, "comment_id", "e", added)
              .cte("added_event")]
    answer = select(added.c.id)
    if scoring:
        writes.append(_from_comment(JOBS, _JOB_COLUMNS, "subject_id", "j", added)
                      .cte("added_job"))
        answer = select(added.c.id, func.pg_notify(channel, ""))
    return answer.add_cte(*writes)


def _from_comment(table: Any, columns: tuple[Column[Any], ...], key: str, prefix: str,
                  added: Any) -> Insert:
    """``INSERT INTO table ... SELECT`` with the new comment's id as ``key``."""
    return insert(table).from_select(
        [column.name for column in columns],
        select(*(added.c.id if column.name == key else _parameter(prefix, column)
                 for column in columns)))


def _parameter(prefix: str, column: Column[Any]) -> Any:
    return bindparam(f"{prefix}_{column.name}", type_=column.type)
