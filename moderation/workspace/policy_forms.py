"""The policy screens' forms, validated with marshmallow: shape only. Numbers are taken the
German way (0,45) or the English (0.45); empty fields count as not filled in. Each form
names the version its page showed (``version``), so that a save that comes after somebody
else's can be told apart. Messages are codes here; the views say them in the reader's
language (``policy_editing.problems``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)
from werkzeug.datastructures import MultiDict

from moderation.schemas import PlainText, Text
from moderation.wordlists import KINDS, MAX_TERM_LENGTH
from moderation.workspace.forms import Form

SHARE = validate.Range(min=0, max=1, error="share")
# The words of a candidate, one per line: as many as the API takes, with room for each.
MAX_WORDS = 10_000
BELOW_REVIEW = "below_review"
STARTER_OFF = "off"


class Share(fields.Float):
    """A threshold: a number from 0 to 1, with a decimal comma or point."""

    default_error_messages = {"invalid": "share", "special": "share", "too_large": "share"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, str):
            value = value.strip().replace(",", ".", 1)
        return super()._deserialize(value, attr, data, **kwargs)


class PolicyForm(Form):
    """A change of the policy: the version the page showed, and a note for the history."""

    version = fields.Integer(required=True, validate=validate.Range(min=0, max=2**31 - 1))
    note = PlainText(load_default=None, validate=validate.Length(max=2000))

    @pre_load
    def filled_only(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items()
                if not (isinstance(value, str) and not value.strip())}


class ThresholdsForm(PolicyForm):
    """``review-<category>`` (required) and ``reject-<category>`` (empty: never rejects)
    for each category the policy has (``thresholds_form`` adds the fields)."""

    @validates_schema
    def reject_not_below_review(self, data: dict[str, Any], **_kwargs: Any) -> None:
        for key, review in data.items():
            if key.startswith("review-"):
                category = key.removeprefix("review-")
                reject = data.get(f"reject-{category}")
                if reject is not None and reject < review:
                    raise ValidationError(BELOW_REVIEW, f"reject-{category}")


def threshold_fields(categories: Iterable[str]) -> dict[str, fields.Field]:
    """``review-<category>`` and ``reject-<category>`` for each category."""
    found: dict[str, fields.Field] = {}
    for category in categories:
        found[f"review-{category}"] = Share(required=True, validate=SHARE)
        found[f"reject-{category}"] = Share(load_default=None, validate=SHARE)
    return found


def thresholds_form(categories: Iterable[str]) -> ThresholdsForm:
    """The form for these categories' thresholds."""
    schema = type("ThresholdsFormFor", (ThresholdsForm,), threshold_fields(categories))
    return schema()


def thresholds_of(data: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """The loaded thresholds form as the service's ``thresholds`` change."""
    categories = [key.removeprefix("review-") for key in data if key.startswith("review-")]
    return {category: {"review": data[f"review-{category}"],
                       "reject": data.get(f"reject-{category}")} for category in categories}


class LinksForm(PolicyForm):
    max_links = fields.Integer(load_default=None, validate=validate.Range(min=0, max=1000))


class WordForm(Form):
    kind = Text(required=True, validate=validate.OneOf(KINDS))
    term = Text(required=True, validate=validate.Length(min=1, max=MAX_TERM_LENGTH * 2))


class StarterForm(PolicyForm):
    """One starter list: included or not, its version, kind and the terms left out."""

    included = fields.Boolean(required=True, truthy={"1"}, falsy={"0"})
    kind = Text(required=True, validate=validate.OneOf(KINDS))
    list_version = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    excluded = fields.List(Text(validate=validate.Length(min=1, max=MAX_TERM_LENGTH * 2)),
                           load_default=list, validate=validate.Length(max=1000))


class RevertForm(PolicyForm):
    """Bring a version back: the version the page showed as in force, and a note."""


class CandidateForm(ThresholdsForm, LinksForm):
    """A candidate as a whole: thresholds, link limit, both word lists (one entry a line)
    and, per starter list (``starter-<name>``: off, suspect or banned, and
    ``starter-version-<name>``), added by ``candidate_form``."""

    banned = PlainText(load_default="", validate=validate.Length(max=MAX_WORDS * 101))
    suspect = PlainText(load_default="", validate=validate.Length(max=MAX_WORDS * 101))

    @post_load
    def word_lines(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        for kind in KINDS:
            lines = data[kind].split("\n")
            data[kind] = [(number, line.strip()) for number, line in enumerate(lines, 1)
                          if line.strip()]
            if len(data[kind]) > MAX_WORDS:
                raise ValidationError("too_many_words", kind)
        return data


def candidate_form(categories: Iterable[str], starter_names: Iterable[str]) -> CandidateForm:
    """The candidate form for these categories and starter lists."""
    extra: dict[str, fields.Field] = threshold_fields(categories)
    for name in starter_names:
        extra[f"starter-{name}"] = Text(required=True, validate=validate.OneOf(
            (STARTER_OFF, *KINDS)))
        extra[f"starter-version-{name}"] = fields.Integer(
            load_default=None, validate=validate.Range(min=1, max=1000))
    schema = type("CandidateFormFor", (CandidateForm,), extra)
    return schema()


class ConfirmForm(Form):
    """A button that acts on the candidate the page showed (its version)."""

    version = fields.Integer(required=True, validate=validate.Range(min=0, max=2**31 - 1))


def read(schema: Schema, form: MultiDict[str, str],
         lists: tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, {})`` for a valid form, ``({}, messages by field)`` otherwise; ``lists`` are
    the fields sent once per value (checkboxes)."""
    values: dict[str, Any] = form.to_dict()
    for name in lists:
        values[name] = form.getlist(name)
    try:
        return schema.load(values), {}
    except ValidationError as error:
        return {}, error.normalized_messages()
