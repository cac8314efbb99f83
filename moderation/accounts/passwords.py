"""Password hashes: argon2id (RFC 9106's recommended low-memory parameters, argon2-cffi's
defaults). A hash made with older parameters is replaced at the next sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from moderation.errors import Invalid

MIN_LENGTH = 12
# argon2 takes any length, but hashing megabytes would be a denial of service.
MAX_LENGTH = 1024

HASHER = PasswordHasher()


@dataclass(frozen=True)
class Checked:
    """The outcome of checking a password against a stored hash."""

    matches: bool
    new_hash: str | None = None  # set when the stored hash should be replaced by this


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def check_password(stored_hash: str, password: str) -> Checked:
    """Whether ``password`` matches, and a fresh hash if ``stored_hash`` used parameters
    other than today's (only known once the password is known)."""
    try:
        HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return Checked(False)
    return Checked(True, HASHER.hash(password) if HASHER.check_needs_rehash(stored_hash)
                   else None)


@cache
def _dummy_hash() -> str:
    return HASHER.hash("no account has this password")


def spend_like_a_check(password: str) -> None:
    """Take as long as checking a real account's password: an unknown email must not answer
    faster than a known one."""
    check_password(_dummy_hash(), password)


def check_new_password(password: str, email: str) -> None:
    """A password a person may choose: long enough, not absurdly long, not their email."""
    if len(password) < MIN_LENGTH:
        raise Invalid("Password too short.", code="password_too_short",
                      errors={"password": [f"at least {MIN_LENGTH} characters"]})
    if len(password) > MAX_LENGTH:
        raise Invalid("Password too long.", code="password_too_long",
                      errors={"password": [f"at most {MAX_LENGTH} characters"]})
    if password.strip().casefold() == email.casefold():
        raise Invalid("The password must not be the email address.",
                      code="password_is_email", errors={"password": ["not the email address"]})
