"""Editor and admin API keys: shown once, stored as a hash, revocable.

A key reads ``mod_`` + 43 base62 characters of randomness (256 bits) + a 6-character
CRC32 checksum, so secret scanners can recognise a leaked key and typos are refused
before any database lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.domain import SYSTEM_ACTOR, Role
from moderation.errors import Conflict, Forbidden, NotFound, Unauthorized
from moderation.models import ApiKey

PREFIX = "mod_"
_ALPHABET = string.digits + string.ascii_letters
_RANDOM_LENGTH = 43
_CHECKSUM_LENGTH = 6
# Writing last use on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _base62(number: int, length: int) -> str:
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def _checksum(random_part: str) -> str:
    return _base62(zlib.crc32(random_part.encode()), _CHECKSUM_LENGTH)


def new_secret() -> str:
    random_part = _base62(secrets.randbits(256), _RANDOM_LENGTH)
    return f"{PREFIX}{random_part}{_checksum(random_part)}"


def well_formed(secret: str) -> bool:
    body = secret.removeprefix(PREFIX)
    if not secret.startswith(PREFIX) or len(body) != _RANDOM_LENGTH + _CHECKSUM_LENGTH:
        return False
    random_part, checksum = body[:_RANDOM_LENGTH], body[_RANDOM_LENGTH:]
    return hmac.compare_digest(checksum, _checksum(random_part))


def hash_secret(secret: str) -> str:
    # 256 random bits need no slow hash: nobody can guess their way to a match.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str


def create_key(session: Session, name: str, role: Role, now: datetime,
               expires_at: datetime | None = None) -> CreatedKey:
    """Make a named key; the secret exists only in the return value."""
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise Conflict(f"A key named {name!r} exists already.", code="key_exists")
    secret = new_secret()
    key = ApiKey(name=name, role=role, prefix=secret[:12], secret_hash=hash_secret(secret),
                 created_at=now, expires_at=expires_at)
    session.add(key)
    session.flush()
    return CreatedKey(key, secret)


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(session: Session, name: str, now: datetime) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise NotFound(f"No key named {name!r}.")
    if key.revoked_at is None:
        key.revoked_at = now
    return key


def authenticate(session: Session, secret: str | None, required: Role,
                 now: datetime) -> ApiKey:
    """The active key behind ``secret``, if its role allows ``required``."""
    if not secret:
        raise Unauthorized("An API key is required: Authorization: Bearer <key>.")
    digest = hash_secret(secret)
    key = session.scalar(select(ApiKey).where(ApiKey.secret_hash == digest)) \
        if well_formed(secret) else None
    # The lookup compares hashes, whose timing tells nothing; compare once more in constant
    # time so that no code path compares secrets any other way.
    if key is None or not hmac.compare_digest(key.secret_hash, digest) or not key.is_active(now):
        raise Unauthorized("The API key is not valid, has expired or was revoked.")
    if not key.role.allows(required):
        raise Forbidden(f"This action needs the {required.value} role.")
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
    return key


def actor_name(api_key: ApiKey | None) -> str:
    """How records name who acted: a key by its name, automation as ``system``."""
    return SYSTEM_ACTOR if api_key is None else f"key:{api_key.name}"
