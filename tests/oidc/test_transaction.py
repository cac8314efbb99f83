"""The trip to the provider kept in the browser: what is derived from its secret, and what a
cookie can hold."""

from __future__ import annotations

import re

import pytest

from moderation.accounts.oidc.transaction import Transaction


def test_state_nonce_and_verifier_are_different_and_the_verifier_fits_rfc_7636():
    transaction = Transaction.new("/redaktion/")

    values = {transaction.state, transaction.nonce, transaction.code_verifier}

    assert len(values) == 3
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", transaction.code_verifier)
    assert transaction.matches(transaction.state)
    assert not transaction.matches(Transaction.new("/redaktion/").state)


def test_the_cookie_gives_back_the_same_trip_with_its_path():
    transaction = Transaction.new("/redaktion/warteschlange?status=reported&q=Grüße")

    assert Transaction.from_cookie(transaction.cookie_value()) == transaction


@pytest.mark.parametrize("value", [None, "", "kurz.", "ohne-punkt" * 5, "." + "x" * 43])
def test_a_malformed_cookie_is_no_trip(value):
    assert Transaction.from_cookie(value) is None
