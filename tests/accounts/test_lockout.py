"""The sign-in lockout counts failures per email and per network, and forgives an account
its failures once it signs in."""

from __future__ import annotations

from moderation.accounts.lockout import Lockout


def lockout() -> Lockout:
    return Lockout("memory://", "3/15 minutes", "5/15 minutes")


def test_an_email_is_locked_after_its_failures_from_any_network():
    guard = lockout()

    failures = [guard.failed("anna@zeitung.de", f"net:10.0.{n}.0/24") for n in range(3)]

    assert [f.locked_account for f in failures] == [False, False, True]
    assert guard.locked("anna@zeitung.de", "net:10.9.9.0/24")
    assert not guard.locked("jan@zeitung.de", "net:10.9.9.0/24")


def test_a_network_is_locked_after_its_failures_for_any_email():
    guard = lockout()

    failures = [guard.failed(f"person{n}@zeitung.de", "net:10.0.0.0/24") for n in range(5)]

    assert [f.locked_network for f in failures] == [False] * 4 + [True]
    assert guard.locked("anna@zeitung.de", "net:10.0.0.0/24")
    assert not guard.locked("anna@zeitung.de", "net:10.0.1.0/24")


def test_a_success_forgives_the_accounts_failures_not_the_networks():
    guard = lockout()
    for _ in range(2):
        guard.failed("anna@zeitung.de", "net:10.0.0.0/24")

    guard.succeeded("anna@zeitung.de")
    for _ in range(2):
        guard.failed("anna@zeitung.de", "net:10.0.0.0/24")

    assert not guard.locked("anna@zeitung.de", "net:10.0.1.0/24")
    guard.failed("anna@zeitung.de", "net:10.0.0.0/24")
    assert guard.locked("anna@zeitung.de", "net:10.0.1.0/24")
    assert guard.locked("jan@zeitung.de", "net:10.0.0.0/24")  # five from this network


def test_empty_limits_lock_nothing():
    guard = Lockout("memory://", "", "")
    for _ in range(50):
        guard.failed("anna@zeitung.de", "net:10.0.0.0/24")
    assert not guard.locked("anna@zeitung.de", "net:10.0.0.0/24")
