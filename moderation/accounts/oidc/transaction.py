"""One sign-in at the provider in progress, bound to the browser that started it.

The browser keeps one random secret in a cookie; ``state``, ``nonce`` and the PKCE code
verifier are derived from it (HMAC-SHA256, one label each), so the server stores nothing.
A callback is accepted only with the secret its ``state`` came from: a code and state
carried into another browser find no secret there (no login CSRF), and a changed
``state`` matches none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote, unquote

# 256 bits, URL-safe: 43 characters.
_SECRET_LENGTH = 43


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class Transaction:
    secret: str
    weiter: str  # where to go after signing in (checked again when it is used)

    @classmethod
    def new(cls, weiter: str) -> Transaction:
        return cls(secrets.token_urlsafe(32), weiter)

    def _derived(self, label: str) -> str:
        return _b64(hmac.new(self.secret.encode(), label.encode(), hashlib.sha256).digest())

    @property
    def state(self) -> str:
        return self._derived("state")

    @property
    def nonce(self) -> str:
        return self._derived("nonce")

    @property
    def code_verifier(self) -> str:
        """RFC 7636: 43 characters of base64url, never sent before the token request."""
        return self._derived("code_verifier")

    def matches(self, state: str) -> bool:
        return hmac.compare_digest(self.state.encode(), state.encode())

    def cookie_value(self) -> str:
        return f"{self.secret}.{quote(self.weiter, safe='')}"

    @classmethod
    def from_cookie(cls, value: str | None) -> Transaction | None:
        """The transaction a cookie holds, or None for a missing or malformed one."""
        secret, dot, weiter = (value or "").partition(".")
        if not dot or len(secret) != _SECRET_LENGTH:
            return None
        return cls(secret, unquote(weiter))
