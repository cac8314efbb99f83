"""A POST's round trips, and the per-process caches that keep them few: what another
process changes takes effect on the next POST (endpoints: at most ``FRESH_SECONDS`` later)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, event, insert, select, update

from moderation.db import READ_ONLY, in_transaction_block
from moderation.models import AddressKey, Comment, WebhookDelivery, WebhookEndpoint, WebhookMessage
from moderation.services import addresses, subscriptions, webhooks
from tests.support.http import ARTICLE
from tests.support.queries import counted_queries

BODY = ("Ich finde den Artikel über die Verkehrswende in München gelungen, aber die Pendler "
        "aus dem Umland dürfen nicht vergessen werden. Für viele ist das Auto keine Wahl, "
        "sondern Notwendigkeit, weil Busse nur stündlich fahren. Größere Park-and-Ride-Plätze "
        "und eine dichtere Taktung wären ein Anfang. Grüße aus Dachau und bis bald!")


def post(client, number, address="198.51.100.7"):
    response = client.post(ARTICLE, json={
        "author_name": "Jürgen Müller", "author_email": f"juergen{number}@example.de",
        "body": f"{BODY} ({number})"}, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def engine_of(app) -> Engine:
    return app.extensions["moderation"].database.engine


def test_a_post_is_one_insert_of_the_comment_with_its_outbox_rows_and_one_commit(app, client):
    post(client, 1)  # the article and today's address key exist from here on
    engine = engine_of(app)
    commits: list[bool] = []

    def committed(connection) -> None:  # type: ignore[no-untyped-def]
        commits.append(bool(connection.get_execution_options().get(READ_ONLY)))

    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection) -> bool:  # type: ignore[no-untyped-def]
        pings.append(dbapi_connection)  # a pool pre-ping: a round trip of its own
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]
    event.listen(engine, "commit", committed)
    try:
        with counted_queries(engine) as statements:
            post(client, 2)
    finally:
        event.remove(engine, "commit", committed)
        engine.dialect.do_ping = ping  # type: ignore[method-assign]
    verbs = [statement.split()[0] for statement in statements]
    tables = " ".join(statements)
    postgresql = engine.dialect.name == "postgresql"
    # The comment, its "received" event and its scoring job; nothing else is written. On
    # PostgreSQL they and the scorers' wake-up are one statement (WITH … INSERT … pg_notify).
    together = [s for s in statements if s.startswith("WITH") and all(
        f"INSERT INTO {table} " in s for table in ("comments", "moderation_events", "jobs"))
        and "pg_notify" in s]
    assert len(together) == postgresql
    assert sorted(s.split()[2] for s in statements if s.startswith("INSERT")) == (
        [] if postgresql else ["comments", "jobs", "moderation_events"])
    assert "address_keys" not in tables and "webhook_endpoints" not in tables
    assert verbs.count("UPDATE") == verbs.count("DELETE") == 0
    if engine.dialect.name == "sqlite":  # a read transaction before the write lock
        # the earlier same text in it, the article in the write; no wake-up at the commit
        assert verbs.count("SELECT") == 2
        assert len(statements) <= 7 and verbs.count("BEGIN") == 2
    else:  # the article with the earlier same text beside it in one read, then the write
        assert verbs.count("SELECT") == 1 and "FROM articles LEFT OUTER JOIN" in tables
        assert len(statements) == 2
    assert commits.count(False) == 1  # one write transaction
    assert pings == []  # no pre-ping: a closed pooled connection is seen at its socket


def blocks_after_the_comment(engine: Engine) -> tuple[list[bool], object]:
    """Whether the driver was inside a transaction block right after each statement that
    wrote a comment (PostgreSQL), and the listener that records it."""
    inside: list[bool] = []

    def record(connection, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "INSERT INTO comments " in statement and connection.dialect.name == "postgresql":
            inside.append(in_transaction_block(connection))

    return inside, record


@pytest.mark.parametrize("with_endpoint", [False, True])
def test_on_postgresql_a_comment_that_is_all_the_write_commits_with_its_statement(
        app, client, database, clock, with_endpoint):
    """No BEGIN and no COMMIT, two round trips fewer, where the comment's statement is all
    that the POST writes; with a webhook to record (or a mail, a decision on arrival) the
    statement is one of a transaction's."""
    post(client, 1)
    if with_endpoint:
        endpoint_from_elsewhere(database, clock)
        subscriptions.forget_subscribers()
    engine = engine_of(app)
    inside, record = blocks_after_the_comment(engine)
    event.listen(engine, "after_cursor_execute", record)
    try:
        comment_id = post(client, 2)
    finally:
        event.remove(engine, "after_cursor_execute", record)
    assert inside == ([] if engine.dialect.name == "sqlite" else [with_endpoint])
    assert len(deliveries_of(database, comment_id)) == with_endpoint


def test_a_failure_after_the_comment_s_statement_leaves_nothing(
        client, database, clock, monkeypatch):
    endpoint_from_elsewhere(database, clock)
    subscriptions.forget_subscribers()

    def recorded_then_failed(*args, **kwargs):  # type: ignore[no-untyped-def]
        emit(*args, **kwargs)
        raise OSError("Platte voll")

    emit = webhooks.emit
    monkeypatch.setattr(webhooks, "emit", recorded_then_failed)
    response = client.post(ARTICLE, json={"author_name": "Jürgen Müller", "body": BODY})
    assert response.status_code == 500
    with database.transaction() as session:
        assert session.scalars(select(Comment)).all() == []
        assert session.scalars(select(WebhookMessage)).all() == []


def deliveries_of(database, comment_id):
    with database.transaction() as session:
        return session.scalars(
            select(WebhookDelivery.endpoint_id).join(WebhookDelivery.message)
            .join(Comment, Comment.id == WebhookMessage.comment_id)
            .where(Comment.public_id == comment_id)).all()


def endpoint_from_elsewhere(database, clock, **values):
    """An endpoint written as another process would: plain SQL, no event of this process."""
    row = {"public_id": "ep_anderswo", "url": "http://127.0.0.1:9/cms-hook", "event_types": [],
           "secret": "whsec_test", "enabled": True, "created_at": clock(),
           "updated_at": clock(), **values}
    with database.transaction() as session:
        return session.scalar(insert(WebhookEndpoint).values(row).returning(WebhookEndpoint.id))


def test_an_endpoint_subscribed_in_another_process_hears_posts_within_the_bound(
        client, database, clock):
    post(client, 1)  # the list (empty) is cached now
    endpoint = endpoint_from_elsewhere(database, clock)
    time.sleep(subscriptions.FRESH_SECONDS)
    assert deliveries_of(database, post(client, 2)) == [endpoint]


@pytest.mark.parametrize("change", ["disabled", "deleted"])
def test_an_endpoint_switched_off_or_deleted_elsewhere_gets_nothing_from_the_next_post(
        client, database, clock, change):
    endpoint = endpoint_from_elsewhere(database, clock)
    subscriptions.forget_subscribers()
    assert deliveries_of(database, post(client, 1)) == [endpoint]  # cached with the endpoint
    with database.transaction() as session:
        if change == "disabled":
            session.execute(update(WebhookEndpoint).values(enabled=False))
        else:
            session.execute(delete(WebhookDelivery))
            session.execute(delete(WebhookEndpoint))
    assert deliveries_of(database, post(client, 2)) == []


def test_endpoints_changed_through_this_process_take_effect_at_once(client, admin_key, database):
    admin = {"Authorization": f"Bearer {admin_key}"}
    post(client, 1)
    created = client.post("/v1/webhooks", headers=admin, json={
        "url": "http://127.0.0.1:9/cms-hook", "event_types": ["comment.created"]}).get_json()
    assert len(deliveries_of(database, post(client, 2))) == 1
    assert client.patch(f"/v1/webhooks/{created['id']}", headers=admin,
                        json={"event_types": ["comment.approved"]}).status_code == 200
    assert deliveries_of(database, post(client, 3)) == []


def test_a_key_made_by_another_process_is_read_by_the_next_post(client, database, clock):
    with database.transaction() as session:  # another process made today's key first
        hashed = addresses.client_hash(session, "198.51.100.7", clock())
    addresses.forget_keys()  # ... this process has not seen it
    with database.transaction() as session:
        session.execute(delete(AddressKey))
        session.execute(insert(AddressKey).values(day=addresses.day_of(clock()),
                                                  secret="ab" * 32, created_at=clock()))
    comment = post(client, 1)
    with database.transaction() as session:
        stored = session.scalar(select(Comment.client_hash).where(Comment.public_id == comment))
    assert stored != hashed
    with database.transaction() as session:
        assert stored == addresses.client_hash(session, "198.51.100.7", clock())


def test_the_purge_drops_the_keys_it_deletes_from_the_cache(database, clock):
    old_day = clock() - timedelta(days=30)
    with database.transaction() as session:
        before = addresses.client_hash(session, "198.51.100.7", old_day)
    with database.transaction() as session:
        addresses.purge(session, clock(), timedelta(days=7))
    with database.transaction() as session:
        after = addresses.client_hash(session, "198.51.100.7", old_day)
        assert after != before  # a new key: the purged one is gone from this process too
        assert session.scalars(select(AddressKey.day)).all() == [addresses.day_of(old_day)]


def test_the_same_text_from_the_same_address_is_still_held_with_cached_keys(client, database):
    first = post(client, 1, address="203.0.113.9")
    response = client.post(ARTICLE, json={"author_name": "Jemand anders",
                                          "body": f"{BODY} (1)"},
                           environ_base={"REMOTE_ADDR": "203.0.113.9"})
    with database.transaction() as session:
        spam = session.scalar(select(Comment.spam)
                              .where(Comment.public_id == response.get_json()["id"]))
    assert spam == {"duplicate_of": first, "by": "address"}
