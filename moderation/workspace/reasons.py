"""The newsroom's reasons for rejecting a comment, as editors pick them (digits 1–9 in the
picker): the default list, or the newsroom's own from ``MODERATION_REJECTION_REASONS``, a
comma-separated list of reason codes, each with its own name where the catalogue has none
(``insult,spam,satire=Satire missbraucht``). ``criminal_content`` needs a provision of law.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask, current_app

from moderation.config import InvalidSetting
from moderation.texts import EDITOR_REJECTION_REASONS

_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
MOST_REASONS = 9  # one digit each in the picker


@dataclass(frozen=True)
class RejectionReason:
    code: str
    name: str | None = None  # the newsroom's own name; else the catalogue's (or the code)


def parse(entries: list[str]) -> tuple[RejectionReason, ...]:
    """The reasons a setting names, in its order; ``InvalidSetting`` says what is wrong."""
    if not entries:
        return tuple(RejectionReason(code) for code in EDITOR_REJECTION_REASONS)
    reasons = []
    for entry in entries:
        code, _, name = (part.strip() for part in entry.partition("="))
        if not _CODE.fullmatch(code):
            raise InvalidSetting(f"MODERATION_REJECTION_REASONS: {code!r} is no reason code "
                                 "(a-z, digits and _, starting with a letter).")
        reasons.append(RejectionReason(code, name or None))
    codes = [reason.code for reason in reasons]
    if len(set(codes)) != len(codes) or len(codes) > MOST_REASONS:
        raise InvalidSetting(f"MODERATION_REJECTION_REASONS: at most {MOST_REASONS} reasons, "
                             "each once.")
    return tuple(reasons)


def init_reasons(app: Flask) -> None:
    """Read the newsroom's reasons once, at start-up: a wrong setting stops the service."""
    app.extensions["rejection_reasons"] = parse(
        app.extensions["moderation"].config.rejection_reasons)


def newsroom_reasons() -> tuple[RejectionReason, ...]:
    return current_app.extensions["rejection_reasons"]


def reason_codes() -> tuple[str, ...]:
    return tuple(reason.code for reason in newsroom_reasons())


def own_name(code: str) -> str | None:
    """The newsroom's own name of a reason code, if it gave one."""
    return next((reason.name for reason in newsroom_reasons() if reason.code == code), None)
