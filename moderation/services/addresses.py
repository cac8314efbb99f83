"""Client addresses are personal data: we keep a keyed hash of them, never the address.

The key rotates daily and is deleted with the hashes it made (after
``address_retention_days``): from then on nobody, us included, can tell which address a
hash came from. Rate limits count per network (IPv4 /24, IPv6 /48 by default) so that
one reader with a changing address is one bucket.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, event, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from moderation.models import AddressKey, Comment, Report


def network_of(address: str, v4_prefix: int = 24, v6_prefix: int = 48) -> str:
    """The network an address belongs to, as ``203.0.113.0/24``; the address itself when
    it is not an IP address (a Unix socket, a test client)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = v4_prefix if ip.version == 4 else v6_prefix
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def day_of(moment: datetime) -> str:
    """The day (UTC) whose key hashes addresses at ``moment``."""
    return moment.date().isoformat()


# Keys this process has read, by database and day, as bytes ready for HMAC; ``None``: a past
# day that has none. A day's key never changes once made and is deleted only by the purge,
# after ``address_retention_days``, longer than any window intake looks back over: so a
# process keeps what it has read, and intake reads no key twice. Days a lookup no longer
# covers are dropped, so that no process holds a key much past its retention.
_keys: dict[tuple[str, str], bytes | None] = {}
_keys_lock = threading.Lock()
# A past day is believed keyless only this long after it ended: a process whose clock is a
# little behind may still make its key.
KEYLESS_AFTER = timedelta(minutes=5)
# The furthest back a lookup goes (``known_hashes`` reads at most eight days).
LOOKBACK = timedelta(days=8)


def forget_keys() -> None:
    """Drop the keys this process holds (after the database was emptied or restored)."""
    with _keys_lock:
        _keys.clear()


def _database_of(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def _read_keys(session: Session, days: list[str], now: datetime) -> dict[str, bytes]:
    """The keys of ``days`` that exist, from this process's cache where it knows them."""
    database = _database_of(session)
    with _keys_lock:
        known = {day: _keys[(database, day)] for day in days if (database, day) in _keys}
    missing = [day for day in days if day not in known]
    if missing:
        rows = dict(session.execute(select(AddressKey.day, AddressKey.secret)
                                    .where(AddressKey.day.in_(missing))).all())
        today = day_of(now)
        with _keys_lock:
            for day in missing:
                secret = rows.get(day)
                if secret is not None:
                    known[day] = _keys[(database, day)] = bytes.fromhex(secret)
                elif day < today and now - _end_of(day) > KEYLESS_AFTER:
                    known[day] = _keys[(database, day)] = None
            _forget_before(day_of(now - LOOKBACK))
    return {day: key for day, key in known.items() if key is not None}


def _forget_before(day: str) -> None:
    for cached in [key for key in _keys if key[1] < day]:
        del _keys[cached]


def _end_of(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(days=1)


def _make_key(session: Session, day: str, now: datetime) -> bytes:
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert
    session.execute(insert(AddressKey).values(day=day, secret=secrets.token_hex(32),
                                              created_at=now).on_conflict_do_nothing())
    secret = session.scalar(select(AddressKey.secret).where(AddressKey.day == day))
    assert secret is not None
    # Cached once committed only: a rolled-back key was never anybody's.
    database, key = _database_of(session), bytes.fromhex(secret)

    @event.listens_for(session, "after_commit", once=True)
    def _remember(_session: Session) -> None:
        with _keys_lock:
            _keys[(database, day)] = key

    return key


def _hash(key: bytes, address: str) -> str:
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def client_hash(session: Session, address: str, now: datetime) -> str:
    """The keyed hash of ``address`` under today's key (made on first use)."""
    day = day_of(now)
    key = _read_keys(session, [day], now).get(day) or _make_key(session, day, now)
    return _hash(key, address)


def known_hashes(session: Session, address: str, now: datetime,
                 window: timedelta) -> dict[str, str]:
    """The hashes ``address`` has under the keys of the last ``window``, by day: what to
    compare stored hashes with when looking for the same sender. Reads only (today's key
    may not exist yet: ``client_hash`` makes it)."""
    days, moment = [], now
    while moment >= now - window - timedelta(days=1) and now - moment < LOOKBACK:
        days.append(day_of(moment))
        moment -= timedelta(days=1)
    return {day: _hash(key, address) for day, key in _read_keys(session, days, now).items()}


def purge(session: Session, now: datetime, retention: timedelta) -> int:
    """Forget address hashes older than ``retention`` and the keys that made them."""
    cutoff = now - retention
    forgotten = 0
    for model in (Comment, Report):
        forgotten += session.execute(
            update(model).where(model.client_hash.is_not(None), model.created_at < cutoff)
            .values(client_hash=None)).rowcount or 0
    session.execute(delete(AddressKey).where(AddressKey.day < day_of(cutoff)))
    with _keys_lock:
        _forget_before(day_of(cutoff))
    return forgotten
