"""The sender against real sockets on 127.0.0.1: signed, bounded, pinned, never raising."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from itertools import repeat

import pytest
from standardwebhooks import Webhook

from moderation.webhooks import signing
from moderation.webhooks.sender import (
    EXCERPT_BYTES,
    MAX_RETRY_AFTER,
    USER_AGENT,
    Response,
    retry_after,
    send,
)
from moderation.webhooks.ssrf import CheckedTarget, check_url
from tests.webhooks.conftest import TLS_HOST
from tests.webhooks.endpoints import closed_port, resolver, silent, trickle

LOCAL = frozenset({"127.0.0.1"})
TIMEOUT = 0.5
# Generous for a busy CI machine, yet far below what an unbounded read would take.
BOUND = TIMEOUT + 1.0
PAYLOAD = {"type": "comment.approved", "data": {"body": "Schöne Grüße, danke für den Kommentar"}}
BODY = json.dumps(PAYLOAD, ensure_ascii=False).encode()


def local(port: int, path: str = "/hook") -> CheckedTarget:
    return check_url(f"http://127.0.0.1:{port}{path}", allowed_hosts=LOCAL)


def pinned(host: str, port: int, *addresses: str, scheme: str = "http") -> CheckedTarget:
    """A target for ``host`` whose checked addresses are ``addresses``."""
    return CheckedTarget(scheme, host, port, "/hook", addresses)


def test_the_receiver_gets_a_signed_post_it_can_verify(receiver):
    secret = signing.new_secret()
    sent = signing.headers([secret], signing.new_message_id(), int(time.time()), BODY)
    response = send(local(receiver.port, "/hook?kanal=redaktion"), BODY, sent)
    assert (response.status, response.error, response.succeeded) == (204, None, True)
    (request,) = receiver.requests
    assert (request.method, request.path, request.body) == ("POST", "/hook?kanal=redaktion", BODY)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == USER_AGENT
    assert Webhook(secret).verify(request.body, request.headers) == PAYLOAD


def test_a_server_error_is_a_response_not_an_exception(receiver):
    receiver.reply = (500, {"Content-Type": "text/plain"}, b"Interner Fehler")
    response = send(local(receiver.port), BODY, {})
    assert (response.status, response.error, response.succeeded) == (500, None, False)
    assert response.body_excerpt == "Interner Fehler"
    assert response.headers["content-type"] == "text/plain"
    assert 0 < response.elapsed_ms < BOUND * 1000


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_returned_as_it_is_and_never_followed(receiver, status):
    receiver.reply = (status, {"Location": receiver.url("/elsewhere")}, b"")
    response = send(local(receiver.port), BODY, {})
    assert (response.status, response.succeeded) == (status, False)
    assert response.headers["location"] == receiver.url("/elsewhere")
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_an_endpoint_that_never_answers_times_out_within_the_timeout(raw_endpoint):
    endpoint = raw_endpoint(silent)
    response = send(local(endpoint.port), BODY, {}, timeout=TIMEOUT)
    assert (response.status, response.error) == (None, "timeout")
    assert TIMEOUT * 1000 * 0.9 <= response.elapsed_ms < BOUND * 1000


def test_an_endpoint_that_trickles_its_body_cannot_hold_the_sender(raw_endpoint):
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    endpoint = raw_endpoint(trickle(head, b"x" * 100, every=0.2))
    response = send(local(endpoint.port), BODY, {}, timeout=TIMEOUT)
    # The receiver answered 200 but the body never arrived: retried, to be safe.
    assert (response.status, response.error, response.succeeded) == (200, "timeout", False)
    assert response.body_excerpt in {"x", "xx", "xxx"}
    assert response.elapsed_ms < BOUND * 1000


def test_an_endpoint_that_trickles_its_headers_cannot_hold_the_sender(raw_endpoint):
    # Each byte comes well within any per-read timeout: only a deadline stops this.
    endpoint = raw_endpoint(trickle(b"HTTP/1.1 200 OK\r\n", b"X-Langsam: " + b"a" * 200,
                                    every=0.05))
    response = send(local(endpoint.port), BODY, {}, timeout=TIMEOUT)
    assert (response.status, response.error) == (None, "timeout")
    assert response.elapsed_ms < BOUND * 1000


def test_a_refused_connection_is_an_error_not_an_exception():
    response = send(local(closed_port()), BODY, {}, timeout=TIMEOUT)
    assert response.status is None
    assert "ConnectionRefusedError" in response.error
    assert response.elapsed_ms < BOUND * 1000


def test_only_the_start_of_an_endless_body_is_read(receiver):
    receiver.reply = (200, {}, repeat(b"Kommentar " * 6500))  # ~64 KB a chunk, never ending
    response = send(local(receiver.port), BODY, {}, timeout=5)
    assert (response.status, response.error) == (200, None)
    assert response.body_excerpt == ("Kommentar " * 103)[:EXCERPT_BYTES]
    assert response.elapsed_ms < 5000


def test_the_excerpt_is_decoded_leniently(receiver):
    receiver.reply = (400, {}, "Größe ungültig: ".encode() + b"\xff\xfe")
    assert send(local(receiver.port), BODY, {}).body_excerpt == "Größe ungültig: \ufffd\ufffd"


def test_the_host_header_names_the_host_while_the_connection_goes_to_its_address(receiver):
    target = check_url(f"http://{TLS_HOST}:{receiver.port}/hook", allowed_hosts=LOCAL,
                       resolve=resolver({TLS_HOST: ["127.0.0.1"]}))
    assert send(target, BODY, {}).succeeded
    assert receiver.requests[0].headers["host"] == f"{TLS_HOST}:{receiver.port}"


def test_the_sender_connects_to_the_checked_addresses_and_never_resolves_again(receiver):
    # .test names never resolve: had the sender looked the name up, it could not connect.
    response = send(pinned("rebound.example.test", receiver.port, "127.0.0.1"), BODY, {})
    assert response.succeeded
    assert receiver.requests[0].headers["host"] == f"rebound.example.test:{receiver.port}"


def test_the_next_checked_address_is_tried_when_one_fails(receiver):
    # The receiver listens on 127.0.0.1 only: ::1 refuses (or has no IPv6 at all).
    response = send(pinned("hooks.example.test", receiver.port, "::1", "127.0.0.1"), BODY, {})
    assert response.succeeded
    assert len(receiver.requests) == 1


def test_retry_after_from_a_real_response(receiver):
    receiver.reply = (503, {"Retry-After": "120"}, b"Wartung")
    response = send(local(receiver.port), BODY, {})
    assert retry_after(response.headers, datetime.now(UTC)) == timedelta(seconds=120)


def test_https_verifies_the_certificate_for_the_name_and_sends_it_as_sni(tls_receiver, trusting):
    target = pinned(TLS_HOST, tls_receiver.port, "127.0.0.1", scheme="https")
    response = send(target, BODY, {}, context=trusting)
    assert (response.status, response.error) == (204, None)
    assert tls_receiver.server_names == [TLS_HOST]
    assert tls_receiver.requests[0].headers["host"] == f"{TLS_HOST}:{tls_receiver.port}"


@pytest.mark.parametrize("tls_receiver", ["other.example.test"], indirect=True)
def test_https_refuses_a_certificate_for_another_name(tls_receiver, trusting):
    target = pinned(TLS_HOST, tls_receiver.port, "127.0.0.1", scheme="https")
    response = send(target, BODY, {}, timeout=2, context=trusting)
    assert response.status is None
    assert "SSLCertVerificationError" in response.error
    assert "other.example.test" in response.error or "mismatch" in response.error
    assert tls_receiver.requests == []


def test_https_trusts_the_system_authorities_by_default(tls_receiver):
    target = pinned(TLS_HOST, tls_receiver.port, "127.0.0.1", scheme="https")
    response = send(target, BODY, {}, timeout=2)
    assert response.status is None
    assert "certificate verify failed" in response.error
    assert tls_receiver.requests == []


NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("120", timedelta(seconds=120)),
    (" 0 ", timedelta(0)),
    ("Wed, 25 Nov 2026 09:35:00 GMT", timedelta(minutes=5)),
    ("Wednesday, 25-Nov-26 09:31:00 GMT", timedelta(minutes=1)),
    ("Wed Nov 25 09:30:30 2026", timedelta(seconds=30)),
    ("Wed, 25 Nov 2026 09:00:00 GMT", timedelta(0)),  # already past: now
    ("999999999999999999999", MAX_RETRY_AFTER),
    ("Thu, 01 Jan 2099 00:00:00 GMT", MAX_RETRY_AFTER),
    ("-5", None),
    ("1.5", None),
    ("bald", None),
    ("", None),
])
def test_retry_after_reads_seconds_and_dates_and_caps_them(value, expected):
    assert retry_after({"retry-after": value}, NOW) == expected


def test_retry_after_is_none_without_the_header_and_ignores_the_case_of_its_name():
    assert retry_after({}, NOW) is None
    assert retry_after({"Retry-After": "7"}, NOW) == timedelta(seconds=7)


def test_a_response_without_status_never_succeeded():
    assert not Response(None, {}, "", "timeout", 1.0).succeeded
