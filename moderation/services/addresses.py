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
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
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


def _key_for(session: Session, day: str, now: datetime, create: bool) -> str | None:
    secret = session.scalar(select(AddressKey.secret).where(AddressKey.day == day))
    if secret is not None or not create:
        return secret
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert
    session.execute(insert(AddressKey).values(day=day, secret=secrets.token_hex(32),
                                              created_at=now).on_conflict_do_nothing())
    return session.scalar(select(AddressKey.secret).where(AddressKey.day == day))


def _hash(secret: str, address: str) -> str:
    return hmac.new(bytes.fromhex(secret), address.encode(), hashlib.sha256).hexdigest()


def client_hash(session: Session, address: str, now: datetime) -> str:
    """The keyed hash of ``address`` under today's key (made on first use)."""
    secret = _key_for(session, day_of(now), now, create=True)
    assert secret is not None
    return _hash(secret, address)


def known_hashes(session: Session, address: str, now: datetime,
                 window: timedelta) -> dict[str, str]:
    """The hashes ``address`` has under the keys of the last ``window``, by day: what to
    compare stored hashes with when looking for the same sender. Reads only (today's key
    may not exist yet: ``client_hash`` makes it)."""
    days, moment = [], now
    while moment >= now - window - timedelta(days=1) and len(days) < 8:
        days.append(day_of(moment))
        moment -= timedelta(days=1)
    keys = session.execute(select(AddressKey.day, AddressKey.secret)
                           .where(AddressKey.day.in_(days))).all()
    return {day: _hash(secret, address) for day, secret in keys}


def purge(session: Session, now: datetime, retention: timedelta) -> int:
    """Forget address hashes older than ``retention`` and the keys that made them."""
    cutoff = now - retention
    forgotten = 0
    for model in (Comment, Report):
        forgotten += session.execute(
            update(model).where(model.client_hash.is_not(None), model.created_at < cutoff)
            .values(client_hash=None)).rowcount or 0
    session.execute(delete(AddressKey).where(AddressKey.day < day_of(cutoff)))
    return forgotten
