"""An article's public thread, as the widget reads it.

A page is bounded however long a discussion grows: each top-level comment brings at most a
few of its replies, the rest are counted and fetched page by page below that comment."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from typing import NamedTuple

from sqlalchemy import Connection, Row, bindparam, func, or_, select, tuple_
from sqlalchemy.orm import Session

from moderation.domain import CommentStatus
from moderation.errors import Invalid, NotFound
from moderation.models import Article, Comment
from moderation.pagination import NOT_OURS, decode_time_cursor, encode_cursor, one_page

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
    article: Row | None  # of _ARTICLE_COLUMNS
    comments: list[PublicComment]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class ReplyPage:
    comments: list[PublicComment]
    more_replies: int
    next_cursor: str | None


# Plain columns, not ORM objects: this is the widget's hot path.
_ARTICLE_COLUMNS = (Article.id, Article.key, Article.title, Article.url, Article.comments_open)
_PUBLIC_COLUMNS = (Comment.id, Comment.parent_id, Comment.public_id, Comment.depth,
                   Comment.author_name, Comment.body, Comment.created_at,
                   Comment.erased_at.is_not(None).label("erased"))
# A thread, every comment with what orders, counts and cuts it and with its text: one
# statement, whichever of them the page shows.
_THREAD_COLUMNS = (Comment.id, Comment.parent_id, Comment.root_id, Comment.public_id,
                   Comment.depth, Comment.created_at,
                   (Comment.status == CommentStatus.APPROVED).label("approved"),
                   Comment.author_name, Comment.body,
                   Comment.erased_at.is_not(None).label("erased"))


class _Entry(NamedTuple):
    row: Row  # of _THREAD_COLUMNS
    visible: bool  # it and every comment above it are approved


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
    article = session.execute(
        select(*_ARTICLE_COLUMNS).where(Article.key == article_key)).one_or_none()
    if article is None:
        return ThreadPage(article_key, None, [], 0, None)
    public = (Comment.article_id == article.id) & (Comment.status == CommentStatus.APPROVED)
    order = (Comment.created_at.desc(), Comment.id.desc()) if newest_first else (
        Comment.created_at, Comment.id)
    roots_query = select(*_PUBLIC_COLUMNS).where(public, Comment.parent_id.is_(None))
    if cursor:
        after = tuple_(Comment.created_at, Comment.id)
        position = decode_time_cursor(cursor)
        roots_query = roots_query.where(
            after < position if newest_first else after > position)
    rows = session.execute(roots_query.order_by(*order).limit(limit + 1)).all()
    roots, next_cursor = one_page(rows, limit, _position)
    threads = _threads(session, [root.id for root in roots])
    visible = {root.id: [reply.row for reply in threads[root.id][1:] if reply.visible]
               for root in roots}

    kept, size = [], 0
    for root in roots:
        shown = min(replies, len(visible[root.id]))
        if kept and size + 1 + shown > MAX_PAGE_COMMENTS:
            next_cursor = encode_cursor(*_position(kept[-1]))
            break
        kept.append(root)
        size += 1 + shown

    comments: list[PublicComment] = []
    for root in kept:
        shown, rest = visible[root.id][:replies], visible[root.id][replies:]
        last = shown[-1] if shown else root  # the root itself: its replies from the start
        comments.append(PublicComment(
            *root, parent_public_id=None, reply_count=len(visible[root.id]),
            more_replies=len(rest),
            replies_cursor=encode_cursor(*_position(last)) if rest else None))
        parents = _public_ids(threads[root.id])
        comments.extend(_public(row, parents) for row in shown)
    total = session.scalar(select(func.count(Comment.id)).where(public)) or 0
    return ThreadPage(article_key, article, comments, total, next_cursor)


def public_replies_page(session: Session, article_key: str, comment_id: str, *,
                        cursor: str | None, limit: int) -> ReplyPage:
    """The visible replies below a published comment (its whole subthread) in thread order:
    the ``limit`` after ``cursor``, which a thread page or the previous page of replies
    handed out (none: from the first reply)."""
    target = session.execute(
        select(Comment.id, Comment.root_id).join(Article)
        .where(Comment.public_id == comment_id, Article.key == article_key)
    ).one_or_none()
    if target is None:
        raise NotFound(_NOT_PUBLISHED)
    root_id = target.root_id or target.id
    thread = _threads(session, [root_id])[root_id]
    at = next(i for i, entry in enumerate(thread) if entry.row.id == target.id)
    if not thread[at].visible:
        raise NotFound(_NOT_PUBLISHED)
    below = list(takewhile(lambda entry: entry.row.depth > thread[at].row.depth,
                           thread[at + 1:]))
    rest = [entry.row for entry in below[_start(below, cursor, target.id):] if entry.visible]
    shown = rest[:limit]
    parents = _public_ids(thread)
    more = len(rest) - len(shown)
    return ReplyPage([_public(row, parents) for row in shown], more,
                     encode_cursor(*_position(shown[-1])) if more else None)


def thread_page_json(page: ThreadPage) -> bytes:
    """The page in the widget's JSON (``ThreadPageSchema``'s shape, as Flask writes it):
    built without a schema, it is the hot path of every uncached read."""
    article = page.article
    return _json({
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
    return _json({"comments": [_comment_json(comment) for comment in page.comments],
                  "more_replies": page.more_replies, "next_cursor": page.next_cursor})


def _comment_json(comment: PublicComment) -> dict[str, object]:
    return {"author_name": comment.author_name, "body": comment.body,
            "created_at": comment.created_at.isoformat(), "depth": comment.depth,
            "erased": bool(comment.erased), "id": comment.public_id,
            "parent_id": comment.parent_public_id}


def _json(data: dict[str, object]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "\n").encode()


def _position(row: Row) -> tuple[str, int]:
    return row.created_at.isoformat(), row.id


def _threads(session: Session, root_ids: Sequence[int]) -> dict[int, list[_Entry]]:
    """Each thread's outline in thread order, its top-level comment first: the order a
    subthread follows its comment in, whatever has been approved since."""
    if not root_ids:
        return {}
    rows = session.execute(
        select(*_THREAD_COLUMNS)
        .where(or_(Comment.id.in_(root_ids), Comment.root_id.in_(root_ids)))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    children: dict[int | None, list[Row]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    threads = {}
    for root in children.get(None, []):
        ordered: list[_Entry] = []
        stack = [(root, True)]
        while stack:  # iterative: threads may be deeper than Python's recursion limit
            row, above_visible = stack.pop()
            visible = above_visible and row.approved
            ordered.append(_Entry(row, visible))
            stack.extend((child, visible) for child in reversed(children.get(row.id, [])))
        threads[root.id] = ordered
    return threads


def _start(below: Sequence[_Entry], cursor: str | None, comment_id: int) -> int:
    """Where in a subthread the page after ``cursor`` begins."""
    if cursor is None:
        return 0
    _, after_id = decode_time_cursor(cursor)
    if after_id == comment_id:  # handed out while none of its replies were shown
        return 0
    for i, entry in enumerate(below):
        if entry.row.id == after_id:
            return i + 1
    raise Invalid("The cursor is not valid.", errors={"cursor": [NOT_OURS]})


def _public_ids(thread: Iterable[_Entry]) -> dict[int, str]:
    return {entry.row.id: entry.row.public_id for entry in thread}


def _public(row: Row, public_ids: dict[int, str]) -> PublicComment:
    """A reply as the widget sees it (``row`` of _THREAD_COLUMNS)."""
    id_, parent_id, _, public_id, depth, created_at, _, author_name, body, erased = row
    return PublicComment(id_, parent_id, public_id, depth, author_name, body, created_at,
                         erased, parent_public_id=public_ids[parent_id])
