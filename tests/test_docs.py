"""The interactive docs at /docs: every file the page loads comes from this app, under a
policy that allows nothing else."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from flask.testing import FlaskClient

import moderation


class References(HTMLParser):
    """Every URL a page names in an attribute, and whether it has inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]
        self._in_script = tag == "script" and "src" not in names
        self.inline_styles += tag == "style" or "style" in names
        self.inline_scripts += any(name.startswith("on") for name in names)

    def handle_data(self, data: str) -> None:
        self.inline_scripts += self._in_script and bool(data.strip())

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_the_page_and_every_file_it_loads_come_from_the_app(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    references = References()
    references.feed(html)

    assert len(references.urls) == 3  # Swagger UI's stylesheet and script, and ours
    for url in references.urls:
        assert url.startswith("/"), url
        with client.get(url) as asset:  # a file answer: closed, or it leaks a handle
            assert asset.status_code == 200, url
            assert asset.mimetype in {"text/css", "text/javascript"}
            assert len(asset.data) > 300
    assert "/openapi.json" in html
    assert client.get("/openapi.json").status_code == 200
    # No host of anyone else: not even a protocol-relative or absolute URL.
    assert not re.search(r"(https?:)?//", html)


def test_the_page_runs_only_our_files(client: FlaskClient) -> None:
    page = client.get("/docs")
    policy = directives(page.headers["Content-Security-Policy"])

    assert policy == {
        "default-src": "'none'", "script-src": "'self'", "style-src": "'self'",
        "img-src": "'self' data:", "connect-src": "'self'", "base-uri": "'none'",
        "form-action": "'none'", "frame-ancestors": "'none'"}
    references = References()
    references.feed(page.get_data(as_text=True))
    assert (references.inline_scripts, references.inline_styles) == (0, 0)


def test_swagger_ui_is_pinned_and_its_other_files_are_not_served(
        client: FlaskClient) -> None:
    with client.get("/docs/swagger-ui/swagger-ui-bundle.js") as bundle:
        assert bundle.headers["Cache-Control"] == "public, max-age=86400"
    for name in ("swagger-editor-bundle.js", "swagger-ui-bundle.js.map", "..%2F__init__.py",
                 "LICENSE"):
        response = client.get(f"/docs/swagger-ui/{name}")
        assert response.status_code == 404, name
        assert set(response.get_json()) == {"code", "message", "errors"}


def test_our_start_up_script_sends_nothing_to_a_validator(client: FlaskClient) -> None:
    with client.get("/docs/static/docs.js") as answer:
        script = answer.get_data(as_text=True)
    assert "validatorUrl: null" in script
    assert "document.body.dataset.specUrl" in script


def test_no_file_of_the_package_names_a_cdn() -> None:
    package = Path(moderation.__file__).parent
    sources = [path for path in package.rglob("*") if path.suffix in {".py", ".js", ".html"}]
    assert sources
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"cdn\.|jsdelivr|unpkg|cdnjs", text), path
