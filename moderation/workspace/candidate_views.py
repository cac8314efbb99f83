"""The candidate policy at /redaktion/richtlinie/kandidat, for admins: start or change a
candidate that runs in shadow mode beside the live policy, read its report (how often it
agrees with the live policy and with editors; every disagreement with the comment's text
and both decisions), and promote it or end shadow mode."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_percent
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from moderation.api.context import now, request_session
from moderation.domain import Role
from moderation.errors import Invalid, NotFound
from moderation.policy import PolicySettings
from moderation.services import policies
from moderation.starterlists import shipped
from moderation.wordlists import KINDS
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.i18n import current_locale
from moderation.workspace.policy_editing import (
    CANDIDATE,
    ChangedMeanwhile,
    active,
    changed_meanwhile,
    defaults,
    entered_values,
    problems,
    save,
    saved_notice,
    term_problem,
)
from moderation.workspace.policy_forms import (
    STARTER_OFF,
    ConfirmForm,
    candidate_form,
    read,
    thresholds_of,
)
from moderation.workspace.policy_views import categories, starter_choice, starter_label

# The newest disagreements the page lists.
DISAGREEMENTS_SHOWN = 50


@blueprint.app_template_filter("share_percent")
def share_percent(value: float | None) -> str:
    """``97,5 %`` in German, ``97.5%`` in English; a dash for none."""
    if value is None:
        return "–"
    return format_percent(value, "#,##0.0 %" if current_locale() == "de" else "#,##0.0%",
                          locale=current_locale())


def _running_number() -> int:
    version = active().candidate_version
    return version.version if version else 0


def _page(status: int = 200, *, error: str | None = None,
          problems: dict[str, str] | None = None,
          entered: dict[str, str] | None = None) -> tuple[str, int]:
    session = request_session()
    current = active()
    version = current.candidate_version
    base = current.candidate or current.live
    report = policies.shadow_report(session, version) if version else None
    return render_template(
        "workspace/policy_candidate.html", version=version, settings=base,
        live_version=current.live_version, categories=categories(base),
        starter=[(summary, starter_label(summary), starter_choice(base, summary["name"]))
                 for summary in policies.starter_catalogue()],
        report=report, agreement=_agreement(report),
        disagreements=policies.shadow_disagreements(session, version, DISAGREEMENTS_SHOWN)
        if version else [], shown=DISAGREEMENTS_SHOWN, kinds=KINDS,
        notice=saved_notice() or (_("Shadow mode has ended; the candidate's versions stay in "
                                    "the history.") if request.args.get("beendet") else None),
        error=error, problems=problems or {}, entered=entered or {},
        number=version.version if version else 0), status


def _agreement(report: dict[str, Any] | None) -> float | None:
    if not report or not report["compared"]:
        return None
    return 1 - report["disagree_with_live"] / report["compared"]


def _starter_changes(current: PolicySettings, data: dict[str, Any]) -> dict[str, Any]:
    """The form's starter lists as the service's changes: left out, or included at a
    version and kind; the terms left out so far stay left out where the version has them."""
    changes: dict[str, Any] = {}
    for name in shipped():
        chosen = data[f"starter-{name}"]
        if chosen == STARTER_OFF:
            changes[name] = {"included": False}
            continue
        before = starter_choice(current, name)
        version = data.get(f"starter-version-{name}") or (before.version if before else
                                                          max(shipped()[name]))
        terms = {term["term"] for term in policies.starter_list(name, version)["terms"]} \
            if version in shipped()[name] else set()
        kept = [term for term in (before.excluded if before else ()) if term in terms]
        changes[name] = {"version": version, "kind": chosen, "excluded": kept}
    return changes


def _refusals(refused: Invalid, data: dict[str, Any]) -> dict[str, str]:
    """The service's refusals of entries, by list, naming each entry's line; and of starter
    list versions."""
    found = {f"starter-{name}": _("This version of the list is not shipped.")
             for name in refused.errors.get("starter_lists") or {}}
    for kind in KINDS:
        errors = refused.errors.get(kind)
        if not isinstance(errors, dict):
            continue
        found[kind] = "; ".join(
            _("line %(line)s („%(term)s“): %(problem)s", line=data[kind][int(index)][0],
              term=data[kind][int(index)][1], problem=term_problem(messages[0]))
            for index, messages in sorted(errors.items(), key=lambda item: int(item[0])))
    return found


@blueprint.get("/richtlinie/kandidat")
@signed_in(Role.ADMIN)
def candidate() -> tuple[str, int]:
    """The candidate with its report and the form to start or change it."""
    return _page()


@blueprint.post("/richtlinie/kandidat")
@signed_in(Role.ADMIN)
def save_candidate() -> Response | tuple[str, int]:
    """Start a candidate, or replace the running one: it decides in shadow mode from now
    on, with a report of its own."""
    entered = entered_values()
    current = active()
    base = current.candidate or current.live
    data, errors = read(candidate_form(categories(base), shipped()), request.form)
    if errors:
        return _page(422, error=_("Please check the marked fields; nothing was saved."),
                     problems=problems(errors), entered=entered)

    def edit(current: PolicySettings) -> PolicySettings:
        return policies.apply_changes(current, {
            "thresholds": thresholds_of(data), "max_links": data["max_links"],
            **{kind: [term for _line, term in data[kind]] for kind in KINDS},
            "starter_lists": _starter_changes(current, data)})

    try:
        version = save(CANDIDATE, edit, based_on=data["version"], part=None,
                       action="policy.candidate_started", note=data["note"],
                       details={"fields": ["thresholds", "max_links", "banned", "suspect",
                                           "starter_lists"]})
    except ChangedMeanwhile as refused:
        return _page(409, error=changed_meanwhile(refused), entered=entered)
    except Invalid as refused:
        return _page(422, error=_("Please check the marked fields; nothing was saved."),
                     problems=_refusals(refused, data), entered=entered)
    return redirect(url_for("workspace.candidate",
                            gespeichert=version.version if version else 0), 303)


def _confirmed(action: str) -> Response | tuple[str, int]:
    """Promote or end the candidate the page showed; refused if it changed since."""
    data, errors = read(ConfirmForm(), request.form)
    if errors:
        return _page(422, error=_("The form is incomplete. Please reload the page."))
    if data["version"] != _running_number() or data["version"] == 0:
        return _page(409, error=_("The candidate changed or ended meanwhile. The page now "
                                  "shows its current state; please check it before you "
                                  "decide."))
    session, actor = request_session(), current_account().actor
    try:
        with session.begin_nested():
            if action == "promote":
                live = policies.promote(session, defaults(), api_key=None, now=now(),
                                        actor=actor)
            else:
                policies.retire_candidate(session, api_key=None, note=None, now=now(),
                                          actor=actor)
    except NotFound:
        return _page(409, error=_("No candidate is running."))
    if action == "promote":
        return redirect(url_for("workspace.policy", gespeichert=live.version), 303)
    return redirect(url_for("workspace.candidate", beendet=1), 303)


@blueprint.post("/richtlinie/kandidat/uebernehmen")
@signed_in(Role.ADMIN)
def promote_candidate() -> Response | tuple[str, int]:
    """Make the candidate the live policy (a new live version) and end shadow mode."""
    return _confirmed("promote")


@blueprint.post("/richtlinie/kandidat/beenden")
@signed_in(Role.ADMIN)
def end_candidate() -> Response | tuple[str, int]:
    """End shadow mode; the candidate's versions stay in the history."""
    return _confirmed("end")
