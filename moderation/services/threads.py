"""An article's public thread, as the widget reads it.

A page is bounded however long a discussion grows: each top-level comment brings at most a
few of its replies, the rest are counted and fetched page by page below that comment.

Every read here is the hot path of an uncached page: the statements are built once, with
bound parameters, and run on the session's connection, which hands back plain rows (no ORM
loading, no statement to build and look up in the cache per request)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Row,
    Select,
    any_,
    bindparam,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from moderation.answer_json import answer_json
from moderation.domain import CommentStatus
from moderation.errors import Invalid, NotFound
from moderation.models import Article, Comment
from moderation.pagination import NOT_OURS, decode_time_cursor, encode_cursor

MAX_REPLIES = 50  # replies per top-level comment a thread page may ask for
MAX_PAGE_COMMENTS = 200  # comments in one page of a thread, replies included
_NOT_PUBLISHED = "No published comment with this id in this article."


class PublicComment(NamedTuple):
    """What the widget may see of a comment, and nothing more. (A named tuple: a page makes
    hundreds, and a frozen dataclass costs several times as much to build.)"""

    id: int
    parent_id: int | None
    public_id: str
    depth: int
    author_name: str
    body: str
    created_at: datetime
    erased: bool  # a tombstone: body and author are empty, replies keep their place
    parent_public_id: str | None
    # Top-level comments of a thread page only: their visible replies, how many of them this
    # page leaves out, and where to go on reading them.
    reply_count: int | None = None
    more_replies: int | None = None
    replies_cursor: str | None = None


@dataclass(frozen=True)
class ThreadPage:
    article_key: str
    article: Row | None  # of _ARTICLE
    comments: list[PublicComment]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class ReplyPage:
    comments: list[PublicComment]
    more_replies: int
    next_cursor: str | None


_APPROVED = Comment.status == CommentStatus.APPROVED
# The article's public columns and its count of published comments, in one statement.
_ARTICLE = select(
    Article.id, Article.key, Article.title, Article.url, Article.comments_open,
    select(func.count(Comment.id)).where(Comment.article_id == Article.id, _APPROVED)
    .scalar_subquery().label("total"),
).where(Article.key == bindparam("article_key"))


def _roots_statement(newest_first: bool, after_cursor: bool) -> Select:
    """The ids of an article's next ``size`` published top-level comments in page order
    (positions are taken from the threads' rows)."""
    query = select(Comment.id).where(Comment.article_id == bindparam("article_id"),
                                     _APPROVED, Comment.parent_id.is_(None))
    if after_cursor:
        after = tuple_(Comment.created_at, Comment.id)
        position = tuple_(bindparam("after_time", type_=Comment.created_at.type),
                          bindparam("after_id", type_=Comment.id.type))
        query = query.where(after < position if newest_first else after > position)
    order = (Comment.created_at.desc(), Comment.id.desc()) if newest_first else (
        Comment.created_at, Comment.id)
    return query.order_by(*order).limit(bindparam("size"))


# One statement for each order, from the first page or after a cursor.
_ROOTS = {(newest_first, after_cursor): _roots_statement(newest_first, after_cursor)
          for newest_first in (True, False) for after_cursor in (True, False)}


def _threads_statement(of_roots: Callable[[ColumnElement[int]], ColumnElement[bool]]
                       ) -> Select:
    """Threads, every comment with what orders, counts and cuts it and with its text: one
    statement, whichever of them a page shows. Its columns are _ThreadRow's."""
    return select(
        Comment.id, Comment.parent_id, Comment.public_id, Comment.depth, Comment.author_name,
        Comment.body, Comment.created_at, Comment.erased_at.is_not(None).label("erased"),
        _APPROVED.label("approved"),
    ).where(or_(of_roots(Comment.id), of_roots(Comment.root_id))).order_by(
        Comment.created_at, Comment.id)


_ROOT_IDS = bindparam("root_ids", expanding=True)
_ROOT_ID_ARRAY = bindparam("root_ids", type_=ARRAY(Comment.id.type))
_THREADS = _threads_statement(lambda column: column.in_(_ROOT_IDS))
# PostgreSQL takes the ids as one array: the statement's text stays the same, which its
# driver keeps parsed and prepared; an IN list has a parameter for each id.
_THREADS_OF_ARRAY = _threads_statement(lambda column: column == any_(_ROOT_ID_ARRAY))


class _ThreadRow(NamedTuple):
    """A comment of a thread, a row of _THREADS. (A named tuple: reading a column of a
    SQLAlchemy row by name costs as much as making this of all of them.)"""

    id: int
    parent_id: int | None
    public_id: str
    depth: int
    author_name: str
    body: str
    created_at: datetime
    erased: bool
    approved: bool


class _Threads(NamedTuple):
    outlines: dict[int, list[_ThreadRow]]  # each thread in thread order, by its root's id
    visible: set[int]  # the comments approved, below approved comments only


_TARGET = select(Comment.id, Comment.root_id).join(Article).where(
    Comment.public_id == bindparam("comment_id"), Article.key == bindparam("article_key"))

# Built once: every public read runs it, most of them nothing else.
REVISION = select(Article.public_revision).where(Article.key == bindparam("article_key"))


def public_revision(session: Session | Connection, article_key: str) -> int | None:
    """The counter the public pages' ETag and cache keys are made of (``None`` for an
    article not seen yet: its first comment makes it one with revision 0)."""
    return session.scalar(REVISION, {"article_key": article_key})


def public_thread_page(session: Session, article_key: str, *, cursor: str | None,
                       limit: int, replies: int, newest_first: bool) -> ThreadPage:
    """One page of an article's public threads: ``limit`` top-level comments, each followed
    by its first ``replies`` visible replies in thread order (depth-first, oldest first). A
    reply shows only while every comment above it in its thread is approved. A page holds at
    most ``MAX_PAGE_COMMENTS`` comments: it ends early rather than cut a thread shorter."""
    connection = session.connection()
    article = connection.execute(_ARTICLE, {"article_key": article_key}).one_or_none()
    if article is None:
        return ThreadPage(article_key, None, [], 0, None)
    asked: dict[str, object] = {"article_id": article.id, "size": limit + 1}
    if cursor:
        asked["after_time"], asked["after_id"] = decode_time_cursor(cursor)
    root_ids = connection.execute(_ROOTS[newest_first, bool(cursor)], asked).scalars().all()
    on_page, more_after = root_ids[:limit], len(root_ids) > limit
    threads = _threads(connection, on_page)
    # A top-level comment deleted since (PostgreSQL reads each statement afresh) is left out.
    roots = [threads.outlines[root_id][0] for root_id in on_page
             if root_id in threads.outlines]
    visible = {root.id: [row for row in threads.outlines[root.id][1:]
                         if row.id in threads.visible] for root in roots}

    kept: list[_ThreadRow] = []
    size = 0
    for root in roots:
        with_replies = 1 + min(replies, len(visible[root.id]))
        if kept and size + with_replies > MAX_PAGE_COMMENTS:
            more_after = True
            break
        kept.append(root)
        size += with_replies

    comments: list[PublicComment] = []
    for root in kept:
        shown, more = visible[root.id][:replies], len(visible[root.id]) - replies
        last = shown[-1] if shown else root  # the root itself: its replies from the start
        comments.append(_public(
            root, None, reply_count=len(visible[root.id]), more_replies=max(more, 0),
            replies_cursor=encode_cursor(*_position(last)) if more > 0 else None))
        public_ids = {row.id: row.public_id for row in (root, *shown)}
        comments.extend(_public(row, public_ids[row.parent_id]) for row in shown)
    next_cursor = encode_cursor(*_position(kept[-1])) if more_after and kept else None
    return ThreadPage(article_key, article, comments, article.total, next_cursor)


def public_replies_page(session: Session, article_key: str, comment_id: str, *,
                        cursor: str | None, limit: int) -> ReplyPage:
    """The visible replies below a published comment (its whole subthread) in thread order:
    the ``limit`` after ``cursor``, which a thread page or the previous page of replies
    handed out (none: from the first reply)."""
    connection = session.connection()
    target = connection.execute(
        _TARGET, {"comment_id": comment_id, "article_key": article_key}).one_or_none()
    if target is None:
        raise NotFound(_NOT_PUBLISHED)
    root_id = target.root_id or target.id
    threads = _threads(connection, [root_id])
    thread = threads.outlines[root_id]
    at = next(i for i, row in enumerate(thread) if row.id == target.id)
    if thread[at].id not in threads.visible:
        raise NotFound(_NOT_PUBLISHED)
    below = list(takewhile(lambda row: row.depth > thread[at].depth, thread[at + 1:]))
    rest = [row for row in below[_start(below, cursor, target.id):]
            if row.id in threads.visible]
    shown = rest[:limit]
    public_ids = {row.id: row.public_id for row in thread}
    more = len(rest) - len(shown)
    return ReplyPage([_public(row, public_ids[row.parent_id]) for row in shown], more,
                     encode_cursor(*_position(shown[-1])) if more else None)


def thread_page_json(page: ThreadPage) -> bytes:
    """The page in the widget's JSON (``ThreadPageSchema``'s shape, as Flask writes it):
    built without a schema, it is the hot path of every uncached read."""
    article = page.article
    return answer_json({
        "article": None if article is None else {
            "key": article.key, "title": article.title, "url": article.url,
            "comments_open": article.comments_open},
        "comments": [{**_comment_json(comment), "reply_count": comment.reply_count,
                      "more_replies": comment.more_replies,
                      "replies_cursor": comment.replies_cursor}
                     for comment in page.comments],
        "total": page.total, "next_cursor": page.next_cursor})


def replies_page_json(page: ReplyPage) -> bytes:
    """The page in the widget's JSON (``ReplyPageSchema``'s shape)."""
    return answer_json({"comments": [_comment_json(comment) for comment in page.comments],
                  "more_replies": page.more_replies, "next_cursor": page.next_cursor})


def _comment_json(comment: PublicComment) -> dict[str, object]:
    return {"author_name": comment.author_name, "body": comment.body,
            "created_at": comment.created_at.isoformat(), "depth": comment.depth,
            "erased": bool(comment.erased), "id": comment.public_id,
            "parent_id": comment.parent_public_id}


def _position(row: _ThreadRow) -> tuple[str, int]:
    return row.created_at.isoformat(), row.id


def _threads(connection: Connection, root_ids: Sequence[int]) -> _Threads:
    """Each thread's outline in thread order, its top-level comment first (the order a
    subthread follows its comment in, whatever has been approved since), and which of its
    comments the widget may see."""
    if not root_ids:
        return _Threads({}, set())
    # Each comment's replies newest first: popped from a stack, they come oldest first.
    replies: dict[int | None, list[_ThreadRow]] = {}
    statement = _THREADS_OF_ARRAY if connection.dialect.name == "postgresql" else _THREADS
    rows = connection.execute(statement, {"root_ids": list(root_ids)}).all()
    for comment in map(_ThreadRow._make, reversed(rows)):
        replies.setdefault(comment.parent_id, []).append(comment)
    outlines: dict[int, list[_ThreadRow]] = {}
    visible: set[int] = set()
    for root in reversed(replies.get(None, [])):
        outline = outlines[root.id] = []
        stack = [root]
        while stack:  # iterative: threads may be deeper than Python's recursion limit
            comment = stack.pop()
            outline.append(comment)
            if comment.approved and (comment.parent_id is None
                                     or comment.parent_id in visible):
                visible.add(comment.id)
            stack.extend(replies.get(comment.id, ()))
    return _Threads(outlines, visible)


def _start(below: Sequence[_ThreadRow], cursor: str | None, comment_id: int) -> int:
    """Where in a subthread the page after ``cursor`` begins."""
    if cursor is None:
        return 0
    _, after_id = decode_time_cursor(cursor)
    if after_id == comment_id:  # handed out while none of its replies were shown
        return 0
    for i, row in enumerate(below):
        if row.id == after_id:
            return i + 1
    raise Invalid("The cursor is not valid.", errors={"cursor": [NOT_OURS]})


def _public(row: _ThreadRow, parent_public_id: str | None, **top_level: int | str | None
            ) -> PublicComment:
    """A comment as the widget sees it."""
    return PublicComment(row.id, row.parent_id, row.public_id, row.depth, row.author_name,
                         row.body, row.created_at, row.erased, parent_public_id, **top_level)
