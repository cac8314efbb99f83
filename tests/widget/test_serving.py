"""How the service serves widget.js and count.js: JavaScript any origin may load, a strong
ETag with a 304, a short cache at the stable URL, a year at the versioned one, no cookies."""

from __future__ import annotations

import gzip

import pytest

from moderation.widget import IMMUTABLE_CACHE, STABLE_CACHE


@pytest.fixture
def built(app):
    return app.extensions["moderation.widget"]


@pytest.mark.parametrize("name", ["widget", "count"])
def test_the_stable_url_serves_javascript_for_any_origin_with_an_etag(client, built, name):
    response = client.get(f"/{name}.js")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == STABLE_CACHE
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{built[name].version}"'
    assert "Set-Cookie" not in response.headers
    assert response.data == built[name].body


@pytest.mark.parametrize("name", ["widget", "count"])
def test_a_revisit_with_the_etag_costs_a_304(client, name):
    etag = client.get(f"/{name}.js").headers["ETag"]

    again = client.get(f"/{name}.js", headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag


def test_the_versioned_url_may_be_cached_for_a_year(client, built):
    response = client.get(f"/{built['widget'].versioned_name}")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE_CACHE
    assert response.data == built["widget"].body


def test_an_earlier_version_gets_this_one_cached_briefly(client, built):
    response = client.get("/widget.0123456789abcdef.js")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == STABLE_CACHE
    assert response.data == built["widget"].body


def test_a_browser_that_takes_gzip_gets_it_with_its_own_etag(client, built):
    response = client.get("/widget.js", headers={"Accept-Encoding": "gzip, deflate, br"})

    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.data) == built["widget"].body
    assert response.headers["ETag"] == f'"{built["widget"].version}-gz"'
    assert client.get("/widget.js", headers={
        "Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]}).status_code == 304


def test_the_script_knows_where_the_service_is_from_its_own_url(client):
    source = client.get("/widget.js").get_data(as_text=True)
    assert "new URL(script.src).origin" in source
    assert "Dein Kommentar wird geprüft." in source
