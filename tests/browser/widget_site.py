"""A publisher's site for the widget's browser tests and screenshots: article pages on their
own loopback port (another origin than the service) that embed the widget with the two
documented lines, under a strict Content-Security-Policy (scripts and fetches from the
comment service only, no inline style), and a front page with count.js. Plus the comment
service's test data, written through the services."""

from __future__ import annotations

import html
import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from moderation.config import Config
from moderation.db import Database
from moderation.domain import ModerationMode, Role
from moderation.services import articles, keys, moderation
from moderation.services.actors import Decider
from moderation.services.comments import NewComment, submit_comment
from moderation.statements import PublisherTerms
from tests.browser.live import HOST

ARTICLE = "ki-im-alltag"
QUIET_ARTICLE = "bahnstreik-2026"  # no comments yet
LONG_ARTICLE = "stadtrat-haushalt"  # more comments than one page of the widget holds
LONG_THREAD = 23
TITLE = "KI im Alltag: Was Sprachmodelle heute können"
MARKUP = "<img src=x onerror=alert(1)> <b>fett?</b>"
EDITOR = Decider.user("chefin@zeitung.example.de")
# (author, text, replies below it): the thread a reader finds, oldest first.
THREAD = [
    ("Jürgen Müller", "Spannender Artikel – danke für die Übersicht! Grüße aus München.",
     [("Anna Schäfer", "Sehe ich auch so."), ("Bernd Özdemir", "Die Größe des Modells ist "
                                                               "nicht alles."),
      ("Petra Weiß", "Und die Daten?"), ("Heinz Krüger", "Gute Frage, Petra."),
      ("Lena Groß", "Die Daten zählen mehr als alles andere.")]),
    ("Miriam Yılmaz", "Könnt ihr einen Folgeartikel über Datenschutz schreiben?", []),
    ("Testerin", MARKUP, []),
]


@dataclass
class Seeded:
    """What the widget's database holds: an editor's key and comment ids by text."""

    editor_key: str
    comments: dict[str, str] = field(default_factory=dict)


def seed(database_url: str) -> Seeded:
    """Three pre-moderated articles (every comment waits for an editor): one with a thread
    an editor approved this morning, one without comments, one with a long discussion."""
    now = datetime.now(UTC) - timedelta(hours=2)
    terms = PublisherTerms.of(Config(database_url=database_url))
    database = Database(database_url)
    try:
        with database.transaction() as session:
            secret = keys.create_key(session, "redaktion", Role.EDITOR, now).secret
            seeded = Seeded(secret)
            for key, title in ((ARTICLE, TITLE),
                               (QUIET_ARTICLE, "Bahnstreik: Was Pendler jetzt wissen müssen"),
                               (LONG_ARTICLE, "Stadtrat beschließt den Haushalt 2027")):
                articles.update_article(session, key, {
                    "title": title, "moderation_mode": ModerationMode.PRE,
                    "url": f"https://zeitung.example.de/{key}"}, now)
            minute = 0
            for author, text, replies in THREAD:
                minute += 5
                parent = _approved(session, NewComment(author, text), now, minute, terms)
                seeded.comments[text] = parent
                for reply_author, reply in replies:
                    minute += 5
                    seeded.comments[reply] = _approved(
                        session, NewComment(reply_author, reply, parent_id=parent), now, minute,
                        terms)
            for number in range(1, LONG_THREAD + 1):
                _approved(session, NewComment("Leserin", f"Meinung Nr. {number} zum Haushalt"),
                          now, number, terms, LONG_ARTICLE)
    finally:
        database.dispose()
    return seeded


def _approved(session, new: NewComment, now: datetime, minute: int,
              terms: PublisherTerms, article: str = ARTICLE) -> str:
    at = now + timedelta(minutes=minute)
    comment_id = submit_comment(session, article, new, at, terms=terms).comment.public_id
    moderation.decide(session, comment_id, "approve", EDITOR, reason_code=None, reason=None,
                      now=at, terms=terms)
    return comment_id


def editor_call(service_url: str, key: str, path: str, body: dict | None = None,
                method: str = "POST") -> dict:
    """What an editor does through the API with their key (POST, JSON; or a GET)."""
    data = json.dumps(body or {}).encode() if method == "POST" else None
    request = urllib.request.Request(  # noqa: S310 (the test service on loopback)
        service_url + path, data=data, method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())


ARTICLE_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/site.css"></head>
<body class="{theme}">
<main>
<h1>{title}</h1>
<p>Sprachmodelle schreiben Briefe, fassen Berichte zusammen und beantworten Fragen.</p>
<script src="{api}/widget.js" data-article="{article}" {attributes} async></script>
<div id="kommentare"></div>
</main>
</body>
</html>
"""

FRONT_PAGE = """<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>Startseite</title></head>
<body><main><h1>Startseite</h1>
<ul>
<li><a href="/artikel/{article}">KI im Alltag</a>
  <span data-kommentare-zaehler="{article}"></span></li>
<li><a href="/artikel/{quiet}">Bahnstreik</a>
  <span data-kommentare-zaehler="{quiet}"></span></li>
<li lang="en"><a href="/artikel/{article}?lang=en">AI in everyday life</a>
  <span data-kommentare-zaehler="{article}"></span></li>
</ul>
<script src="{api}/count.js" async></script>
</main></body></html>
"""

# The publisher's own styles: their font and accent colour reach into the widget through
# its custom properties, nothing else does.
SITE_CSS = """
body{font-family:Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
body.dark{background:#16181c;color:#ececec}
#kommentare{--kommentare-font:system-ui,sans-serif;--kommentare-accent:#8a1538}
body.dark #kommentare{--kommentare-accent:#ffb4c6}
"""


class _Site(BaseHTTPRequestHandler):
    api = ""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if parts.path == "/site.css":
            return self._send(SITE_CSS, "text/css")
        if parts.path == "/":
            return self._send(FRONT_PAGE.format(api=self.api, article=ARTICLE,
                                                quiet=QUIET_ARTICLE))
        if parts.path.startswith("/artikel/"):
            data = {name: query[name] for name in ("lang", "theme", "refresh", "title", "url")
                    if name in query}
            attributes = " ".join(f'data-{name}="{html.escape(value)}"'
                                  for name, value in data.items())
            return self._send(ARTICLE_PAGE.format(
                api=self.api, article=html.escape(parts.path.removeprefix("/artikel/")),
                lang=html.escape(query.get("page_lang", "de")), title=html.escape(TITLE),
                theme="dark" if query.get("theme") == "dark" else "light",
                attributes=attributes))
        self.send_response(404)
        self.end_headers()

    def _send(self, text: str, kind: str = "text/html") -> None:
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        # What a careful publisher allows: the comment service's script and API, their own
        # styles, no inline style or script. The widget must work under it.
        self.send_header("Content-Security-Policy",
                         f"default-src 'none'; script-src {self.api}; connect-src {self.api}; "
                         "style-src 'self'; base-uri 'none'; form-action 'none'")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet test output


@dataclass
class Site:
    url: str
    handler: type[_Site]

    def point_to(self, api: str) -> None:
        """Embed the widget from the service at ``api``."""
        self.handler.api = api


@contextmanager
def publisher_site() -> Iterator[Site]:
    """The publisher's site on a port of its own, until the block ends."""
    handler = type("SiteHandler", (_Site,), {})
    server = ThreadingHTTPServer((HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://{HOST}:{server.server_address[1]}", handler)
    finally:
        server.shutdown()
        server.server_close()
