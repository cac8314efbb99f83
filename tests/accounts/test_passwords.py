"""argon2id password hashes: verified, refused, and renewed when the parameters change."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY

from moderation.accounts.passwords import (
    HASHER,
    check_new_password,
    check_password,
    hash_password,
)
from moderation.errors import Invalid


def test_a_hash_is_argon2id_with_todays_parameters_and_never_the_password():
    stored = hash_password("Grüße aus Köln 2026")

    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "Grüße" not in stored
    assert HASHER.time_cost == RFC_9106_LOW_MEMORY.time_cost
    assert stored != hash_password("Grüße aus Köln 2026")  # salted


def test_the_right_password_matches_and_a_wrong_one_does_not():
    stored = hash_password("Grüße aus Köln 2026")

    assert check_password(stored, "Grüße aus Köln 2026").matches
    assert check_password(stored, "Grüße aus Köln 2026").new_hash is None
    assert not check_password(stored, "grüße aus köln 2026").matches
    assert not check_password(stored, "").matches
    assert not check_password("not a hash", "Grüße aus Köln 2026").matches


def test_a_hash_with_older_parameters_is_renewed_once_the_password_is_known():
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("Grüße aus Köln")

    checked = check_password(old, "Grüße aus Köln")

    assert checked.matches
    assert checked.new_hash is not None and checked.new_hash.startswith(
        "$argon2id$v=19$m=65536,t=3,p=4$")
    assert check_password(checked.new_hash, "Grüße aus Köln").new_hash is None
    assert check_password(old, "falsch").new_hash is None


@pytest.mark.parametrize(("password", "code"), [
    ("kurz", "password_too_short"),
    ("x" * 1025, "password_too_long"),
    ("Anna.Schmidt@Zeitung.de", "password_is_email"),
])
def test_a_new_password_must_be_long_enough_and_not_the_email(password, code):
    with pytest.raises(Invalid) as refused:
        check_new_password(password, "anna.schmidt@zeitung.de")
    assert refused.value.code == code


def test_a_long_passphrase_with_umlauts_is_fine():
    check_new_password("Überall Straßenbäume blühen", "anna@zeitung.de")
