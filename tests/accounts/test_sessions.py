"""Server-side sessions: a hash of the token stored, idle and absolute ends, revocation."""

from __future__ import annotations

from sqlalchemy import select

from moderation.accounts import sessions
from moderation.models import WebSession
from tests.accounts.support import TIMEOUTS, add_account


def test_only_a_hash_of_the_token_is_stored(database, clock):
    with database.transaction() as session:
        started = sessions.start(session, add_account(session, clock()), clock(), TIMEOUTS)

    with database.transaction() as session:
        stored = session.scalar(select(WebSession))
        assert stored.token_hash == sessions.hash_token(started.token) != started.token
        assert len(started.token) >= 43 and len(stored.csrf_token) >= 43
        assert sessions.find(session, started.token, clock(), TIMEOUTS).id == stored.id
        assert sessions.find(session, started.token + "x", clock(), TIMEOUTS) is None
        assert sessions.find(session, None, clock(), TIMEOUTS) is None


def test_a_session_ends_after_the_idle_time_without_a_request(database, clock):
    with database.transaction() as session:
        token = sessions.start(session, add_account(session, clock()), clock(), TIMEOUTS).token

    clock.advance(minutes=59)
    with database.transaction() as session:
        assert sessions.find(session, token, clock(), TIMEOUTS) is not None  # seen: idle again
    clock.advance(minutes=59)
    with database.transaction() as session:
        assert sessions.find(session, token, clock(), TIMEOUTS) is not None
    clock.advance(minutes=60)
    with database.transaction() as session:
        assert sessions.find(session, token, clock(), TIMEOUTS) is None


def test_a_session_ends_after_the_absolute_time_however_active(database, clock):
    with database.transaction() as session:
        token = sessions.start(session, add_account(session, clock()), clock(), TIMEOUTS).token

    for _ in range(23):
        clock.advance(minutes=30)
        with database.transaction() as session:
            assert sessions.find(session, token, clock(), TIMEOUTS) is not None
    clock.advance(minutes=30)  # 12 hours after sign-in
    with database.transaction() as session:
        assert sessions.find(session, token, clock(), TIMEOUTS) is None


def test_a_session_waiting_for_the_second_factor_lasts_minutes(database, clock):
    with database.transaction() as session:
        token = sessions.start(session, add_account(session, clock()), clock(), TIMEOUTS,
                               second_factor_pending=True).token

    clock.advance(minutes=4)
    with database.transaction() as session:
        assert sessions.find(session, token, clock(), TIMEOUTS).second_factor_pending
    clock.advance(minutes=1)
    with database.transaction() as session:
        assert sessions.find(session, token, clock(), TIMEOUTS) is None


def test_revoking_all_ends_the_accounts_sessions_only(database, clock):
    with database.transaction() as session:
        anna = add_account(session, clock())
        jan = add_account(session, clock(), email="jan@zeitung.de")
        annas = [sessions.start(session, anna, clock(), TIMEOUTS).token for _ in range(3)]
        jans = sessions.start(session, jan, clock(), TIMEOUTS).token

    with database.transaction() as session:
        assert sessions.revoke_all(session, session.merge(anna), clock()) == 3

    with database.transaction() as session:
        assert all(sessions.find(session, t, clock(), TIMEOUTS) is None for t in annas)
        assert sessions.find(session, jans, clock(), TIMEOUTS) is not None


def test_signing_in_again_clears_the_accounts_ended_sessions(database, clock):
    with database.transaction() as session:
        anna = add_account(session, clock())
        old = sessions.start(session, anna, clock(), TIMEOUTS)
        sessions.revoke(old.web_session, clock())
        sessions.start(session, anna, clock(), TIMEOUTS)

    with database.transaction() as session:
        assert session.scalars(select(WebSession.revoked_at)).all() == [None]
