"""The forms of the admins' screens (webhooks, API keys, audit log, privacy requests,
mails), validated with marshmallow: shape only, with the API's own field types, so a form
accepts what the API accepts. Refusals are German (or English) per field, for the page to
show beside the field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import MultiDict

from moderation.domain import EVENT_TYPES, Role
from moderation.pagination import check_cursor
from moderation.schemas import Email, PlainText, Text, Url, WholeMatch
from moderation.services.notifications import DigestFrequency
from moderation.workspace.forms import Form

# What an endpoint can subscribe to: every event but the ping, which is sent on request.
SUBSCRIBABLE = tuple(event for event in EVENT_TYPES if event != "ping")
CHECKED = {"1", "on", "true"}
UNCHECKED = {"", "0", "false"}
KEY_NAME = WholeMatch(r"^[\w.-]{1,100}$")
ACTION = WholeMatch(r"^[a-z][a-z_.]{0,63}$")
PUBLIC_ID = WholeMatch(r"^[A-Za-z0-9_-]{1,40}$")
# Days a log can hold; the year 1 or 9999 would not survive the turn into UTC.
DAYS = validate.Range(min=date(2000, 1, 1), max=date(2999, 12, 31))


def _checkbox(**kwargs: Any) -> fields.Boolean:
    return fields.Boolean(truthy=CHECKED, falsy=UNCHECKED, **kwargs)


class WebhookForm(Form):
    url = Url(required=True, schemes={"http", "https"}, require_tld=False,
              validate=validate.Length(max=2000))
    event_types = fields.List(Text(validate=validate.OneOf(SUBSCRIBABLE)), load_default=list)
    description = PlainText(load_default=None, validate=validate.Length(max=500))


class WebhookChangeForm(WebhookForm):
    enabled = _checkbox(load_default=False)


class SwitchForm(Form):
    on = fields.Boolean(required=True, truthy={"1"}, falsy={"0"})


class ConfirmForm(Form):
    bestaetigt = _checkbox(required=True, validate=validate.Equal(True))


class Query(Schema):
    """A page's query string: a parameter it does not know is ignored, as links may carry
    others."""

    class Meta:
        unknown = EXCLUDE


class DeliveryFilter(Query):
    status = Text(load_default=None, validate=validate.OneOf(
        ["pending", "retrying", "failed", "succeeded"]))
    ping = Text(load_default=None, validate=PUBLIC_ID)
    geaendert = Text(load_default=None, validate=validate.Length(max=40))
    anzahl = fields.Integer(load_default=None, validate=validate.Range(min=0, max=10**9))


class NewKeyForm(Form):
    name = Text(required=True, validate=KEY_NAME)
    role = Text(required=True, validate=validate.OneOf([role.value for role in Role]))
    expires_in_days = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(min=1, max=3650))


class KeyForm(Form):
    name = Text(required=True, validate=validate.Length(min=1, max=100))


class AuditFilter(Query):
    actor = Text(load_default=None, validate=validate.Length(min=1, max=120))
    action = Text(load_default=None, validate=ACTION)
    from_day = fields.Date(data_key="from", load_default=None, validate=DAYS)
    to_day = fields.Date(data_key="to", load_default=None, validate=DAYS)
    cursor = Text(load_default=None, validate=[validate.Length(max=500), check_cursor])

    @validates_schema
    def days_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        first, last = data.get("from_day"), data.get("to_day")
        if first is not None and last is not None and first > last:
            raise ValidationError("from is after to.", "to")


class ReaderForm(Form):
    email = Email(required=True, validate=validate.Length(max=254))


class ErasureForm(ReaderForm):
    bestaetigt = _checkbox(load_default=False)


class NotificationForm(Form):
    immediate = _checkbox(load_default=False)
    digest = Text(required=True, validate=validate.OneOf([f.value for f in DigestFrequency]))


class OutboxFilter(Query):
    status = Text(load_default=None, validate=validate.OneOf(
        ["queued", "retrying", "failed", "sent", "cancelled"]))
    geaendert = Text(load_default=None, validate=validate.Length(max=40))


def read(schema: Schema, data: MultiDict[str, str], lists: tuple[str, ...] = ()
         ) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, {})`` for a valid form or query, ``({}, errors by field)`` otherwise; the
    fields named in ``lists`` may be given several times (checkboxes)."""
    given: dict[str, Any] = data.to_dict()
    given.update({name: data.getlist(name) for name in lists})
    try:
        return schema.load(given), {}
    except ValidationError as error:
        return {}, error.normalized_messages()


def problems(errors: Mapping[str, Any], messages: Mapping[str, str]) -> dict[str, str]:
    """A message in the reader's language for each field that was refused (``messages``
    by field; anything else, an unknown field included, gets a general one)."""
    return {field: messages.get(field, _("This field cannot be used here."))
            for field in errors}
