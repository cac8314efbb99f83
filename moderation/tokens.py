"""The secrets readers hold for their own records (author and report tokens): shown once,
stored as a hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    """Whether ``token`` is the one ``stored_hash`` was made of (never for no token)."""
    return bool(token) and hmac.compare_digest(stored_hash, hash_token(token or ""))
