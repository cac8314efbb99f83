"""The workspace's shell: pages under /redaktion/, their files, headers and error pages."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from moderation import API_CSP
from moderation.workspace.assets import STATIC
from moderation.workspace.headers import WORKSPACE_CSP


class Page(HTMLParser):
    """What a page references and whether anything on it runs or styles inline."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.stylesheets: list[dict[str, str | None]] = []
        self.inline = 0
        self.landmarks: set[str] = set()
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            self.scripts.append(names)
        if tag == "link" and names.get("rel") == "stylesheet":
            self.stylesheets.append(names)
        self._in_script = tag == "script" and "src" not in names
        self.inline += tag == "style" or "style" in names or any(
            name.startswith("on") for name in names)
        if tag in {"header", "nav", "main"}:
            self.landmarks.add(tag)

    def handle_data(self, data: str) -> None:
        self.inline += self._in_script and bool(data.strip())


def parsed(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_a_page_is_german_with_a_skip_link_landmarks_and_no_inline_code(
        editor_browser: FlaskClient):
    response = editor_browser.get("/redaktion/konto")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="de">' in html
    assert '<a class="skip-link" href="#main">Zum Inhalt springen</a>' in html
    assert re.search(r'<meta name="csrf-token" content="[\w-]{43}">', html)
    page = parsed(html)
    assert page.inline == 0
    assert {"header", "nav", "main"} <= page.landmarks


@pytest.mark.parametrize("path", ["/redaktion/anmelden", "/redaktion/gibt-es-nicht"])
def test_every_script_and_stylesheet_is_ours_with_its_integrity(client: FlaskClient,
                                                               path: str):
    page = parsed(client.get(path).get_data(as_text=True))

    assert [s["type"] for s in page.scripts] == ["module"]
    for reference in [*page.scripts, *page.stylesheets]:
        url = reference.get("src") or reference["href"]
        assert url.startswith("/redaktion/static/")
        with client.get(url) as served:
            assert served.status_code == 200
            body = served.data
        digest = base64.b64encode(hashlib.sha384(body).digest()).decode()
        assert reference["integrity"] == f"sha384-{digest}"
        name = url.removeprefix("/redaktion/static/").split("?")[0]
        assert body == (STATIC / name).read_bytes()


@pytest.mark.parametrize("path", ["/redaktion/", "/redaktion/konto",
                                  "/redaktion/konto/zwei-faktor", "/redaktion/anmelden",
                                  "/redaktion/static/workspace.js",
                                  "/redaktion/static/workspace.css", "/redaktion/gibt-es-nicht"])
def test_workspace_answers_carry_the_strict_policy(editor_browser: FlaskClient, path: str):
    with editor_browser.get(path) as response:
        assert response.status_code in {200, 302, 404}

    assert response.headers["Content-Security-Policy"] == WORKSPACE_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert ("no-store" in response.headers.get("Cache-Control", "")) == (
        "static" not in path)


def test_the_api_keeps_its_own_policy(client: FlaskClient):
    response = client.get("/healthz")
    assert response.headers["Content-Security-Policy"] == API_CSP
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_an_unknown_page_is_a_german_404_page(client: FlaskClient):
    response = client.get("/redaktion/gibt-es-nicht")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<h1>Seite nicht gefunden</h1>" in html and "Traceback" not in html


def test_a_fetch_gets_the_error_as_json(client: FlaskClient):
    response = client.get("/redaktion/gibt-es-nicht", headers={"Accept": "application/json"})

    assert response.status_code == 404
    assert response.get_json() == {"code": "not_found", "errors": {},
                                   "message": "Unter dieser Adresse gibt es keine Seite."}


def test_a_wrong_method_is_a_german_405_page_naming_the_allowed_ones(client: FlaskClient):
    response = client.delete("/redaktion/anmelden")

    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "Hier nicht möglich" in response.get_data(as_text=True)


def test_outside_the_workspace_errors_stay_json(client: FlaskClient):
    response = client.get("/v1/gibt-es-nicht")

    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_every_workspace_page_carries_the_strict_policy_and_no_store(app, admin_browser):
    pages = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith("workspace.") and "GET" in (rule.methods or ())
                   and not rule.arguments and rule.endpoint != "workspace.static")

    assert {"/redaktion/", "/redaktion/anmelden", "/redaktion/konto",
            "/redaktion/konten"} <= set(pages)
    for path in pages:
        with admin_browser.get(path) as response:
            assert response.status_code < 500, path
            assert response.headers["Content-Security-Policy"] == WORKSPACE_CSP, path
            assert response.headers["Cache-Control"] == "no-store", path
            assert response.headers["Referrer-Policy"] == "same-origin", path


@pytest.mark.parametrize(("path", "current"), [
    ("/redaktion/richtlinie", "Richtlinie"),
    ("/redaktion/richtlinie/verlauf", "Richtlinie"),
    ("/redaktion/artikel", "Artikel"),
    ("/redaktion/konten", "Konten"),
])
def test_the_navigation_marks_the_screen_a_page_belongs_to(admin_browser: FlaskClient,
                                                           path: str, current: str):
    html = admin_browser.get(path).get_data(as_text=True)
    main_navigation = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    marked = re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', main_navigation)
    assert marked == [current]
