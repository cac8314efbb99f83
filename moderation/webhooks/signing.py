"""Standard Webhooks signatures: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``.

The signed content is ``f"{msg_id}.{timestamp}."`` followed by the raw body, so a receiver
can reject a replayed message (old timestamp) and a duplicate one (same id) as well as a
forged one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from secrets import token_bytes, token_urlsafe

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's marker, not a secret)
SECRET_BYTES = 32
MIN_SECRET_BYTES = 24


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(token_bytes(SECRET_BYTES)).decode("ascii")


def new_message_id() -> str:
    """An id for one message; the caller stores it so that every retry carries the same id."""
    return "msg_" + token_urlsafe(18)


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        # Other senders' secrets often come without base64 padding.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        key = b""
    if not secret.startswith(SECRET_PREFIX) or len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"a webhook secret is {SECRET_PREFIX} followed by the base64 of "
                         f"at least {MIN_SECRET_BYTES} bytes")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,`` and the base64 HMAC-SHA256 of ``{msg_id}.{timestamp}.{body}`` under the secret."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, with one signature per secret.

    While a secret is rotated both the old and the new one sign, so the receiver may switch
    to the new secret whenever it likes: a signature from either one verifies.
    """
    if not secrets:
        raise ValueError("at least one secret is needed to sign a webhook")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets),
    }
