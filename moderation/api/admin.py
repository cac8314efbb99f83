"""The admins' endpoints: the live policy, its history, a candidate in shadow mode, the
shipped starter word lists, and the model versions."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.auth import current_key, key_required, no_store
from moderation.api.context import now, request_session, state
from moderation.domain import Role
from moderation.errors import NotFound
from moderation.schemas import (
    HistoryQuerySchema,
    ModelDisagreementsQuerySchema,
    ModelDisagreementsSchema,
    ModelRollbackSchema,
    ModelSwitchSchema,
    ModelVersionsSchema,
    PolicyChangesSchema,
    PolicyHistorySchema,
    PolicySchema,
    ShadowReportSchema,
    StarterListQuerySchema,
    StarterListsSchema,
    StarterListTermsSchema,
    SuppressionInSchema,
    SuppressionSchema,
    WordChangeSchema,
)
from moderation.services import audit, model_versions, policies, reader_mail

blp = Blueprint("admin", __name__, url_prefix="/v1/admin",
                description="For admins: the moderation policy and the starter word lists. "
                            "Needs an admin API key.")
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
@key_required(blp, Role.ADMIN)
class LivePolicy(MethodView):
    @blp.response(200, PolicySchema)
    def get(self) -> Any:
        """The live policy: thresholds, word lists, link limit."""
        session = request_session()
        active = _active(session)
        return policies.describe(active.live, active.live_version)

    @blp.arguments(PolicyChangesSchema)
    @blp.response(200, PolicySchema)
    def patch(self, changes: dict[str, Any]) -> Any:
        """Change the live policy; the change becomes a new version in its history."""
        session = request_session()
        return _revise(session, policies.LIVE,
                       lambda live: policies.apply_changes(live, changes),
                       changes.get("note"), "policy.changed", _changed_fields(changes))


@blp.route("/policy/words")
@key_required(blp, Role.ADMIN)
class Words(MethodView):
    @blp.arguments(WordChangeSchema)
    @blp.response(200, PolicySchema)
    def post(self, change: dict[str, Any]) -> Any:
        """Add a word to the banned or the suspect list of the live policy."""
        return _change_word(change, add=True)


@blp.route("/policy/words/remove")
@key_required(blp, Role.ADMIN)
class WordRemoval(MethodView):
    @blp.arguments(WordChangeSchema)
    @blp.response(200, PolicySchema)
    def post(self, change: dict[str, Any]) -> Any:
        """Remove a word from the banned or the suspect list of the live policy."""
        return _change_word(change, add=False)


def _change_word(change: dict[str, Any], *, add: bool) -> dict[str, Any]:
    session = request_session()
    return _revise(session, policies.LIVE,
                   lambda live: policies.change_words(live, change["kind"], change["term"],
                                                      add=add),
                   change["note"], "policy.word_added" if add else "policy.word_removed",
                   {"kind": change["kind"], "term": change["term"]})


def _changed_fields(changes: dict[str, Any]) -> dict[str, Any]:
    return {"fields": sorted(field for field in changes if field != "note")}


@blp.route("/policy/history")
@key_required(blp, Role.ADMIN)
class History(MethodView):
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, PolicyHistorySchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Every saved version of a policy, newest first, with who saved it and why."""
        session = request_session()
        return {"versions": policies.history(session, query["name"], query["limit"])}


@blp.route("/policy/candidate")
@key_required(blp, Role.ADMIN)
class Candidate(MethodView):
    @blp.response(200, PolicySchema)
    def get(self) -> Any:
        """The candidate policy running in shadow mode."""
        session = request_session()
        return policies.describe(*_candidate(session))

    @blp.arguments(PolicyChangesSchema)
    @blp.response(200, PolicySchema)
    def put(self, changes: dict[str, Any]) -> Any:
        """Start (or replace) a candidate: the live policy with these changes. From now on
        the worker records what it would decide, beside the live decision."""
        session = request_session()
        return _revise(session, policies.CANDIDATE,
                       lambda live: policies.apply_changes(live, changes),
                       changes.get("note"), "policy.candidate_started",
                       _changed_fields(changes))

    @blp.response(204)
    def delete(self) -> None:
        """End shadow mode; the candidate's record stays in the history."""
        session = request_session()
        policies.retire_candidate(session, api_key=current_key(), note=None, now=now())


@blp.route("/policy/candidate/report")
@key_required(blp, Role.ADMIN)
class ShadowReport(MethodView):
    @blp.response(200, ShadowReportSchema)
    def get(self) -> Any:
        """How often the candidate disagrees with the live policy and with editors."""
        session = request_session()
        return policies.shadow_report(session, _candidate(session)[1])


@blp.route("/policy/candidate/promote")
@key_required(blp, Role.ADMIN)
class Promote(MethodView):
    @blp.response(200, PolicySchema)
    def post(self) -> Any:
        """Make the candidate the live policy and end shadow mode."""
        session = request_session()
        return _described(policies.promote(session, _defaults(), api_key=current_key(),
                                           now=now()))


@blp.route("/wordlists")
@key_required(blp, Role.ADMIN)
class StarterLists(MethodView):
    @blp.response(200, StarterListsSchema)
    def get(self) -> Any:
        """The shipped starter word lists: version, size, what they hold, where from."""
        return {"lists": policies.starter_catalogue()}


@blp.route("/wordlists/<string:name>")
@key_required(blp, Role.ADMIN)
class StarterListTerms(MethodView):
    @blp.arguments(StarterListQuerySchema, location="query")
    @blp.response(200, StarterListTermsSchema)
    def get(self, query: dict[str, Any], name: str) -> Any:
        """One starter list's terms, each with where it comes from."""
        return policies.starter_list(name, query["version"])


@blp.route("/mail/suppressions")
@key_required(blp, Role.ADMIN)
class MailSuppressions(MethodView):
    @blp.arguments(SuppressionInSchema)
    @blp.response(200, SuppressionSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Stop all mail to a reader's address: a bounce or complaint the MTA's bounce
        processor reports; its pending mails are cancelled (audited)."""
        return reader_mail.suppress(request_session(), data["email"], data["reason"],
                                    now=now(), **audit.by_key(current_key()))


@blp.route("/models")
@key_required(blp, Role.ADMIN)
class ModelVersions(MethodView):
    @blp.response(200, ModelVersionsSchema)
    def get(self) -> Any:
        """The model versions: which one scores now, the candidate, the retired ones."""
        return model_versions.describe_all(request_session())


@blp.route("/models/candidate/report")
@key_required(blp, Role.ADMIN)
class ModelShadowReport(MethodView):
    @blp.response(200, ShadowReportSchema)
    def get(self) -> Any:
        """How often the live policy with the candidate model's scores disagrees with the
        live decisions and with editors."""
        return model_versions.shadow_report(request_session())


@blp.route("/models/candidate/disagreements")
@key_required(blp, Role.ADMIN)
class ModelDisagreements(MethodView):
    @blp.arguments(ModelDisagreementsQuerySchema, location="query")
    @blp.response(200, ModelDisagreementsSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="No candidate is installed.")
    def get(self, query: dict[str, Any]) -> Any:
        """The newest comments the candidate model would have decided otherwise than the
        live one, with their text and both decisions (the text an admin needs to judge)."""
        session = request_session()
        candidate = model_versions.candidate_version(session)
        if candidate is None:
            raise NotFound("No candidate model is installed (moderation model install).")
        return {"candidate": candidate,
                "disagreements": model_versions.shadow_disagreements(session, query["limit"])}


@blp.route("/models/promote")
@key_required(blp, Role.ADMIN)
class ModelPromote(MethodView):
    @blp.response(200, ModelSwitchSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="No candidate is installed.")
    @blp.alt_response(409, response="CONFLICT", description=(
        "The candidate's files changed since it was installed (errors.files names them)."))
    def post(self) -> Any:
        """Make the candidate model live; workers switch before their next batch."""
        promoted = model_versions.promote(request_session(), now=now(),
                                          **audit.by_key(current_key()))
        return {"live": promoted.version}


@blp.route("/models/rollback")
@key_required(blp, Role.ADMIN)
class ModelRollback(MethodView):
    @blp.arguments(ModelRollbackSchema, required=False)
    @blp.response(200, ModelSwitchSchema)
    @blp.alt_response(409, response="CONFLICT", description=(
        "Nothing to roll back to (the shipped model is live), or the previous version's "
        "files changed."))
    def post(self, choice: dict[str, Any]) -> Any:
        """Return to the model version that was live before the live one, of the kind the
        body names (compact or transformer), else of the kind promoted last."""
        return {"live": model_versions.rollback(request_session(), now=now(),
                                                kind=choice["kind"],
                                                **audit.by_key(current_key()))}
