"""The queue: held, reported and appealed comments, filtered and sorted, one page at a
time; and the poll that tells the page how many came in since it was drawn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from moderation.api.context import now, request_session
from moderation.domain import Reason, Role
from moderation.errors import Invalid
from moderation.models import Comment, Report
from moderation.policy import DEFAULT_THRESHOLDS
from moderation.schemas import checked_article_key
from moderation.services import queue as queue_service
from moderation.services import surroundings
from moderation.workspace import deciding, evidence
from moderation.workspace.access import signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.present import top_score
from moderation.workspace.reasons import reason_codes
from moderation.workspace.schemas import ArrivalsQuerySchema, QueuePageQuerySchema

VIEWS = (("review", _l("Held")), ("reported", _l("Reported")), ("appealed", _l("Appealed")),
         ("all", _l("All")))
SORTS = (("risk", _l("Highest risk first")), ("oldest", _l("Oldest first")),
         ("newest", _l("Newest first")))
# What the reason filter offers besides the newsroom's reasons: what holds or rejects.
DECISION_REASONS = tuple(code.value for code in Reason
                         if code not in {Reason.SUBMITTED, Reason.ERASED})
CATEGORIES = tuple(sorted(DEFAULT_THRESHOLDS))
LIST_FIELDS = frozenset({"reason"})


def _field_messages() -> dict[str, str]:
    """What to tell the reader about a field the server could not take (the form's own
    input types prevent most of it)."""
    return {
        "status": _("Choose one of the views."),
        "article": _("An article key of 1 to 200 characters."),
        "from": _("A date; not after the end of the range."),
        "to": _("A date."),
        "q": _("Search for 1 to 200 characters."),
        "reason": _("Choose a reason from the list."),
        "category": _("Choose a category from the list."),
        "score_min": _("A number from 0 to 1, not above the upper bound."),
        "score_max": _("A number from 0 to 1."),
        "sort": _("Choose an order from the list."),
        "cursor": _("This page of the queue no longer exists: start again from the first."),
        "limit": _("From 1 to 200 comments a page."),
    }


def read_query(schema: Schema, args: MultiDict[str, str]) -> dict[str, Any]:
    """A GET form's values loaded by ``schema``; empty fields count as not filled in.
    ``ValidationError`` names the fields it could not take."""
    filled = {key: [value for value in args.getlist(key) if value.strip()] for key in args}
    data = {key: values if key in LIST_FIELDS else values[0]
            for key, values in filled.items() if values}
    query = schema.load(data)
    if query.get("article") is not None:
        checked_article_key(query["article"])
    return query


@dataclass(frozen=True)
class Row:
    """One comment as the queue lists it."""

    comment: Comment
    excerpt: list[evidence.Segment]
    full: list[evidence.Segment] | None  # when the excerpt leaves some of it out
    reasons: list[str]  # reason codes, the gravest first
    top: tuple[str, float] | None
    reports: list[Report]
    page_url: str  # the comment page, with the way back to this page of the queue
    decide_url: str  # the decision form's target


def _reasons(comment: Comment) -> list[str]:
    """Every reason the automatic decision found, else the one the status has."""
    found = [entry.get("code") for entry in (comment.explanation or {}).get("reasons") or []
             if isinstance(entry, dict)]
    codes = [code for code in found if isinstance(code, str)]
    if comment.status_reason_code not in codes:
        codes.insert(0, comment.status_reason_code)
    return list(dict.fromkeys(codes))


PLACEHOLDER = "__comment__"


def _rows(comments: list[Comment], reports: dict[int, list[Report]], back: str) -> list[Row]:
    """The page's rows; their links are made from two URLs built once per page (building
    three per row cost more than the query)."""
    page_url = url_for("workspace.comment", comment_id=PLACEHOLDER) + "?" + urlencode(
        {"weiter": back})
    decide_url = url_for("workspace.decide_by_form", comment_id=PLACEHOLDER)
    rows = []
    for comment in comments:
        marked = evidence.marked(comment.body, comment.explanation)
        excerpt = evidence.excerpt(marked)
        rows.append(Row(comment, excerpt, marked if excerpt != marked else None,
                        _reasons(comment), top_score(comment.scores), reports[comment.id],
                        page_url.replace(PLACEHOLDER, comment.public_id),
                        decide_url.replace(PLACEHOLDER, comment.public_id)))
    return rows


@blueprint.get("/warteschlange")
@signed_in(Role.EDITOR)
def queue() -> tuple[str, int] | str:
    """The queue page: a view of comments to work through, with the filters' form."""
    session = request_session()
    args = request.args
    try:
        query = read_query(QueuePageQuerySchema(), args)
    except (ValidationError, Invalid) as error:
        fields = error.messages if isinstance(error, ValidationError) else error.errors
        messages = _field_messages()
        problems = {name: messages.get(name, _("Please check this field."))
                    for name in fields}
        return render_template("workspace/queue.html", **_page_context(args), query=None,
                               problems=problems, rows=[], counts=None, next_url=None), 422
    which = queue_service.QueueFilter.of_query(query)
    page = queue_service.view(session, query["status"], which, sort=query["sort"],
                              cursor=query["cursor"], limit=query["limit"])
    reports = surroundings.open_reports(session, page.comments)
    rows = _rows(page.comments, reports, back=request.full_path.rstrip("?"))
    next_url = _page_url(args, cursor=page.next_cursor) if page.next_cursor else None
    return render_template("workspace/queue.html", **_page_context(args), query=query,
                           problems={}, rows=rows,
                           counts=queue_service.counts(session, which), next_url=next_url,
                           drawn_at=now().isoformat())


def _page_context(args: MultiDict[str, str]) -> dict[str, Any]:
    view = args.get("status", "review")
    return {**deciding.picker_context(), "args": args, "view": view, "views": VIEWS,
            "sorts": SORTS,
            "filter_reasons": DECISION_REASONS + reason_codes(), "categories": CATEGORIES,
            "view_url": lambda name: _page_url(args, status=name, cursor=None),
            "filtered": any(args.get(name) for name in
                            ("article", "q", "reason", "category", "score_min", "score_max",
                             "from", "to"))}


def _page_url(args: MultiDict[str, str], **changes: str | None) -> str:
    """This page's address with ``changes`` (``None`` removes a parameter)."""
    params: dict[str, Any] = {key: args.getlist(key) for key in args if key not in changes}
    params.update({key: value for key, value in changes.items() if value is not None})
    return url_for("workspace.queue", **params)


@blueprint.get("/api/warteschlange/stand")
@signed_in(Role.EDITOR)
def queue_state() -> Response:
    """How many comments each view holds now under the page's filters, and how many came
    into the page's view since it was drawn (``since``)."""
    try:
        query = read_query(ArrivalsQuerySchema(), request.args)
    except ValidationError as error:
        raise Invalid(_("Please check your input."), errors=error.normalized_messages()) \
            from None
    session = request_session()
    which = queue_service.QueueFilter.of_query(query)
    return jsonify(counts=queue_service.counts(session, which),
                   arrived=queue_service.arrived(session, query["status"], which,
                                                 query["since"]),
                   checked_at=now().isoformat())
