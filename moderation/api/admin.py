"""The admins' endpoints: the live policy, its history, and a candidate in shadow mode."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.auth import KEY_REQUIRED, current_key, no_store, require_role
from moderation.api.context import now, state, unit_of_work
from moderation.domain import Role
from moderation.errors import NotFound
from moderation.schemas import (
    HistoryQuerySchema,
    PolicyChangesSchema,
    PolicyHistorySchema,
    PolicySchema,
    ShadowReportSchema,
    WordChangeSchema,
)
from moderation.services import policies

blp = Blueprint("admin", __name__, url_prefix="/v1/admin",
                description="For admins: the moderation policy. Needs an admin API key.")
blp.after_request(no_store)


def _defaults() -> policies.PolicySettings:
    return policies.configured(state().config)


def _active(session: Any) -> policies.ActivePolicies:
    return policies.active_policies(session, _defaults())


def _candidate(session: Any) -> tuple[Any, Any]:
    """The running candidate's settings and version; 404 when shadow mode is off."""
    active = _active(session)
    if active.candidate is None or active.candidate_version is None:
        raise NotFound("No candidate policy is running.")
    return active.candidate, active.candidate_version


def _revise(session: Any, name: str, revision: Any, note: str | None, action: str,
            details: dict[str, Any]) -> dict[str, Any]:
    version = policies.revise(session, name, _defaults(), revision, api_key=current_key(),
                              note=note, now=now(), action=action, details=details)
    return _described(version)


def _described(version: Any) -> dict[str, Any]:
    return policies.describe(policies.settings_of(version), version)


@blp.route("/policy")
class LivePolicy(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.response(200, PolicySchema)
    @blp.doc(**KEY_REQUIRED)
    def get(self) -> Any:
        """The live policy: thresholds, word lists, link limit."""
        with unit_of_work() as session:
            active = _active(session)
            return policies.describe(active.live, active.live_version)

    @blp.arguments(PolicyChangesSchema)
    @blp.response(200, PolicySchema)
    @blp.doc(**KEY_REQUIRED)
    def patch(self, changes: dict[str, Any]) -> Any:
        """Change the live policy; the change becomes a new version in its history."""
        with unit_of_work() as session:
            return _revise(session, policies.LIVE,
                           lambda live: policies.apply_changes(live, changes),
                           changes.get("note"), "policy.changed", _changed_fields(changes))


@blp.route("/policy/words")
class Words(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.arguments(WordChangeSchema)
    @blp.response(200, PolicySchema)
    @blp.doc(**KEY_REQUIRED)
    def post(self, change: dict[str, Any]) -> Any:
        """Add a word to the banned or the suspect list of the live policy."""
        return _change_word(change, add=True)


@blp.route("/policy/words/remove")
class WordRemoval(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.arguments(WordChangeSchema)
    @blp.response(200, PolicySchema)
    @blp.doc(**KEY_REQUIRED)
    def post(self, change: dict[str, Any]) -> Any:
        """Remove a word from the banned or the suspect list of the live policy."""
        return _change_word(change, add=False)


def _change_word(change: dict[str, Any], *, add: bool) -> dict[str, Any]:
    with unit_of_work() as session:
        return _revise(session, policies.LIVE,
                       lambda live: policies.change_words(live, change["kind"], change["term"],
                                                          add=add),
                       change["note"], "policy.word_added" if add else "policy.word_removed",
                       {"kind": change["kind"], "term": change["term"]})


def _changed_fields(changes: dict[str, Any]) -> dict[str, Any]:
    return {"fields": sorted(field for field in changes if field != "note")}


@blp.route("/policy/history")
class History(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, PolicyHistorySchema)
    @blp.doc(**KEY_REQUIRED)
    def get(self, query: dict[str, Any]) -> Any:
        """Every saved version of a policy, newest first, with who saved it and why."""
        with unit_of_work() as session:
            return {"versions": policies.history(session, query["name"], query["limit"])}


@blp.route("/policy/candidate")
class Candidate(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.response(200, PolicySchema)
    @blp.doc(**KEY_REQUIRED)
    def get(self) -> Any:
        """The candidate policy running in shadow mode."""
        with unit_of_work() as session:
            return policies.describe(*_candidate(session))

    @blp.arguments(PolicyChangesSchema)
    @blp.response(200, PolicySchema)
    @blp.doc(**KEY_REQUIRED)
    def put(self, changes: dict[str, Any]) -> Any:
        """Start (or replace) a candidate: the live policy with these changes. From now on
        the worker records what it would decide, beside the live decision."""
        with unit_of_work() as session:
            return _revise(session, policies.CANDIDATE,
                           lambda live: policies.apply_changes(live, changes),
                           changes.get("note"), "policy.candidate_started",
                           _changed_fields(changes))

    @blp.response(204)
    @blp.doc(**KEY_REQUIRED)
    def delete(self) -> None:
        """End shadow mode; the candidate's record stays in the history."""
        with unit_of_work() as session:
            policies.retire_candidate(session, api_key=current_key(), note=None, now=now())


@blp.route("/policy/candidate/report")
class ShadowReport(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.response(200, ShadowReportSchema)
    @blp.doc(**KEY_REQUIRED)
    def get(self) -> Any:
        """How often the candidate disagrees with the live policy and with editors."""
        with unit_of_work() as session:
            return policies.shadow_report(session, _candidate(session)[1])


@blp.route("/policy/candidate/promote")
class Promote(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.response(200, PolicySchema)
    @blp.doc(**KEY_REQUIRED)
    def post(self) -> Any:
        """Make the candidate the live policy and end shadow mode."""
        with unit_of_work() as session:
            return _described(policies.promote(session, _defaults(), api_key=current_key(),
                                               now=now()))
