"""What the policy screens share: the policies in force, saving a change as the signed-in
person through the policy service (every change a new version), refusing a save that
comes after somebody else's change of the same part, and the refusals in the reader's
language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from moderation.api.context import now, request_session, state
from moderation.errors import Conflict
from moderation.models import PolicyVersion
from moderation.policy import PolicySettings
from moderation.services import policies
from moderation.wordlists import MAX_TERM_LENGTH
from moderation.workspace.access import current_account
from moderation.workspace.blueprint import blueprint
from moderation.workspace.i18n import current_locale
from moderation.workspace.policy_forms import BELOW_REVIEW
from moderation.workspace.present import actor_label

LIVE, CANDIDATE = policies.LIVE, policies.CANDIDATE
Part = Callable[[PolicySettings], Any]


class _Unchanged(Exception):
    """The edit leaves the policy as it is: no new version."""


class ChangedMeanwhile(Conflict):
    """Since the page was drawn, somebody saved a version that changed what this save
    would change: saving now would undo their change unseen."""

    def __init__(self, latest: PolicyVersion | None) -> None:
        super().__init__("The policy was changed meanwhile.", code="policy_changed")
        self.latest = latest


def defaults() -> PolicySettings:
    """The configured policy, in force until an admin saves one."""
    return policies.configured(state().config)


def active() -> policies.ActivePolicies:
    return policies.active_policies(request_session(), defaults())


def settings_at(session: Session, name: str, number: int) -> PolicySettings | None:
    """Version ``number`` of policy ``name`` (the live policy's version 0: the configured
    one); None if there is no such version."""
    if number == 0:
        return defaults() if name == LIVE else None
    version = policies.find_version(session, name, number)
    return policies.settings_of(version) if version is not None else None


def whole(settings: PolicySettings) -> Any:
    """Everything a policy decides by (its label aside)."""
    return (settings.thresholds, sorted(set(settings.banned)), sorted(set(settings.suspect)),
            settings.max_links, settings.starter)


def save(name: str, edit: Callable[[PolicySettings], PolicySettings], *,
         based_on: int | None, part: Part | None, action: str, note: str | None,
         details: Mapping[str, Any] | None = None) -> PolicyVersion | None:
    """Save ``edit`` of policy ``name`` as its next version, by the signed-in person; None
    (and no version) when the edit changes nothing.

    ``edit`` gets the policy as it stands once the service holds its lock: the live one,
    or for ``candidate`` the running candidate (else the live policy a new one starts
    from). ``based_on`` is the version the page showed (0: none saved, or no candidate
    running); if another was saved since and ``part`` of it differs from what the page
    showed (``part`` None: anything), ``ChangedMeanwhile`` and nothing is saved."""
    session = request_session()

    def revision(live: PolicySettings) -> PolicySettings:
        running = policies.current_version(session, name)
        current = policies.settings_of(running) if running and name == CANDIDATE else live
        if based_on is not None and (running.version if running else 0) != based_on:
            shown = settings_at(session, name, based_on)
            if part is None or shown is None or part(shown) != part(current):
                raise ChangedMeanwhile(running)
        edited = edit(current)
        # A candidate that repeats the live policy may start; no version repeats its own.
        if (name == LIVE or running is not None) and whole(edited) == whole(current):
            raise _Unchanged
        return edited

    try:
        with session.begin_nested():
            return policies.revise(session, name, defaults(), revision, api_key=None,
                                   note=note, now=now(), action=action,
                                   details=dict(details or {}), actor=current_account().actor)
    except _Unchanged:
        return None


def entered_values() -> dict[str, str]:
    """The posted form's values, to show again after a refusal (NUL characters left out:
    no page carries them)."""
    return {key: value.replace("\x00", "") for key, value in request.form.items()}


def saved_notice() -> str | None:
    """After a save (``?gespeichert=<version>``): which version it became, or (0) that
    nothing changed."""
    saved = request.args.get("gespeichert", "")
    if saved == "0":
        return _("Nothing changed: the policy already reads like this.")
    return _("Saved as version %(version)s.", version=saved) if saved.isdigit() \
        and len(saved) < 10 else None


def changed_meanwhile(error: ChangedMeanwhile) -> str:
    """Why a save was refused, and what the page now shows."""
    latest = error.latest
    if latest is None:
        return _("Somebody changed this meanwhile (the candidate was ended or promoted). "
                 "The page now shows the current state; your entries are kept below. "
                 "Please check them and save again.")
    return _("Meanwhile %(who)s saved version %(version)s, which changes the same part. The "
             "page now shows that version; your entries are kept below. Please check them "
             "and save again.", who=actor_label(latest.created_by), version=latest.version)


def term_problem(message: str) -> str:
    """The word-list matcher's refusal of an entry (``validate_term``) in the reader's
    language."""
    return {
        "An entry needs a word or phrase.": _("Enter a word or phrase."),
        f"An entry may have at most {MAX_TERM_LENGTH} characters.":
            _("An entry may have at most %(count)s characters.", count=MAX_TERM_LENGTH),
        "An entry cannot consist of wildcards only.":
            _("An entry cannot consist of wildcards (*) only."),
        "A wildcard (*) may only stand at the start or end of an entry.":
            _("A wildcard (*) may only stand at the start or end of an entry."),
        "A wildcard (*) must touch a word: 'arsch*', not 'arsch *'.":
            _("A wildcard (*) must touch a word: „arsch*“, not „arsch *“."),
        "An entry needs at least two letters or digits.":
            _("An entry needs at least two letters or digits."),
        "A gap (…) stands between two words, never two in a row.":
            _("A gap (…) stands between two words, never at the start or end, and never "
              "two in a row."),
        "control characters are not allowed": _("Control characters are not allowed."),
    }.get(message, _("This entry cannot be used."))


def term_problems(errors: Mapping[str, Any], kind: str) -> dict[int, str]:
    """The service's refusals of a list's entries (``{kind: {index: [message]}}``), by the
    entry's index, in the reader's language."""
    found = errors.get(kind)
    if not isinstance(found, Mapping):
        return {}
    return {int(index): term_problem(messages[0] if messages else "")
            for index, messages in found.items()}


def field_messages() -> dict[str, str]:
    """What to tell the reader about a field of a policy form, by the field's kind."""
    return {
        "review": _("Enter a review threshold: a number from 0 to 1, e.g. 0.45."),
        "reject": _("A number from 0 to 1, e.g. 0.9, or empty: never rejects."),
        BELOW_REVIEW: _("The reject threshold must not lie below the review threshold."),
        "max_links": _("A whole number from 0 to 1000, or empty for no limit."),
        "term": _("Enter a word or phrase of at most %(count)s characters.",
                  count=MAX_TERM_LENGTH),
        "kind": _("Choose banned or suspect."),
        "note": _("A note of at most 2000 characters, without control characters."),
        "banned": _("At most 10,000 entries, one per line."),
        "suspect": _("At most 10,000 entries, one per line."),
        "starter": _("Choose whether and how the list is included."),
        "version": _("The form is incomplete. Please reload the page."),
    }


def problems(errors: Mapping[str, Any]) -> dict[str, str]:
    """A message for each field the form could not take."""
    messages = field_messages()
    found = {}
    for field, raw in errors.items():
        codes = raw if isinstance(raw, list) else [raw]
        kind = field.split("-", 1)[0]
        if BELOW_REVIEW in codes:
            kind = BELOW_REVIEW
        found[field] = messages.get(kind, _("Please check this field."))
    return found


@blueprint.app_template_filter("threshold_value")
def threshold_value(value: float | None) -> str:
    """A threshold as typed into a form: every digit it has, with a decimal comma in
    German (0,425), empty for none."""
    if value is None:
        return ""
    written = format(Decimal(repr(float(value))), "f")
    return written.replace(".", ",") if current_locale() == "de" else written
