"""Signatures the reference Standard Webhooks implementation accepts, and only those."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from moderation.webhooks.signing import headers, new_message_id, new_secret, sign

BODY = json.dumps({"type": "comment.rejected",
                   "data": {"body": "Größe zählt nicht – Grüße aus Köln"}}).encode()


def now() -> int:
    return int(time.time())  # the reference refuses timestamps more than 5 minutes off


def test_a_new_secret_is_whsec_and_32_random_bytes_in_base64():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert new_secret() != secret
    Webhook(secret)  # the reference accepts it


def test_message_ids_are_unique_and_header_safe():
    ids = {new_message_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(i.startswith("msg_") and i.isascii() and i.replace("_", "").replace("-", "")
               .isalnum() for i in ids)


def test_the_signature_matches_the_published_example():
    # The example of the Standard Webhooks libraries' own tests.
    assert sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330, b'{"test": 2432232314}') == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")


def test_the_signature_matches_the_reference_implementation():
    secret, timestamp = new_secret(), 1764063000
    expected = Webhook(secret).sign("msg_1", datetime.fromtimestamp(timestamp, UTC),
                                    BODY.decode())
    assert sign(secret, "msg_1", timestamp, BODY) == expected


def test_the_reference_verifies_our_headers_and_gets_the_payload_back():
    secret = new_secret()
    sent = headers([secret], new_message_id(), now(), BODY)
    assert set(sent) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Webhook(secret).verify(BODY, sent) == json.loads(BODY)


def test_during_a_rotation_both_secrets_sign_and_each_alone_verifies():
    old, new = new_secret(), new_secret()
    sent = headers([old, new], new_message_id(), now(), BODY)
    assert len(sent["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(BODY, sent) == json.loads(BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda body, h: (body.replace(b"rejected", b"approved"), h), id="body"),
    pytest.param(lambda body, h: (body + b" ", h), id="body-whitespace"),
    pytest.param(lambda body, h: (body, {**h, "webhook-timestamp": str(int(
        h["webhook-timestamp"]) + 1)}), id="timestamp"),
    pytest.param(lambda body, h: (body, {**h, "webhook-id": "msg_other"}), id="id"),
])
def test_a_tampered_message_does_not_verify(tamper):
    secret = new_secret()
    body, sent = tamper(BODY, headers([secret], new_message_id(), now(), BODY))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, sent)


def test_secrets_without_base64_padding_are_read_like_the_reference_reads_them():
    secret = "whsec_" + base64.b64encode(bytes(range(25))).decode().rstrip("=")
    expected = Webhook(secret).sign("msg_1", datetime.fromtimestamp(1764063000, UTC), "{}")
    assert sign(secret, "msg_1", 1764063000, b"{}") == expected


@pytest.mark.parametrize("secret", [
    base64.b64encode(bytes(32)).decode(),  # no prefix
    "whsec_" + base64.b64encode(bytes(23)).decode(),  # too short to be a secret
    "whsec_",
    "whsec_nicht*base64!",
])
def test_a_malformed_secret_is_refused(secret):
    with pytest.raises(ValueError, match="whsec_"):
        sign(secret, "msg_1", 1764063000, BODY)


def test_signing_needs_at_least_one_secret():
    with pytest.raises(ValueError, match="at least one secret"):
        headers([], "msg_1", 1764063000, BODY)
