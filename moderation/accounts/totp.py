"""Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits) as authenticator
apps make them. A code is accepted one step early or late (clocks drift) and only once."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

ISSUER = "moderation"
# One step either side: phones' clocks are rarely more than 30 seconds off.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI authenticator apps read (shown as text; we draw no QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is right for ``now`` and newer than the last
    step used (a code seen once, or an older one, is refused)."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step if last_step is None or step > last_step else None
    return None
