"""The readers' notification pages (see the package's docstring)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from marshmallow import Schema, ValidationError

from moderation.api.context import now, read_only_session, state, unit_of_work
from moderation.errors import Invalid, NotFound
from moderation.models import ReaderAddress
from moderation.schemas import (
    ConfirmFormSchema,
    OneClickSchema,
    ReaderDataQuerySchema,
    ReaderPageQuerySchema,
)
from moderation.services import privacy, reader_mail
from moderation.texts import day

blp = Blueprint("notifications", __name__, url_prefix="/v1/notifications",
                template_folder="templates", static_folder="static")

# Styles from here only, no script at all, forms posted back here only, never framed.
READER_CSP = ("default-src 'none'; style-src 'self'; form-action 'self'; "
              "frame-ancestors 'none'; base-uri 'none'")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

_TEXTS: dict[str, dict[str, Any]] = {
    "de": {
        "service": "Kommentare – Benachrichtigungen",
        "confirm.title": "E-Mail-Adresse bestätigen",
        "confirm.ask": ["Möchtest du per E-Mail erfahren, wenn dein Kommentar veröffentlicht "
                        "oder abgelehnt wird und wenn jemand darauf antwortet?",
                        "Bestätige es mit dem Knopf. Du kannst die Mails jederzeit "
                        "abbestellen."],
        "confirm.button": "Ja, benachrichtige mich",
        "confirmed.title": "Bestätigt",
        "confirmed.done": ["Danke! Du bekommst ab jetzt Benachrichtigungen zu deinen "
                           "Kommentaren."],
        "suppressed.title": "Keine Mails an diese Adresse",
        "suppressed.done": ["An diese Adresse schicken wir keine Mails mehr."],
        "unsubscribe.title": "Benachrichtigungen abbestellen",
        "unsubscribe.ask": ["Möchtest du keine Mails mehr von uns an diese Adresse "
                            "bekommen?"],
        "unsubscribe.button": "Keine Mails mehr",
        "unsubscribed.title": "Abbestellt",
        "unsubscribed.done": ["Du bekommst keine Mails mehr von uns an diese Adresse."],
        "not_found.title": "Link nicht gefunden",
        "not_found.text": ["Diesen Link kennen wir nicht (mehr). Vielleicht wurden die Daten "
                           "zu dieser Adresse inzwischen gelöscht."],
        "data_link": "Was wir zu deiner Adresse gespeichert haben",
        "unsubscribe_link": "Benachrichtigungen abbestellen",
        "data.title": "Deine Daten",
        "data.intro": "Das haben wir zu deiner E-Mail-Adresse gespeichert.",
        "data.address_heading": "Deine Adresse", "data.email": "E-Mail",
        "data.state": "Stand", "data.language": "Sprache",
        "data.comments_heading": "Deine Kommentare", "data.written": "Geschrieben",
        "data.article": "Artikel", "data.status": "Status",
        "data.notified": "Benachrichtigung", "data.no_comments": "Keine Kommentare.",
        "data.mails_heading": "Mails", "data.mails_count": "Mails an diese Adresse: {n}",
        "data.download": "Alles als JSON herunterladen",
        "data.stop": "Keine Mails mehr an diese Adresse",
        "state.confirmed": "bestätigt – Benachrichtigungen an",
        "state.unconfirmed": "nicht bestätigt – keine Benachrichtigungen",
        "state.unsubscribed": "abbestellt – keine Mails",
        "state.bounced": "unzustellbar – keine Mails",
        "state.complaint": "als Spam gemeldet – keine Mails",
        "status.approved": "veröffentlicht", "status.rejected": "abgelehnt",
        "status.pending": "wartet auf Prüfung", "status.review": "wartet auf Prüfung",
        "status.erased": "gelöscht", "yes": "ja", "no": "nein",
    },
    "en": {
        "service": "Comments – notifications",
        "confirm.title": "Confirm your email address",
        "confirm.ask": ["Do you want to be told by email when your comment is published or "
                        "rejected and when someone replies to it?",
                        "Confirm with the button. You can unsubscribe at any time."],
        "confirm.button": "Yes, notify me",
        "confirmed.title": "Confirmed",
        "confirmed.done": ["Thank you! From now on you get notifications about your "
                           "comments."],
        "suppressed.title": "No mail to this address",
        "suppressed.done": ["We send no more mail to this address."],
        "unsubscribe.title": "Unsubscribe from notifications",
        "unsubscribe.ask": ["Do you want no more mail from us to this address?"],
        "unsubscribe.button": "No more mail",
        "unsubscribed.title": "Unsubscribed",
        "unsubscribed.done": ["You get no more mail from us at this address."],
        "not_found.title": "Link not found",
        "not_found.text": ["We do not know this link (any more). The data of this address "
                           "may have been erased meanwhile."],
        "data_link": "What we store about your address",
        "unsubscribe_link": "Unsubscribe from notifications",
        "data.title": "Your data",
        "data.intro": "This is what we store about your email address.",
        "data.address_heading": "Your address", "data.email": "Email",
        "data.state": "State", "data.language": "Language",
        "data.comments_heading": "Your comments", "data.written": "Written",
        "data.article": "Article", "data.status": "Status",
        "data.notified": "Notifications", "data.no_comments": "No comments.",
        "data.mails_heading": "Mails", "data.mails_count": "Mails to this address: {n}",
        "data.download": "Download everything as JSON",
        "data.stop": "No more mail to this address",
        "state.confirmed": "confirmed – notifications on",
        "state.unconfirmed": "not confirmed – no notifications",
        "state.unsubscribed": "unsubscribed – no mail",
        "state.bounced": "undeliverable – no mail",
        "state.complaint": "reported as spam – no mail",
        "status.approved": "published", "status.rejected": "rejected",
        "status.pending": "waiting for review", "status.review": "waiting for review",
        "status.erased": "erased", "yes": "yes", "no": "no",
    },
}


@blp.after_request
def _reader_headers(response: Response) -> Response:
    """The token is in the URL: no referrer, no cache, no search engine keeps it."""
    response.headers["Content-Security-Policy"] = READER_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    if response.mimetype != "text/css":
        response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/confirm/<token>")
def confirm_page(token: str) -> Any:
    """Ask the reader to confirm (a GET changes nothing: mail scanners open links)."""
    def page(address: ReaderAddress, language: str) -> str:
        if address.suppressed:
            return _say(language, "suppressed")
        if address.confirmed:
            return _say(language, "confirmed", address)
        return _ask(language, "confirm", url_for(".confirm", token=token, lang=language), [])
    return _reading(token, page)


@blp.post("/confirm/<token>")
def confirm(token: str) -> Any:
    """The reader confirms the address: notifications start."""
    _load(ConfirmFormSchema(), request.form)

    def change(session: Any, language: str | None) -> str:
        address = reader_mail.confirm(session, token, now())
        language = language or address.language
        return _say(language, "suppressed" if address.suppressed else "confirmed", address)
    return _changing(token, change)


@blp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Any:
    """Ask the reader whether to stop all mail to the address."""
    def page(address: ReaderAddress, language: str) -> str:
        if address.suppressed:
            return _say(language, "suppressed")
        return _ask(language, "unsubscribe",
                    url_for(".unsubscribe", token=token, lang=language),
                    [("List-Unsubscribe", "One-Click")])
    return _reading(token, page)


@blp.post("/unsubscribe/<token>")
def unsubscribe(token: str) -> Any:
    """Stop all mail to the address: the page's button, or a mail client's one-click
    (RFC 8058, ``List-Unsubscribe=One-Click``, form-encoded, no cookie)."""
    _load(OneClickSchema(), request.form)

    def change(session: Any, language: str | None) -> str:
        address = reader_mail.unsubscribe(session, token, now())
        return _say(language or address.language, "unsubscribed")
    return _changing(token, change)


@blp.get("/data/<token>")
def data(token: str) -> Any:
    """What is stored about the address (the reader's export), as a page or as JSON."""
    query = _load(ReaderDataQuerySchema(), request.args)
    if not TOKEN.match(token):
        return _not_found(query["lang"])
    with unit_of_work() as session:  # the export is audited
        try:
            address = reader_mail.by_token(session, token)
        except NotFound:
            return _not_found(query["lang"])
        exported = privacy.export_author(
            session, address.email, actor="reader", now=now(),
            address_retention_days=state().config.address_retention_days)
    if query["format"] == "json":
        return exported, 200, {
            "Content-Disposition": 'attachment; filename="meine-daten.json"'}
    language = query["lang"] or address.language
    return _data_page(address, exported, language, token)


# --- helpers --------------------------------------------------------------------------------

def _reading(token: str, page: Callable[[ReaderAddress, str], str]) -> Any:
    query = _load(ReaderPageQuerySchema(), request.args)
    if not TOKEN.match(token):
        return _not_found(query["lang"])
    with read_only_session() as session:
        try:
            address = reader_mail.by_token(session, token)
        except NotFound:
            return _not_found(query["lang"])
        return page(address, query["lang"] or address.language)


def _changing(token: str, change: Callable[[Any, str | None], str]) -> Any:
    query = _load(ReaderPageQuerySchema(), request.args)
    if not TOKEN.match(token):
        return _not_found(query["lang"])
    try:
        with unit_of_work() as session:
            return change(session, query["lang"])
    except NotFound:
        return _not_found(query["lang"])


def _load(schema: Schema, values: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(values)
    except ValidationError as error:
        raise Invalid("The request is not valid; see errors for each field.",
                      errors=error.normalized_messages()) from None


def _texts(language: str | None) -> dict[str, Any]:
    return _TEXTS[language or state().config.language]


def _ask(language: str, what: str, action: str, fields: list[tuple[str, str]]) -> str:
    t = _texts(language)
    return render_template("readers/question.html", language=language, links=[],
                           t={"service": t["service"], "title": t[f"{what}.title"],
                              "paragraphs": t[f"{what}.ask"]},
                           form={"action": action, "fields": fields,
                                 "button": t[f"{what}.button"]})


def _say(language: str, what: str, address: ReaderAddress | None = None) -> str:
    t = _texts(language)
    links = [] if address is None else [
        {"url": url_for(".data", token=address.token, lang=language),
         "label": t["data_link"]},
        {"url": url_for(".unsubscribe_page", token=address.token, lang=language),
         "label": t["unsubscribe_link"]}]
    return render_template("readers/question.html", language=language, form=None,
                           links=links, t={"service": t["service"], "title": t[f"{what}.title"],
                                           "paragraphs": t[f"{what}.done"]})


def _not_found(language: str | None) -> tuple[str, int]:
    language = language or state().config.language
    t = _texts(language)
    return render_template("readers/question.html", language=language, form=None, links=[],
                           t={"service": t["service"], "title": t["not_found.title"],
                              "paragraphs": t["not_found.text"]}), 404


def _data_page(address: ReaderAddress, exported: dict[str, Any], language: str,
               token: str) -> str:
    t = _texts(language)
    notifications = exported.get("notifications") or {}
    subscribed = set(notifications.get("subscribed_comments", []))
    comments = [{
        "written": day(datetime.fromisoformat(c["created_at"]).date(), language),
        "article": c["article_title"] or c["article_key"],
        "status": t["status.erased" if c["erased_at"] else f"status.{c['status']}"],
        "notified": t["yes" if c["id"] in subscribed else "no"],
    } for c in exported["comments"]]
    state_key = f"state.{address.suppressed_reason}" if address.suppressed else (
        "state.confirmed" if address.confirmed else "state.unconfirmed")
    texts = {key.removeprefix("data."): value for key, value in t.items()
             if key.startswith("data.")}
    return render_template(
        "readers/data.html", language=language, address=address, comments=comments,
        address_state=t[state_key], mails=len(notifications.get("mails", [])),
        download=url_for(".data", token=token, format="json"),
        stop_action=url_for(".unsubscribe", token=token, lang=language),
        t={**texts, "service": t["service"]})
