"""What this process keeps of the database between requests, dropped in one call (after the
database was emptied or restored underneath it)."""

from __future__ import annotations

from moderation.services import addresses, subscriptions


def forget_cached_settings() -> None:
    """Read address keys and webhook endpoints from the database again."""
    addresses.forget_keys()
    subscriptions.forget_subscribers()
