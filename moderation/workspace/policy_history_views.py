"""The policy's history at /redaktion/richtlinie/verlauf, for admins: every version of the
live policy (or of the candidate) with who saved it, when, why, and what it changed; an
earlier live version can be brought back, as a new version."""

from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from moderation.api.context import request_session
from moderation.domain import Role
from moderation.errors import NotFound
from moderation.models import PolicyVersion
from moderation.policy import PolicySettings
from moderation.schemas import HistoryQuerySchema
from moderation.services import policies
from moderation.workspace.access import signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.policy_diff import Change, changes
from moderation.workspace.policy_editing import (
    LIVE,
    ChangedMeanwhile,
    changed_meanwhile,
    defaults,
    save,
    saved_notice,
    settings_at,
)
from moderation.workspace.policy_forms import RevertForm, read

PAGE = 20
# The live versions a candidate's versions are compared with: the newest this many.
LIVE_VERSIONS_COMPARED = 500


@dataclass(frozen=True)
class Entry:
    """One version as the history shows it: what it changed against ``compared_with``
    (a live version's number, 0 for the configured defaults; None: nothing to compare)."""

    version: PolicyVersion
    changes: list[Change]
    compared_with: int | None


def _live_entries(versions: list[PolicyVersion], shown: int) -> list[Entry]:
    """The newest ``shown`` of ``versions`` (newest first, with one more where there is
    one), each against the one before it; the first ever against the configured defaults."""
    entries = []
    for index, version in enumerate(versions[:shown]):
        before = versions[index + 1] if index + 1 < len(versions) else None
        base = policies.settings_of(before) if before is not None else defaults()
        entries.append(Entry(version, changes(base, policies.settings_of(version)),
                             before.version if before is not None else 0))
    return entries


def _candidate_entries(versions: list[PolicyVersion],
                       live_versions: list[PolicyVersion]) -> list[Entry]:
    """Each candidate version against the live version in force when it was saved: what
    the candidate would change. A retired version (shadow mode ended) changes nothing."""
    entries = []
    for version in versions:
        if not version.active:
            entries.append(Entry(version, [], None))
            continue
        live = next((v for v in live_versions if v.id < version.id), None)
        base: PolicySettings = policies.settings_of(live) if live else defaults()
        entries.append(Entry(version, changes(base, policies.settings_of(version)),
                             live.version if live else 0))
    return entries


def _page(status: int = 200, *, error: str | None = None) -> tuple[str, int]:
    session = request_session()
    try:
        query = HistoryQuerySchema().load(
            {key: value for key, value in request.args.items() if key in {"name", "limit"}})
    except ValidationError:
        query, status = {"name": LIVE, "limit": PAGE}, 422
        error = _("This view of the history does not exist; here is the live policy's.")
    name, limit = query["name"], query["limit"] if "limit" in request.args else PAGE
    versions = policies.history(session, name, limit + 1)
    complete = len(versions) <= limit
    if name == LIVE:
        entries = _live_entries(versions, limit)
    else:
        entries = _candidate_entries(versions[:limit], policies.history(
            session, LIVE, LIVE_VERSIONS_COMPARED))
    current = policies.current_version(session, LIVE)
    return render_template(
        "workspace/policy_history.html", name=name, entries=entries, complete=complete,
        more=url_for("workspace.policy_history", name=name, limit=min(limit * 5, 500))
        if not complete and limit < 500 else None,
        current=current.version if current else 0, error=error,
        notice=saved_notice()), status


@blueprint.get("/richtlinie/verlauf")
@signed_in(Role.ADMIN)
def policy_history() -> tuple[str, int]:
    """Every version, newest first, with what it changed."""
    return _page()


@blueprint.post("/richtlinie/verlauf/<int:number>/wiederherstellen")
@signed_in(Role.ADMIN)
def revert_policy(number: int) -> Response | tuple[str, int]:
    """Bring an earlier version of the live policy back, as a new version."""
    data, errors = read(RevertForm(), request.form)
    if errors:
        return _page(422, error=_("The form is incomplete. Please reload the page."))
    target = settings_at(request_session(), LIVE, number)
    if target is None:
        raise NotFound(_("There is no such version of the policy."))
    try:
        version = save(LIVE, lambda _current: target, based_on=data["version"], part=None,
                       action="policy.reverted",
                       note=data["note"] or _("Back to version %(version)s.", version=number),
                       details={"to": f"{LIVE}@{number}"})
    except ChangedMeanwhile as refused:
        return _page(409, error=changed_meanwhile(refused))
    return redirect(url_for("workspace.policy_history",
                            gespeichert=version.version if version else 0), 303)

