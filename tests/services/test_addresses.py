"""Client addresses: bucketed by network for limits, kept only as a keyed hash that is
forgotten with its daily key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation.models import AddressKey, Comment
from moderation.services import addresses
from moderation.services.comments import NewComment, submit_comment
from moderation.statements import PublisherTerms


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.77", "203.0.113.0/24"),
    ("203.0.113.0", "203.0.113.0/24"),
    ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::/48"),
    ("::ffff:198.51.100.9", "198.51.100.0/24"),  # IPv4-mapped: the IPv4 network
    ("unix-socket", "unix-socket"),
    ("", ""),
])
def test_network_of_buckets_ipv4_by_24_and_ipv6_by_48(address, network):
    assert addresses.network_of(address) == network


def test_network_prefixes_are_settings():
    assert addresses.network_of("203.0.113.77", v4_prefix=32) == "203.0.113.77/32"
    assert addresses.network_of("2001:db8:abcd:12::1", v6_prefix=64) == "2001:db8:abcd:12::/64"


def test_a_hash_is_stable_within_a_day_and_changes_with_the_day(database, clock):
    with database.transaction() as session:
        morning = addresses.client_hash(session, "203.0.113.77", clock())
        evening = addresses.client_hash(session, "203.0.113.77", clock() + timedelta(hours=12))
        other = addresses.client_hash(session, "203.0.113.78", clock())
        next_day = addresses.client_hash(session, "203.0.113.77", clock() + timedelta(days=1))
    assert morning == evening
    assert len(morning) == 64 and "203.0.113" not in morning
    assert other != morning
    assert next_day != morning


def test_known_hashes_cover_every_key_of_the_window(database, clock):
    with database.transaction() as session:
        yesterday = addresses.client_hash(session, "203.0.113.77", clock() - timedelta(days=1))
        today = addresses.client_hash(session, "203.0.113.77", clock())
        known = addresses.known_hashes(session, "203.0.113.77", clock(), timedelta(hours=1))
        assert known == {addresses.day_of(clock() - timedelta(days=1)): yesterday,
                         addresses.day_of(clock()): today}
        assert addresses.known_hashes(session, "203.0.113.78", clock(),
                                      timedelta(hours=1)) != known


def test_purge_forgets_old_hashes_and_the_keys_that_made_them(database, config, clock):
    def submit(session, new):
        return submit_comment(session, "ki-im-alltag", new, clock(), address="203.0.113.77",
                              terms=PublisherTerms.of(config)).comment.public_id

    with database.transaction() as session:
        old = submit(session, NewComment("Jürgen", "Grüße aus Köln"))
    clock.advance(days=8)
    with database.transaction() as session:
        fresh = submit(session, NewComment("Käthe", "Schönes Thema"))
        assert addresses.purge(session, clock(), timedelta(days=7)) == 1
    with database.transaction() as session:
        hashes = dict(session.execute(select(Comment.public_id, Comment.client_hash)).all())
        assert hashes[old] is None and hashes[fresh] is not None
        # Nothing left can tie the old comment to the address, even given the address: the
        # key of its day is gone with its hash.
        assert session.scalars(select(AddressKey.day)).all() == [clock().date().isoformat()]


def test_known_hashes_only_read(database, clock):
    with database.transaction() as session:
        assert addresses.known_hashes(session, "203.0.113.77", clock(),
                                      timedelta(hours=1)) == {}
        assert session.scalars(select(AddressKey.day)).all() == []
