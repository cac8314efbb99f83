"""The widget's POST of a comment taken in front of Flask.

A comment arriving is the service's busiest write, and Flask's request cycle around it
(routing, hooks, webargs, the limiter's per-request machinery, the response object) cost
as much as storing it. Here a valid comment is read with the view's own schema, counted
against the same three limits in the same storage, and stored by the view's own body
(``intake.receive_comment``); the answer is the view's, header for header (``tests/api/
test_fast_intake.py`` compares them). Everything else goes on to Flask with the body as it
came, which answers it as it always did: a body to judge (not JSON, invalid, too large), a
refused limit, an origin CORS does not name, a closed article or a reply to an unknown
comment (rolled back here, judged there), a database that is away.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from marshmallow import ValidationError

from moderation.answer_json import answer_json
from moderation.api.front import (
    SECURITY,
    Answer,
    Finish,
    Limits,
    WidgetCors,
    WSGIApp,
    article_key_of,
    request_id_of,
)
from moderation.api.intake import COMMENT_IN, SUBMITTED, receive_comment
from moderation.api.json_body import loads
from moderation.api.limits import article_bucket, email_bucket
from moderation.db import UNAVAILABLE
from moderation.errors import DomainError
from moderation.logs import request_context
from moderation.text import normalised_email

log = logging.getLogger(__name__)

# Flask's answer to a failure of ours (``api/errors.py``), made before anything can fail.
INTERNAL_ERROR = answer_json({"code": "internal_error", "errors": {},
                              "message": "Something went wrong on our side."})


class FastIntake:
    """WSGI middleware: ``app.wsgi_app = FastIntake(app, app.wsgi_app)``, inside any ProxyFix
    (limits count per client network, and the address hash is the client's)."""

    def __init__(self, app: Flask, flask_wsgi: WSGIApp) -> None:
        self.flask_wsgi = flask_wsgi
        self.state = app.extensions["moderation"]
        self.max_body = self.state.config.max_body_bytes
        self.cors, self.limits = WidgetCors(self.state.config), Limits(self.state.config)
        self.finish = Finish("POST", (202, 500))
        self.database_errors = (*UNAVAILABLE,
                                self.state.database.engine.dialect.loaded_dbapi.Error)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.flask_wsgi(environ, start_response)
        started = time.perf_counter()
        request_id = request_id_of(environ)
        try:
            answer = self._answer(environ, request_id)
        except Exception:  # a bug here must not cost the reader the comment: Flask answers
            log.exception("fast path for comments failed; Flask answers the request")
            answer = None
        if answer is None:
            return self.flask_wsgi(environ, start_response)
        return self.finish(answer, request_id, started, start_response)

    def _answer(self, environ: dict[str, Any], request_id: str) -> Answer | None:
        """The 202, or None when Flask is to answer (nothing was stored then)."""
        article_key = article_key_of(environ)
        if article_key is None or not _is_json(environ.get("CONTENT_TYPE", "")):
            return None
        document = self._body(environ)
        cors = self.cors.headers(environ)
        if document is None or cors is None:
            return None
        try:
            sent = loads(document)
            data = COMMENT_IN.load(sent)
        except (ValueError, ValidationError, TypeError):  # Flask says what is wrong
            return None
        if not self._count(environ, article_key, sent.get("author_email")):
            return None
        try:
            with request_context(request_id):  # the scoring job carries the request's id
                submitted = receive_comment(self.state, article_key, data,
                                            environ.get("REMOTE_ADDR"))
        except (DomainError, *self.database_errors):
            return None  # rolled back: Flask judges it again and answers
        # Stored: from here on nothing may hand the request to Flask, which would store it
        # again. A failure now is answered here, as Flask answers one.
        status = "202 ACCEPTED"
        try:
            body = answer_json(SUBMITTED.dump(submitted))
        except Exception:
            log.exception("the answer to a stored comment failed")
            status, body = "500 INTERNAL SERVER ERROR", INTERNAL_ERROR
        return status, [("Content-Type", "application/json"),
                        ("Content-Length", str(len(body))), *SECURITY, *cors], body

    def _body(self, environ: dict[str, Any]) -> bytes | None:
        """The body, read whole and put back for Flask to read again; None when its length is
        not given or over the limit (Flask answers: 411 semantics, 413)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if not 0 < length <= self.max_body:
            return None
        document = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(document)
        return document if len(document) == length else None

    def _count(self, environ: dict[str, Any], article_key: str, email: Any) -> bool:
        """The view's three limits: per network, per author email (when one is sent, read
        as ``limits._author_email`` reads it), per article."""
        limits = [("limit_comments_per_address", self.limits.network(environ))]
        if isinstance(email, str) and (key := normalised_email(email)) is not None:
            limits.append(("limit_comments_per_email", email_bucket(key)))
        limits.append(("limit_comments_per_article", article_bucket(article_key)))
        return self.limits.count(environ, *limits)


def _is_json(content_type: str) -> bool:
    """``application/json`` (parameters aside), as Flask's ``request.is_json`` reads it."""
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json"))
