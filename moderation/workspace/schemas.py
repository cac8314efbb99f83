"""What the workspace's forms and fetches send (marshmallow, shape only).

The queue page reads the API's own ``QueueQuerySchema``, with days (``from``, ``to``) in the
newsroom's time zone instead of UTC instants; decisions name a reason from the newsroom's
list."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from moderation.schemas import (
    PUBLIC_ID,
    GroundSchema,
    PlainText,
    QueueQuerySchema,
    Text,
    UtcDateTime,
)
from moderation.workspace.reasons import reason_codes

NEWSROOM_TIME = ZoneInfo("Europe/Berlin")
PAGE_SIZE = 50
BULK_LIMIT = 500


def _day_start(day: Any) -> datetime:
    return datetime.combine(day, time(), NEWSROOM_TIME)


class QueuePageQuerySchema(QueueQuerySchema):
    """The queue page's GET form: the API's filters, the day range as dates."""

    class Meta:
        exclude = ("created_after", "created_before")

    from_day = fields.Date(data_key="from", load_default=None)
    to_day = fields.Date(data_key="to", load_default=None)
    limit = fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=200))

    @validates_schema
    def days_in_order(self, data: dict, **_kwargs: Any) -> None:
        first, last = data.get("from_day"), data.get("to_day")
        if first is not None and last is not None and first > last:
            raise ValidationError("from is after to.", "from")

    @post_load
    def instants(self, data: dict, **_kwargs: Any) -> dict:
        """A day runs from midnight to midnight in Berlin, whatever UTC says."""
        first, last = data.get("from_day"), data.get("to_day")
        data["created_after"] = _day_start(first) if first else None
        data["created_before"] = _day_start(last + timedelta(days=1)) if last else None
        return data


class ArrivalsQuerySchema(QueuePageQuerySchema):
    """The poll for counts: the page's filters and when the page was drawn."""

    class Meta:
        exclude = ("created_after", "created_before", "sort", "cursor", "limit")

    since = UtcDateTime(required=True)


def _one_of_the_newsrooms(code: str) -> None:
    if code not in reason_codes():
        raise ValidationError(_("Choose one of the newsroom's reasons."))


class DecisionInSchema(Schema):
    """An editor's decision: approve, or reject for one of the newsroom's reasons on a
    ground (the terms by default, or a provision of law)."""

    action = Text(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason_code = Text(load_default=None, validate=lambda code: _one_of_the_newsrooms(code))
    ground = fields.Nested(GroundSchema, load_default=None, allow_none=True)
    reason = PlainText(load_default=None, validate=validate.Length(max=2000))

    @validates_schema
    def fits_action(self, data: dict, **_kwargs: Any) -> None:
        ground = data.get("ground")
        if data["action"] == "approve":
            for field in ("reason_code", "ground"):
                if data.get(field) is not None:
                    raise ValidationError(_("Only a rejection takes a reason."), field)
            return
        if data.get("reason_code") is None:
            raise ValidationError(_("Choose a reason for the rejection."), "reason_code")
        if data["reason_code"] == "criminal_content" and (ground is None
                                                          or ground.type != "illegal"):
            raise ValidationError(_("Name the provision of law the comment breaks."),
                                  "ground")


class BulkDecisionInSchema(DecisionInSchema):
    ids = fields.List(Text(validate=PUBLIC_ID), required=True,
                      validate=validate.Length(min=1, max=BULK_LIMIT))
