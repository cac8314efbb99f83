"""Each account's notification settings: defaults, changes on the audit log, refusals, and
the row going with the account."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from moderation.errors import Invalid
from moderation.models import Account, AuditEvent, NotificationSettings
from moderation.services import notifications
from moderation.services.notifications import DigestFrequency, Preferences


def audit_entries(database) -> list[AuditEvent]:
    with database.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "account.notifications_changed").order_by(AuditEvent.id)))


def test_an_account_that_never_chose_gets_immediate_mails_and_no_digest(
        add_account, database):
    anna = add_account("anna@zeitung.example.de")
    with database.transaction() as session:
        assert notifications.preferences(session, anna) == Preferences(
            immediate=True, digest=DigestFrequency.OFF, last_digest_at=None)


def test_changes_are_kept_and_audited_with_who_made_them(add_account, database, clock):
    anna = add_account("anna@zeitung.example.de")
    with database.transaction() as session:
        changed = notifications.change_preferences(
            session, anna, immediate=False, digest="daily", actor="user:chefin@zeitung.example.de",
            now=clock())
    assert changed == Preferences(immediate=False, digest=DigestFrequency.DAILY,
                                  last_digest_at=None)
    with database.transaction() as session:
        assert notifications.preferences(session, anna) == changed
        notifications.change_preferences(session, anna, digest="daily", actor=anna.actor,
                                         now=clock())  # nothing changes: nothing on record
        notifications.change_preferences(session, anna, immediate=True, actor=anna.actor,
                                         now=clock())

    [first, second] = audit_entries(database)
    assert (first.actor, first.target, first.details) == (
        "user:chefin@zeitung.example.de", "user:anna@zeitung.example.de",
        {"immediate": False, "digest": "daily"})
    assert (second.actor, second.details) == ("user:anna@zeitung.example.de",
                                              {"immediate": True})


@pytest.mark.parametrize("digest", ["weekly", "", "Daily"])
def test_an_unknown_frequency_is_refused_and_nothing_changes(add_account, database, clock,
                                                            digest):
    anna = add_account("anna@zeitung.example.de")
    with pytest.raises(Invalid) as refused, database.transaction() as session:
        notifications.change_preferences(session, anna, immediate=False, digest=digest,
                                         actor=anna.actor, now=clock())
    assert refused.value.code == "invalid_digest"
    assert refused.value.errors == {"digest": ["One of off, hourly, daily."]}
    with database.transaction() as session:
        assert notifications.preferences(session, anna).immediate is True
    assert audit_entries(database) == []


def test_the_settings_go_with_the_account(add_account, database, clock):
    anna = add_account("anna@zeitung.example.de")
    with database.transaction() as session:
        notifications.change_preferences(session, anna, digest="hourly", actor=anna.actor,
                                         now=clock())
    with database.transaction() as session:
        session.execute(delete(Account).where(Account.id == anna.id))
    with database.transaction() as session:
        assert session.scalars(select(NotificationSettings)).all() == []
