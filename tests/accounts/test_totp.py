"""Second factor codes: right for the moment, a step of drift either way, and only once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from moderation.accounts import totp

NOW = datetime(2026, 11, 25, 9, 30, 10, tzinfo=UTC)


def code_at(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def test_the_current_code_is_accepted_with_its_step():
    secret = totp.new_secret()

    step = totp.accepted_step(secret, code_at(secret, NOW), NOW, None)

    assert step == pyotp.TOTP(secret).timecode(NOW)


def test_spaces_in_a_typed_code_are_ignored():
    secret = totp.new_secret()
    code = code_at(secret, NOW)

    assert totp.accepted_step(secret, f"{code[:3]} {code[3:]}", NOW, None) is not None


def test_one_step_of_clock_drift_is_allowed_two_are_not():
    secret = totp.new_secret()

    assert totp.accepted_step(secret, code_at(secret, NOW - timedelta(seconds=30)), NOW,
                              None) is not None
    assert totp.accepted_step(secret, code_at(secret, NOW + timedelta(seconds=30)), NOW,
                              None) is not None
    assert totp.accepted_step(secret, code_at(secret, NOW - timedelta(seconds=90)), NOW,
                              None) is None


def test_a_code_is_accepted_once_and_an_older_one_never_after():
    secret = totp.new_secret()
    step = totp.accepted_step(secret, code_at(secret, NOW), NOW, None)

    assert totp.accepted_step(secret, code_at(secret, NOW), NOW, step) is None
    earlier = code_at(secret, NOW - timedelta(seconds=30))
    assert totp.accepted_step(secret, earlier, NOW, step) is None
    later = NOW + timedelta(seconds=30)
    assert totp.accepted_step(secret, code_at(secret, later), later, step) == step + 1


def test_wrong_and_malformed_codes_are_refused():
    secret = totp.new_secret()
    right = code_at(secret, NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for code in (wrong, "", "12345", "1234567", "abcdef", "١٢٣٤٥٦"):
        assert totp.accepted_step(secret, code, NOW, None) is None


def test_the_provisioning_uri_names_the_service_and_the_account():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "anna@zeitung.de")

    assert uri.startswith("otpauth://totp/moderation:anna%40zeitung.de?")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri and "issuer=moderation" in uri
