"""Articles at /redaktion/artikel, for editors: each with its comments counted per status,
its moderation mode and whether it takes comments; changed from the list or from the
article's own page, through the service the API's PATCH uses, on the audit log with the
person who changed it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from moderation.api.context import now, request_session
from moderation.domain import ModerationMode, Role
from moderation.errors import Invalid, NotFound
from moderation.models import Article
from moderation.schemas import ArticleListQuerySchema, PlainText, Url, checked_article_key
from moderation.services import articles as article_service
from moderation.services import queue as queue_service
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.forms import Form
from moderation.workspace.paths import PREFIX, safe_next

SORTS = (("review", _l("Most waiting first")), ("activity", _l("Newest comment first")),
         ("key", _l("By key, A to Z")))
MODES = tuple(ModerationMode)
PAGE_SIZE = 50


class ArticlesPageQuerySchema(ArticleListQuerySchema):
    """The list's GET form: the API's filters, the most waiting first."""

    sort = PlainText(load_default="review", validate=validate.OneOf([s for s, _ in SORTS]))
    limit = fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=200))


class ArticleForm(Form):
    """An article's settings as the forms send them: the list's row sends mode and
    comments_open, the article's page every field; an empty title or address clears it."""

    title = PlainText(allow_none=True, validate=validate.Length(max=300))
    url = Url(allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=2000))
    moderation_mode = fields.Enum(ModerationMode, by_value=True)
    comments_open = fields.Boolean(truthy={"1"}, falsy={"0"})
    weiter = PlainText(load_default=None, validate=validate.Length(max=2000))

    @pre_load
    def empty_is_none(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return {key: (None if key in {"title", "url"} and isinstance(value, str)
                      and not value.strip() else value) for key, value in data.items()}


def _field_messages() -> dict[str, str]:
    return {
        "title": _("A title of at most 300 characters, without control characters."),
        "url": _("An address starting with http:// or https://, at most 2000 characters."),
        "moderation_mode": _("Choose one of the moderation modes."),
        "comments_open": _("Choose open or closed."),
        "q": _("Search for 1 to 200 characters."),
        "sort": _("Choose an order from the list."),
        "mode": _("Choose one of the moderation modes."),
        "cursor": _("This page of the list no longer exists: start again from the first."),
    }


def _problems(errors: dict[str, Any]) -> dict[str, str]:
    messages = _field_messages()
    return {field: messages.get(field, _("Please check this field.")) for field in errors}


def _query(args: MultiDict[str, str]) -> dict[str, Any]:
    """The list's GET form; empty fields count as not filled in."""
    filled = {key: value for key, value in args.items()
              if key in ArticlesPageQuerySchema().fields and value.strip()}
    return ArticlesPageQuerySchema().load(filled)


@blueprint.get("/artikel", endpoint="articles")
@signed_in(Role.EDITOR)
def articles_page() -> tuple[str, int]:
    """Articles with their comments per status, mode and whether they take comments."""
    args = request.args
    try:
        query = _query(args)
    except ValidationError as error:
        return render_template("workspace/articles.html", args=args, sorts=SORTS, modes=MODES,
                               page=None, problems=_problems(error.messages),
                               next_url=None, saved=None), 422
    which = article_service.ArticleFilter(mode=query["mode"], comments_open=query["comments_open"],
                                   text=query["q"], in_review=query["in_review"])
    page = article_service.list_articles(request_session(), which, sort=query["sort"],
                                  cursor=query["cursor"], limit=query["limit"])
    next_url = url_for("workspace.articles", **{**args.to_dict(), "cursor": page.next_cursor}) \
        if page.next_cursor else None
    return render_template("workspace/articles.html", args=args, sorts=SORTS, modes=MODES,
                           page=page, problems={}, next_url=next_url,
                           saved=request.args.get("gespeichert")), 200


def _article(key: str) -> Article:
    """The article with this key; a German 404 for a key there is none of."""
    try:
        found = article_service.find_article(request_session(), checked_article_key(key))
    except Invalid:
        found = None
    if found is None:
        raise NotFound(_("There is no article with this key."))
    return found


def _article_page(article: Article, status: int = 200, *,
                  problems: dict[str, str] | None = None,
                  entered: dict[str, str] | None = None) -> tuple[str, int]:
    session = request_session()
    working = queue_service.counts(session, queue_service.QueueFilter(article_key=article.key))
    return render_template(
        "workspace/article.html", overview=article_service.overview(session, article),
        working=working, modes=MODES, problems=problems or {}, entered=entered or {},
        saved=request.args.get("gespeichert") is not None), status


@blueprint.get("/artikel/<path:article_key>")
@signed_in(Role.EDITOR)
def article(article_key: str) -> tuple[str, int]:
    """One article: its settings, and its comments by status with links into the queue."""
    return _article_page(_article(article_key))


@blueprint.post("/artikel/<path:article_key>")
@signed_in(Role.EDITOR)
def change_article(article_key: str) -> Response | tuple[str, int]:
    """Change an article's mode, whether it takes comments, its title or address."""
    found = _article(article_key)
    entered = request.form.to_dict()
    try:
        data = ArticleForm().load(entered)
    except ValidationError as error:
        return _article_page(found, 422, problems=_problems(error.messages), entered=entered)
    back = data.pop("weiter")
    article_service.update_article(request_session(), found.key, data, now(),
                            actor=current_account().actor)
    return redirect(_with_saved(back, found), 303)


def _with_saved(back: str | None, found: Article) -> str:
    """Where the form came from (the list, with its filters), saying what was saved; else
    the article's page."""
    target = safe_next(back) if back else None
    if target is None or target == PREFIX + "/":
        return url_for("workspace.article", article_key=found.key, gespeichert=1)
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "gespeichert"]
    query.append(("gespeichert", found.key))
    return urlunsplit(("", "", parts.path, urlencode(query), f"artikel-{found.id}"))
