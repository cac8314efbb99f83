"""The admins' screens in Chromium: a webhook endpoint subscribed and pinged (a real
receiver on loopback checks the signature), an API key created, copied and revoked (the
API takes it, then refuses it), a reader's data found, downloaded and erased; each page
accessible (axe-core) and within its policy."""

from __future__ import annotations

import itertools
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from moderation.webhooks.signing import sign
from tests.browser.checks import assert_accessible
from tests.browser.live import LiveServer
from tests.browser.people import Person, sign_in
from tests.webhooks.endpoints import Receiver

pytestmark = pytest.mark.browser

_numbers = itertools.count(1)


@pytest.fixture
def admin(page: Page, make_account: Callable[..., Person]) -> Person:
    person = make_account(role="admin", name="Claudia Brandt")
    sign_in(page, person)
    return person


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


def api_status(service: LiveServer, key: str) -> int:
    """What the API answers a request made with ``key``."""
    request = urllib.request.Request(  # noqa: S310 (the service on loopback)
        f"{service.url}/v1/moderation/queue/counts", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def post_comment(service: LiveServer, email: str, body: str) -> str:
    """A reader's comment through the public API; its id."""
    request = urllib.request.Request(  # noqa: S310 (the service on loopback)
        f"{service.url}/v1/articles/ki-im-alltag/comments", method="POST",
        data=json.dumps({"author_name": "Lea Leserin", "author_email": email,
                         "body": body}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())["id"]


def test_an_admin_subscribes_a_webhook_pings_it_and_deletes_it(page: Page, admin: Person,
                                                                receiver: Receiver) -> None:
    page.goto("/redaktion/webhooks")
    assert_accessible(page)
    page.get_by_label("Adresse (URL)").fill(receiver.url("/cms"))
    page.get_by_label("Beschreibung (optional)").fill("CMS der Zeitung")
    page.get_by_label("Ein Kommentar wurde abgelehnt").check()
    page.get_by_role("button", name="Endpunkt einrichten").click()

    secret = page.locator("#signing-secret").inner_text()
    assert secret.startswith("whsec_")
    expect(page.get_by_text("Nur jetzt sichtbar.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Weiter zum Endpunkt").click()
    expect(page.get_by_text(secret)).to_have_count(0)

    page.get_by_role("button", name="Ping senden").click()

    expect(page.locator("[data-ping-outcome]")).to_contain_text(
        "Zugestellt: Der Empfänger antwortete mit HTTP 204")
    [ping] = receiver.requests
    assert json.loads(ping.body)["type"] == "ping"
    assert sign(secret, ping.headers["webhook-id"], int(ping.headers["webhook-timestamp"]),
                ping.body) in ping.headers["webhook-signature"].split()
    page.reload()
    expect(page.locator("tr[data-state=succeeded]")).to_have_count(1)
    assert_accessible(page)

    page.get_by_label("Diesen Endpunkt und sein ganzes Zustellprotokoll endgültig löschen").check()
    page.get_by_role("button", name="Endpunkt löschen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Der Endpunkt und seine Zustellungen wurden gelöscht.")
    expect(page.get_by_text(receiver.url("/cms"))).to_have_count(0)


def test_an_admin_creates_copies_and_revokes_an_api_key(page: Page, context: BrowserContext,
                                                        admin: Person,
                                                        service: LiveServer) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=service.url)
    name = f"cms-{next(_numbers)}"
    page.goto("/redaktion/schluessel")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Rolle").select_option("editor")
    page.get_by_label("Gültig für Tage (optional)").fill("30")
    page.get_by_role("button", name="Schlüssel erstellen").click()

    key = page.locator("#api-key").inner_text()
    assert key.startswith("mod_")
    page.get_by_role("button", name="Kopieren").click()
    expect(page.get_by_text("In die Zwischenablage kopiert.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert_accessible(page)
    assert api_status(service, key) == 200

    page.get_by_role("link", name="Zurück zu den API-Schlüsseln").click()
    expect(page.get_by_text(key)).to_have_count(0)
    row = page.locator("tr", has_text=name)
    expect(row).to_contain_text("aktiv")
    assert_accessible(page)
    row.get_by_role("button", name=re.compile("^Widerrufen")).click()

    expect(page.get_by_role("status")).to_contain_text("Der Schlüssel ist widerrufen")
    expect(page.locator("tr", has_text=name)).to_contain_text("widerrufen")
    assert api_status(service, key) == 401


def test_an_admin_finds_downloads_and_erases_a_readers_data(page: Page, admin: Person,
                                                            service: LiveServer) -> None:
    email = f"leserin{next(_numbers)}@example.de"
    post_comment(service, email, "Gute Übersicht, danke! Grüße aus Köln.")
    page.goto("/redaktion/datenschutz")
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse der Person").fill(email.upper())
    page.get_by_role("button", name="Daten suchen").click()

    expect(page.locator("[data-holdings]")).to_contain_text("1 Kommentar")
    assert_accessible(page)
    with page.expect_download() as started:
        page.get_by_role("button", name="Als JSON herunterladen").click()
    download = started.value
    assert download.suggested_filename.startswith("datenauskunft-")
    exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert [c["body"] for c in exported["comments"]] == ["Gute Übersicht, danke! Grüße aus Köln."]

    page.get_by_role("button", name="Löschen …").click()
    expect(page.locator("[data-erasure]")).to_contain_text("1 Kommentar: sein Text")
    assert_accessible(page)
    page.get_by_role("button", name="Endgültig löschen").click()

    expect(page.get_by_role("status")).to_have_text("Die Daten der Person wurden gelöscht.")
    expect(page.locator("[data-erased]")).to_contain_text("1 Kommentar zum Grabstein gemacht")
    assert_accessible(page)
