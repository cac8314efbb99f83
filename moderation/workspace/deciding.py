"""Decisions taken in the workspace: the signed-in person decides, through the one service
every decision takes, and refusals come back in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError
from sqlalchemy.orm import Session

from moderation.api.context import now, state
from moderation.errors import DomainError, Invalid
from moderation.models import Comment
from moderation.services import moderation
from moderation.statements import PublisherTerms
from moderation.workspace.access import current_decider
from moderation.workspace.reasons import reason_codes

# Provisions of German law a newsroom names most often; the editor may write any other.
PROVISIONS = (
    ("§ 130 StGB", "Volksverhetzung"), ("§ 185 StGB", "Beleidigung"),
    ("§ 186 StGB", "Üble Nachrede"), ("§ 187 StGB", "Verleumdung"),
    ("§ 241 StGB", "Bedrohung"), ("§ 126 StGB", "Störung des öffentlichen Friedens"),
    ("§ 140 StGB", "Belohnung und Billigung von Straftaten"),
    ("§ 86a StGB", "Verwenden von Kennzeichen verfassungswidriger Organisationen"),
    ("§ 111 StGB", "Öffentliche Aufforderung zu Straftaten"),
    ("§ 201a StGB", "Verletzung des höchstpersönlichen Lebensbereichs"),
)


def picker_context() -> dict[str, Any]:
    """What the reason picker offers: the newsroom's reasons, provisions to suggest, and
    the clause of the terms a rejection names by default."""
    return {"reasons": reason_codes(), "provisions": PROVISIONS,
            "clause": state().config.terms_clause}


def refusal_messages() -> dict[str, Callable[[], str]]:
    return {
        "appeal_needs_other_editor": lambda: _(
            "You rejected this comment yourself: another editor decides the author's "
            "appeal (four-eyes principle)."),
        "comment_erased": lambda: _("This comment was erased: nothing is left to decide."),
        "not_found": lambda: _("There is no such comment."),
    }


@contextmanager
def in_own_words() -> Iterator[None]:
    """Services speak English to integrators; the workspace tells its reader in theirs."""
    try:
        yield
    except DomainError as error:
        message = refusal_messages().get(error.code)
        if message is None:
            raise
        error.message = message()
        raise


def json_body(schema: Schema) -> dict[str, Any]:
    """The request's JSON object, loaded by ``schema`` (422 with the fields' errors)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(_("Send a JSON object."), errors={"_schema": ["Send a JSON object."]})
    try:
        return schema.load(body)
    except ValidationError as error:
        raise Invalid(_("Please check your input."), errors=error.normalized_messages()) \
            from None


def decide(session: Session, comment_id: str, data: dict[str, Any]) -> Comment:
    """Approve or reject one comment as the signed-in person."""
    with in_own_words():
        return moderation.decide(
            session, comment_id, data["action"], current_decider(),
            reason_code=data["reason_code"], reason=data["reason"], ground=data["ground"],
            now=now(), terms=PublisherTerms.of(state().config))


def decide_many(session: Session, data: dict[str, Any]) -> list[moderation.BulkResult]:
    """One decision on many comments, in one transaction; each says how it went."""
    return moderation.decide_many(
        session, data["ids"], data["action"], current_decider(),
        reason_code=data["reason_code"], reason=data["reason"], ground=data["ground"],
        now=now(), terms=PublisherTerms.of(state().config))
