"""The model versions at /redaktion/modelle, for admins: which model scores now, the
candidate model with its manifest and its shadow report (how often the live policy with its
scores would have decided otherwise; the newest disagreements with the comment's text and
both decisions), and every version. The candidate is promoted, and a kind rolled back, after
a confirmation that names what changes; the service audits each with the person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import fields, validate
from werkzeug.wrappers import Response

from moderation.api.context import now, request_session
from moderation.domain import Role
from moderation.errors import Conflict, NotFound
from moderation.models import ModelState, ModelVersion
from moderation.services import model_versions
from moderation.services.decision_data import DECISIONS_FILE
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.admin_forms import read
from moderation.workspace.blueprint import blueprint
from moderation.workspace.forms import Form

# The newest disagreements the page lists, as on the candidate policy's page.
DISAGREEMENTS_SHOWN = 50
NOTICES = {
    "uebernommen": lambda: _("The candidate model is live now; the workers switch to it "
                             "before their next batch."),
    "zurueckgesetzt": lambda: _("Rolled back; the workers switch before their next batch."),
}


class PromoteForm(Form):
    """The promote button: the candidate the page showed; ``bestaetigt`` once confirmed."""

    version = fields.String(required=True, validate=validate.Length(min=1, max=200))
    bestaetigt = fields.Boolean(load_default=False, truthy={"1"}, falsy={"", "0"})


class RollbackForm(PromoteForm):
    """A roll back button: the kind and the live version of it the page showed."""

    kind = fields.String(required=True, validate=validate.OneOf(model_versions.KINDS))


@dataclass(frozen=True)
class Rollback:
    """What rolling back ``kind`` would do: from its live version to ``to`` (None: no
    registered version of the kind then; the shipped model for compact)."""

    kind: str
    live: ModelVersion | None
    to: str | None


def _rollbacks(rows: list[ModelVersion]) -> list[Rollback]:
    by_id = {row.id: row for row in rows}
    found = []
    for kind in model_versions.KINDS:
        live = next((row for row in rows if row.kind == kind and row.state == ModelState.LIVE),
                    None)
        previous = by_id.get(live.previous_id) if live and live.previous_id else None
        to = previous.version if previous else (
            model_versions.shipped_version() if kind == model_versions.COMPACT else None)
        found.append(Rollback(kind, live, to))
    return found


def _candidate(rows: list[ModelVersion]) -> ModelVersion | None:
    return next((row for row in rows if row.state == ModelState.CANDIDATE), None)


def _page(status: int = 200, *, error: str | None = None) -> tuple[str, int]:
    session = request_session()
    described = model_versions.describe_all(session)
    candidate = _candidate(described["versions"])
    report = model_versions.shadow_report(session) if candidate else None
    return render_template(
        "workspace/models.html", described=described, candidate=candidate, report=report,
        agreement=_agreement(report),
        disagreements=model_versions.shadow_disagreements(session, DISAGREEMENTS_SHOWN),
        shown=DISAGREEMENTS_SHOWN, rollbacks=_rollbacks(described["versions"]),
        decisions_file=DECISIONS_FILE,
        notice=NOTICES[request.args["erledigt"]]() if request.args.get("erledigt") in NOTICES
        else None, error=error), status


def _agreement(report: dict[str, Any] | None) -> float | None:
    if not report or not report["compared"]:
        return None
    return 1 - report["disagree_with_live"] / report["compared"]


def _refusal(refused: Conflict | NotFound) -> str:
    """The service's refusal in the reader's language."""
    if isinstance(refused, NotFound):
        return _("No candidate model is installed.")
    files = refused.errors.get("files")
    if files:
        return _("The model's files changed since it was installed (%(files)s); nothing was "
                 "changed. Please install it again.", files=", ".join(files))
    return _("There is nothing to roll back to.")


def _changed_meanwhile() -> tuple[str, int]:
    return _page(409, error=_("The model versions changed meanwhile. The page now shows "
                              "their current state; please check it before you decide."))


@blueprint.get("/modelle")
@signed_in(Role.ADMIN)
def models() -> tuple[str, int]:
    """What scores now, the candidate with its report, and every version."""
    return _page()


@blueprint.post("/modelle/uebernehmen")
@signed_in(Role.ADMIN)
def promote_model() -> Response | tuple[str, int]:
    """Make the candidate model live: first a page that names what changes, then,
    confirmed, the change."""
    data, errors = read(PromoteForm(), request.form)
    if errors:
        return _page(422, error=_("The form is incomplete. Please reload the page."))
    session = request_session()
    described = model_versions.describe_all(session)
    candidate = _candidate(described["versions"])
    if candidate is None or candidate.version != data["version"]:
        return _changed_meanwhile()
    if not data["bestaetigt"]:
        replaced = next(rollback for rollback in _rollbacks(described["versions"])
                        if rollback.kind == candidate.kind)
        return render_template("workspace/models_confirm.html", action="promote",
                               candidate=candidate, replaced=replaced,
                               shipped=described["shipped"]), 200
    try:
        with session.begin_nested():
            model_versions.promote(session, actor=current_account().actor, now=now())
    except (Conflict, NotFound) as refused:
        return _page(409, error=_refusal(refused))
    return redirect(url_for("workspace.models", erledigt="uebernommen"), 303)


@blueprint.post("/modelle/zuruecksetzen")
@signed_in(Role.ADMIN)
def roll_back_model() -> Response | tuple[str, int]:
    """Return a kind to the version live before: first a page that names what changes,
    then, confirmed, the change."""
    data, errors = read(RollbackForm(), request.form)
    if errors:
        return _page(422, error=_("The form is incomplete. Please reload the page."))
    session = request_session()
    rollback = next(rollback for rollback in _rollbacks(model_versions.versions(session))
                    if rollback.kind == data["kind"])
    if rollback.live is None or rollback.live.version != data["version"]:
        return _changed_meanwhile()
    if not data["bestaetigt"]:
        return render_template("workspace/models_confirm.html", action="rollback",
                               rollback=rollback), 200
    try:
        with session.begin_nested():
            model_versions.rollback(session, actor=current_account().actor, now=now(),
                                    kind=data["kind"])
    except (Conflict, NotFound) as refused:
        return _page(409, error=_refusal(refused))
    return redirect(url_for("workspace.models", erledigt="zurueckgesetzt"), 303)
