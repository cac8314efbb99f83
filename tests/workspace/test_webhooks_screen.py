"""The webhooks screen: admins only; subscribe (the secret shown once), change, switch off,
rotate the secret, delete; the delivery log with its filters, redelivery and ping against
a real receiver on loopback; every action audited as the person; SSRF refusals in German."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from moderation.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from moderation.workers.delivery import DeliveryWorker
from tests.webhooks.endpoints import Receiver
from tests.workspace.conftest import csrf_of, post_form

WEBHOOKS = "/redaktion/webhooks"
ADMIN_ACTOR = "user:chefin@zeitung.de"


@pytest.fixture
def config(config):
    """Two retries, seconds apart: a delivery is given up while the admin stays signed in."""
    return config.replace(webhook_retry_seconds=(5.0, 10.0))


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def deliverer(database, config, clock) -> DeliveryWorker:
    return DeliveryWorker(database, config, clock, worker_id="zusteller")


def admin_post(browser, path: str, data: dict | None = None, page: str = WEBHOOKS):
    return post_form(browser, path, data, page=page)


def endpoints(database) -> list[WebhookEndpoint]:
    with database.transaction() as session:
        return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def audit_trail(database) -> list[tuple[str, str, str | None]]:
    with database.transaction() as session:
        return [(e.action, e.actor, e.target) for e in
                session.scalars(select(AuditEvent).where(AuditEvent.action.like("webhook.%"))
                                .order_by(AuditEvent.id))]


def subscribe(browser, url: str, events: tuple[str, ...] = ("comment.rejected",),
              description: str = "CMS der Zeitung"):
    return admin_post(browser, WEBHOOKS, {"url": url, "event_types": list(events),
                                          "description": description})


@pytest.fixture
def endpoint_id(admin_browser, receiver, database) -> str:
    assert subscribe(admin_browser, receiver.url()).status_code == 200
    return endpoints(database)[-1].public_id


def shown_secret(html: str) -> str | None:
    found = re.search(r'<p class="secret" id="signing-secret"[^>]*>([^<]+)<', html)
    return found.group(1) if found else None


def detail(endpoint_id: str) -> str:
    return f"{WEBHOOKS}/{endpoint_id}"


def test_editors_may_neither_open_nor_use_the_webhooks_screen(editor_browser, admin_account,
                                                             database, clock):
    assert editor_browser.get(WEBHOOKS).status_code == 403
    response = post_form(editor_browser, WEBHOOKS, {"url": "https://cms.example.de/hook"})

    assert response.status_code == 403
    assert endpoints(database) == []
    assert 'href="/redaktion/webhooks"' not in editor_browser.get("/redaktion/konto").get_data(
        as_text=True)


def test_nobody_signed_in_is_sent_to_sign_in(client):
    assert client.get(WEBHOOKS).headers["Location"] == \
        "/redaktion/anmelden?weiter=/redaktion/webhooks"


def test_subscribing_shows_the_secret_once_and_audits_the_person(admin_browser, receiver,
                                                                 database):
    response = subscribe(admin_browser, receiver.url(),
                         ("comment.rejected", "comment.approved"))

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    [endpoint] = endpoints(database)
    assert endpoint.url == receiver.url()
    assert endpoint.event_types == ["comment.approved", "comment.rejected"]
    assert endpoint.description == "CMS der Zeitung"
    assert shown_secret(html) == endpoint.secret
    assert "Nur jetzt sichtbar" in html
    assert audit_trail(database) == [("webhook.created", ADMIN_ACTOR, endpoint.public_id)]
    for page in (WEBHOOKS, detail(endpoint.public_id)):
        shown = admin_browser.get(page).get_data(as_text=True)
        assert receiver.url() in shown
        assert endpoint.secret not in shown


def test_no_events_chosen_means_every_event(admin_browser, receiver, database):
    subscribe(admin_browser, receiver.url(), events=())

    assert endpoints(database)[0].event_types == []
    assert "alle Ereignisse" in admin_browser.get(WEBHOOKS).get_data(as_text=True)


@pytest.mark.parametrize(("url", "field"), [
    ("ftp://cms.example.de/hook", "url"),
    ("keine Adresse", "url"),
    ("https://cms.example.de/" + "x" * 2000, "url"),
])
def test_malformed_addresses_are_refused_in_german_beside_the_field(admin_browser, url, field,
                                                                    database):
    response = subscribe(admin_browser, url)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in html and 'id="new-url-error"' in html
    assert "http- oder https-Adresse" in html
    assert endpoints(database) == []


@pytest.mark.parametrize("url", ["http://10.0.0.7/hook", "http://[::1]:8080/hook",
                                 "http://169.254.169.254/latest/meta-data"])
def test_addresses_into_private_networks_are_refused_by_the_apis_ssrf_check(admin_browser,
                                                                            url, database):
    response = subscribe(admin_browser, url)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "kann keine Webhooks empfangen" in html
    assert f'value="{url}"' in html  # the form keeps what was typed
    assert endpoints(database) == [] and audit_trail(database) == []


def test_an_unknown_event_is_refused(admin_browser, database):
    response = subscribe(admin_browser, "http://127.0.0.1:9/hook", events=("comment.gelesen",))

    assert response.status_code == 422
    assert "Wählen Sie Ereignisse aus der Liste" in response.get_data(as_text=True)
    assert endpoints(database) == []


def test_hostile_input_never_breaks_the_screen(admin_browser, database):
    for data in ({"url": "http://127.0.0.1:9/\x00"}, {"url": "http://127.0.0.1:9/h",
                                                    "description": "x" * 501},
                 {"url": "http://127.0.0.1:9/h", "unbekannt": "1"}, {}):
        assert admin_post(admin_browser, WEBHOOKS, data).status_code == 422, data
    for path in (f"{WEBHOOKS}/%00", f"{WEBHOOKS}/{'x' * 300}", f"{WEBHOOKS}/ep_gibtsnicht",
                 f"{WEBHOOKS}/ep_gibtsnicht/zustellungen/%00/erneut"):
        response = admin_browser.get(path) if "erneut" not in path else \
            admin_post(admin_browser, path)
        assert response.status_code in (400, 404), path  # %00 is refused by the router
        if response.status_code == 404:
            assert "Es gibt keine" in response.get_data(as_text=True)
    assert endpoints(database) == []


def test_changing_an_endpoint_audits_only_what_changed(admin_browser, endpoint_id, receiver,
                                                       database):
    response = admin_post(admin_browser, detail(endpoint_id), {
        "url": receiver.url("/neu"), "event_types": ["comment.rejected", "report.decided"],
        "description": "CMS der Zeitung", "enabled": "1"}, page=detail(endpoint_id))

    assert response.status_code == 302
    assert "Der Endpunkt wurde geändert" in admin_browser.get(
        response.headers["Location"]).get_data(as_text=True)
    [endpoint] = endpoints(database)
    assert (endpoint.url, endpoint.event_types) == (receiver.url("/neu"),
                                                    ["comment.rejected", "report.decided"])
    with database.transaction() as session:
        change = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "webhook.updated")).one()
        assert change.actor == ADMIN_ACTOR
        assert change.details == {"changes": {
            "event_types": ["comment.rejected", "report.decided"], "url_host": "127.0.0.1"}}


def test_switching_an_endpoint_off_and_on(admin_browser, endpoint_id, database):
    off = admin_post(admin_browser, f"{detail(endpoint_id)}/aktiv", {"on": "0"},
                     page=detail(endpoint_id))
    assert off.status_code == 302
    [endpoint] = endpoints(database)
    assert not endpoint.enabled
    assert "ausgeschaltet: durch die Administration" in admin_browser.get(WEBHOOKS).get_data(
        as_text=True)

    admin_post(admin_browser, f"{detail(endpoint_id)}/aktiv", {"on": "1"},
               page=detail(endpoint_id))
    assert endpoints(database)[0].enabled
    assert [a for a, *_ in audit_trail(database)] == [
        "webhook.created", "webhook.updated", "webhook.updated"]


def test_rotating_shows_the_new_secret_once_and_the_overlap(admin_browser, endpoint_id,
                                                            database, clock):
    old = endpoints(database)[0].secret

    response = admin_post(admin_browser, f"{detail(endpoint_id)}/geheimnis",
                          page=detail(endpoint_id))

    html = response.get_data(as_text=True)
    [endpoint] = endpoints(database)
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert shown_secret(html) == endpoint.secret
    # 24 hours of overlap from 25.11.2026 10:30 in Berlin
    assert "26.11.2026, 10:30" in html
    page = admin_browser.get(detail(endpoint_id)).get_data(as_text=True)
    assert endpoint.secret not in page and old not in page
    assert "26.11.2026, 10:30" in page
    assert audit_trail(database)[-1] == ("webhook.secret_rotated", ADMIN_ACTOR, endpoint_id)
    clock.advance(hours=25)
    assert "data-overlap" not in admin_browser.get(detail(endpoint_id)).get_data(as_text=True)


def test_deleting_needs_the_confirmation(admin_browser, endpoint_id, database):
    refused = admin_post(admin_browser, f"{detail(endpoint_id)}/loeschen",
                         page=detail(endpoint_id))
    assert refused.status_code == 422
    assert "bestätigen" in refused.get_data(as_text=True)
    assert len(endpoints(database)) == 1

    done = admin_post(admin_browser, f"{detail(endpoint_id)}/loeschen", {"bestaetigt": "1"},
                      page=detail(endpoint_id))

    assert done.headers["Location"] == f"{WEBHOOKS}?geaendert=geloescht"
    assert endpoints(database) == []
    assert audit_trail(database)[-1] == ("webhook.deleted", ADMIN_ACTOR, endpoint_id)


def test_a_ping_reaches_the_receiver_and_its_result_is_shown(admin_browser, endpoint_id,
                                                             receiver, deliverer, database):
    response = admin_post(admin_browser, f"{detail(endpoint_id)}/ping", page=detail(endpoint_id))

    assert response.status_code == 302
    delivery_id = re.search(r"ping=([\w-]+)", response.headers["Location"]).group(1)
    waiting = admin_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "warte auf die Antwort" in waiting and "ping.js" in waiting
    state = f"/redaktion/api/webhooks/{endpoint_id}/zustellungen/{delivery_id}"
    assert admin_browser.get(state, headers={"Accept": "application/json"}).get_json()[
        "done"] is False

    assert deliverer.run_once() == 1

    [ping] = receiver.requests
    assert ping.headers["webhook-id"] == delivery_id
    assert b'"type": "ping"' in ping.body
    answer = admin_browser.get(state, headers={"Accept": "application/json"}).get_json()
    assert answer["done"] is True and answer["state"] == "succeeded"
    assert "HTTP 204" in answer["outcome"]
    shown = admin_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zugestellt: Der Empfänger antwortete mit HTTP 204" in shown
    assert "ping.js" not in shown  # nothing left to wait for
    assert audit_trail(database)[-1] == ("webhook.pinged", ADMIN_ACTOR, endpoint_id)


def test_the_delivery_log_shows_failures_their_next_try_and_sends_dead_ones_again(
        admin_browser, endpoint_id, receiver, deliverer, database, clock, config):
    receiver.reply = (500, {}, b"Interner Fehler")
    admin_post(admin_browser, f"{detail(endpoint_id)}/ping", page=detail(endpoint_id))
    deliverer.run_once()

    retrying = admin_browser.get(f"{detail(endpoint_id)}?status=retrying").get_data(
        as_text=True)
    assert 'data-state="retrying"' in retrying
    assert "HTTP 500" in retrying and "Interner Fehler" in retrying
    assert "25.11.2026, 10:30" in retrying  # the next try, five seconds on
    assert 'data-state="' not in admin_browser.get(
        f"{detail(endpoint_id)}?status=failed").get_data(as_text=True)

    for wait in config.webhook_retry_seconds:  # every try fails: given up
        clock.advance(seconds=wait * 1.2)
        deliverer.run_once()
    dead = admin_browser.get(f"{detail(endpoint_id)}?status=failed").get_data(as_text=True)
    assert dead.count('data-state="failed"') == 1 and "Aufgegeben" in dead

    receiver.reply = (204, {}, b"")
    response = admin_post(admin_browser, f"{detail(endpoint_id)}/erneut",
                          page=detail(endpoint_id))
    assert "anzahl=1" in response.headers["Location"]
    assert "1 aufgegebene Zustellung wird erneut gesendet" in admin_browser.get(
        response.headers["Location"]).get_data(as_text=True)
    deliverer.run_once()
    with database.transaction() as session:
        assert session.scalars(select(WebhookDelivery.status)).all() == ["succeeded"]
    assert audit_trail(database)[-1][:2] == ("webhook.redelivered", ADMIN_ACTOR)


def test_one_delivery_is_sent_again_with_its_webhook_id(admin_browser, endpoint_id, receiver,
                                                        deliverer, database):
    admin_post(admin_browser, f"{detail(endpoint_id)}/ping", page=detail(endpoint_id))
    deliverer.run_once()
    with database.transaction() as session:
        delivery_id = session.scalars(select(WebhookDelivery.public_id)).one()

    response = admin_post(admin_browser,
                          f"{detail(endpoint_id)}/zustellungen/{delivery_id}/erneut",
                          page=detail(endpoint_id))

    assert response.headers["Location"].endswith("geaendert=erneut")
    deliverer.run_once()
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery_id] * 2
    assert audit_trail(database)[-1] == ("webhook.redelivered", ADMIN_ACTOR, endpoint_id)


def test_writes_without_the_csrf_token_are_refused(admin_browser, endpoint_id, database):
    for path in (WEBHOOKS, f"{detail(endpoint_id)}/geheimnis", f"{detail(endpoint_id)}/ping",
                 f"{detail(endpoint_id)}/loeschen"):
        response = admin_browser.post(path, data={"url": "http://127.0.0.1:9/x",
                                                  "bestaetigt": "1"})
        assert response.status_code == 403, path
    assert len(endpoints(database)) == 1
    assert [a for a, *_ in audit_trail(database)] == ["webhook.created"]


def test_an_unknown_filter_shows_the_whole_log(admin_browser, endpoint_id):
    response = admin_browser.get(f"{detail(endpoint_id)}?status=verloren")

    assert response.status_code == 422
    assert "Diesen Filter gibt es nicht" in response.get_data(as_text=True)


def test_the_page_speaks_english_to_an_english_admin(admin_browser, admin_account, database,
                                                     endpoint_id):
    with database.transaction() as session:
        session.get(type(admin_account), admin_account.id).locale = "en"

    html = admin_browser.get(detail(endpoint_id)).get_data(as_text=True)

    assert "Delivery log" in html and "Send ping" in html


def test_a_csrf_token_is_on_every_form(admin_browser, endpoint_id):
    html = admin_browser.get(detail(endpoint_id)).get_data(as_text=True)
    token = csrf_of(admin_browser.get(WEBHOOKS))

    assert html.count('method="post"') == html.count(f'name="csrf_token" value="{token}"')

