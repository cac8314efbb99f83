"""The workspace's forms, validated with marshmallow like the API's bodies: shape only.
Every form carries its CSRF token (checked before any view); nothing else unknown passes."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from moderation.accounts.passwords import MAX_LENGTH as MAX_PASSWORD
from moderation.domain import Role
from moderation.texts import LANGUAGES


class Form(Schema):
    class Meta:
        unknown = RAISE

    csrf_token = fields.String(load_only=True)


class SignInForm(Form):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))
    weiter = fields.String(load_default=None, validate=validate.Length(max=2000))


class CodeForm(Form):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    weiter = fields.String(load_default=None, validate=validate.Length(max=2000))


class PasswordForm(Form):
    current_password = fields.String(required=True,
                                      validate=validate.Length(min=1, max=MAX_PASSWORD))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))
    confirmation = fields.String(required=True, validate=validate.Length(max=MAX_PASSWORD))


class LanguageForm(Form):
    locale = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class NewAccountForm(Form):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    locale = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    totp_required = fields.Boolean(load_default=False, truthy={"on", "1", "true"},
                                   falsy={"", "0", "false"})


class SwitchForm(Form):
    on = fields.Boolean(required=True, truthy={"1"}, falsy={"0"})


class RoleForm(Form):
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))


def read(schema: Schema, form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, {})`` for a valid form, ``({}, errors by field)`` otherwise."""
    try:
        return schema.load(form.to_dict()), {}
    except ValidationError as error:
        return {}, error.normalized_messages()
