"""Sign-in lockout: after too many failed sign-ins for one email, or from one client
network, every attempt is refused for a while, the right password included.

Failures are counted per email whether or not an account has it, so the lockout tells
nobody which emails have accounts. Counters live where the rate limits' do
(``MODERATION_RATE_LIMIT_STORAGE_URL``: per process in memory, shared through Redis);
emails are counted by their hash only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Failure:
    """What one more failure did: which counters it has just used up."""

    locked_account: bool
    locked_network: bool


class Lockout:
    def __init__(self, storage_url: str, per_account: str, per_network: str) -> None:
        # A moving window: failures count for the whole window, however they are spread.
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self._per_account = parse_many(per_account) if per_account else []
        self._per_network = parse_many(per_network) if per_network else []

    @staticmethod
    def _account_key(email: str) -> str:
        return "account:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()

    def _counters(self, email: str, network: str) -> list[tuple[RateLimitItem, str]]:
        return [*((limit, self._account_key(email)) for limit in self._per_account),
                *((limit, network) for limit in self._per_network)]

    def _used_up(self, limits: list[RateLimitItem], key: str) -> bool:
        return any(not self._limiter.test(limit, "signin-failures", key) for limit in limits)

    def locked(self, email: str, network: str) -> bool:
        """Whether sign-ins for ``email`` or from ``network`` are refused now."""
        return (self._used_up(self._per_account, self._account_key(email))
                or self._used_up(self._per_network, network))

    def failed(self, email: str, network: str) -> Failure:
        """Count one failed sign-in."""
        account_before = self._used_up(self._per_account, self._account_key(email))
        network_before = self._used_up(self._per_network, network)
        for limit, key in self._counters(email, network):
            self._limiter.hit(limit, "signin-failures", key)
        return Failure(
            not account_before and self._used_up(self._per_account, self._account_key(email)),
            not network_before and self._used_up(self._per_network, network))

    def succeeded(self, email: str) -> None:
        """A right password (and second factor) forgives the account's earlier failures;
        the network's stay counted."""
        for limit in self._per_account:
            self._limiter.clear(limit, "signin-failures", self._account_key(email))
