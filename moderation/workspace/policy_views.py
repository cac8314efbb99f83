"""The live policy at /redaktion/richtlinie, for admins: thresholds per category, the
editors' own word lists, the shipped starter lists and the link limit. Every change goes
through the policy service as a new version, saved by the signed-in person."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from moderation.domain import Role
from moderation.errors import DomainError, Invalid, NotFound
from moderation.policy import DEFAULT_THRESHOLDS, PolicySettings
from moderation.schemas import STARTER_LIST
from moderation.services import policies
from moderation.starterlists import StarterChoice
from moderation.wordlists import KINDS
from moderation.workspace.access import signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.i18n import current_locale
from moderation.workspace.policy_editing import (
    LIVE,
    ChangedMeanwhile,
    active,
    changed_meanwhile,
    entered_values,
    problems,
    save,
    saved_notice,
    term_problems,
)
from moderation.workspace.policy_forms import (
    LinksForm,
    StarterForm,
    WordForm,
    read,
    thresholds_form,
    thresholds_of,
)

ADMIN = Role.ADMIN


def categories(settings: PolicySettings) -> list[str]:
    """The policy's categories: the model's in their usual order, then any others."""
    known = [category for category in DEFAULT_THRESHOLDS if category in settings.thresholds]
    return known + sorted(set(settings.thresholds) - set(known))


def starter_choice(settings: PolicySettings, name: str) -> StarterChoice | None:
    return next((choice for choice in settings.starter if choice.name == name), None)


def starter_label(summary: dict[str, Any]) -> str:
    labels = summary["label"]
    return labels.get(current_locale()) or labels["de"]


def _page(status: int = 200, *, error: str | None = None,
          problems: dict[str, str] | None = None, form: str | None = None,
          entered: dict[str, str] | None = None) -> tuple[str, int]:
    """The page; after a refused save, ``form`` names the form whose ``entered`` values
    (and ``problems``) it shows again."""
    current = active()
    live = current.live
    return render_template(
        "workspace/policy.html", live=live, version=current.live_version,
        number=current.live_version.version if current.live_version else 0,
        candidate=current.candidate_version, categories=categories(live),
        starter=[(summary, starter_label(summary), starter_choice(live, summary["name"]))
                 for summary in policies.starter_catalogue()],
        kinds=KINDS, notice=saved_notice(), error=error, problems=problems or {},
        form=form, entered=entered or {}), status


def _saved(version: Any, anchor: str, **params: Any) -> Response:
    target = url_for("workspace.policy", gespeichert=version.version if version else 0,
                     **params)
    return redirect(f"{target}#{anchor}", 303)


def _refused(error: DomainError, form: str, entered: dict[str, str]) -> tuple[str, int]:
    if isinstance(error, ChangedMeanwhile):
        return _page(409, error=changed_meanwhile(error), form=form, entered=entered)
    return _page(422, error=_("This change is not possible."), form=form, entered=entered)


def check_fields() -> str:
    return _("Please check the marked fields; nothing was saved.")


@blueprint.get("/richtlinie")
@signed_in(ADMIN)
def policy() -> tuple[str, int]:
    """The live policy, each part with the form that changes it."""
    return _page()


@blueprint.post("/richtlinie/schwellen")
@signed_in(ADMIN)
def change_thresholds() -> Response | tuple[str, int]:
    """New thresholds for the categories: review and reject (empty: never rejects)."""
    entered = entered_values()
    data, errors = read(thresholds_form(categories(active().live)), request.form)
    if errors:
        return _page(422, error=check_fields(), problems=problems(errors), form="thresholds",
                     entered=entered)
    try:
        version = save(LIVE, lambda current: policies.apply_changes(
            current, {"thresholds": thresholds_of(data)}), based_on=data["version"],
            part=lambda settings: settings.thresholds, action="policy.changed",
            note=data["note"], details={"fields": ["thresholds"]})
    except DomainError as refused:
        return _refused(refused, "thresholds", entered)
    return _saved(version, "schwellen")


@blueprint.post("/richtlinie/links")
@signed_in(ADMIN)
def change_link_limit() -> Response | tuple[str, int]:
    """A new link limit (empty: none)."""
    entered = entered_values()
    data, errors = read(LinksForm(), request.form)
    if errors:
        return _page(422, error=check_fields(), problems=problems(errors), form="links",
                     entered=entered)
    try:
        version = save(LIVE, lambda current: policies.apply_changes(
            current, {"max_links": data["max_links"]}), based_on=data["version"],
            part=lambda settings: settings.max_links, action="policy.changed",
            note=data["note"], details={"fields": ["max_links"]})
    except DomainError as refused:
        return _refused(refused, "links", entered)
    return _saved(version, "links")


def _word_change(add: bool) -> Response | tuple[str, int]:
    form = "word" if add else None  # a refused removal leaves the form to add empty
    entered = entered_values()
    data, errors = read(WordForm(), request.form)
    if errors:
        return _page(422, error=check_fields(), form=form, entered=entered,
                     problems=problems(errors))
    kind, term = data["kind"], data["term"]
    try:
        version = save(LIVE, lambda current: policies.change_words(current, kind, term,
                                                                   add=add),
                       based_on=None, part=None,
                       action="policy.word_added" if add else "policy.word_removed",
                       note=None, details={"kind": kind, "term": term})
    except Invalid as refused:
        message = term_problems(refused.errors, kind).get(0, _("This entry cannot be used."))
        return _page(422, error=check_fields(), problems={"term": message}, form=form,
                     entered=entered)
    except NotFound:
        return _page(409, error=_("„%(term)s“ is not on this list (any more).", term=term))
    return _saved(version, f"woerter-{kind}")


@blueprint.post("/richtlinie/woerter")
@signed_in(ADMIN)
def add_word() -> Response | tuple[str, int]:
    """Put a word or phrase on the banned or the suspect list."""
    return _word_change(add=True)


@blueprint.post("/richtlinie/woerter/entfernen")
@signed_in(ADMIN)
def remove_word() -> Response | tuple[str, int]:
    """Take a word or phrase off the banned or the suspect list."""
    return _word_change(add=False)


# --- starter lists ------------------------------------------------------------------------

def _starter_list(name: str, version: int | None) -> dict[str, Any]:
    """One shipped starter list with its terms; a German 404 for one that is not shipped."""
    try:
        STARTER_LIST(name)
        return policies.starter_list(name, version)
    except (ValidationError, NotFound):
        raise NotFound(_("There is no such starter list.")) from None


def _starter_page(name: str, status: int = 200, *, shown_version: int | None = None,
                  error: str | None = None, problems: dict[str, str] | None = None,
                  entered: dict[str, Any] | None = None) -> tuple[str, int]:
    current = active()
    choice = starter_choice(current.live, name)
    starter = _starter_list(name, shown_version or (choice.version if choice else None))
    excluded = set(entered["excluded"]) if entered else set(choice.excluded if choice else ())
    return render_template(
        "workspace/policy_starter.html", starter=starter, label=starter_label(starter),
        choice=choice, excluded=excluded, kinds=KINDS,
        number=current.live_version.version if current.live_version else 0,
        notice=saved_notice(), error=error, problems=problems or {},
        entered=entered or {}), status


@blueprint.get("/richtlinie/startlisten/<string:name>")
@signed_in(ADMIN)
def starter_list(name: str) -> tuple[str, int]:
    """One starter list: whether and how the live policy includes it, and its terms with
    their group and source, each to be left out or taken back."""
    shown = request.args.get("version", "")
    return _starter_page(name, shown_version=int(shown) if shown.isdigit()
                         and len(shown) < 5 else None)


@blueprint.post("/richtlinie/startlisten/<string:name>")
@signed_in(ADMIN)
def change_starter_list(name: str) -> Response | tuple[str, int]:
    """Include the list or leave it out; its version, kind and the terms left out."""
    _starter_list(name, None)
    entered: dict[str, Any] = {**entered_values(), "excluded": request.form.getlist("excluded")}
    data, errors = read(StarterForm(), request.form, lists=("excluded",))
    shown = data.get("list_version")
    if errors:
        return _starter_page(name, 422, error=check_fields(), problems=problems(errors),
                             entered=entered)
    change = ({"included": False} if not data["included"] else
              {"version": shown, "kind": data["kind"], "excluded": data["excluded"]})
    try:
        version = save(LIVE, lambda current: policies.apply_changes(
            current, {"starter_lists": {name: change}}), based_on=data["version"],
            part=lambda settings: starter_choice(settings, name), action="policy.changed",
            note=data["note"], details={"fields": ["starter_lists"], "list": name})
    except ChangedMeanwhile as refused:
        return _starter_page(name, 409, shown_version=shown, error=changed_meanwhile(refused),
                             entered=entered)
    except DomainError:
        return _starter_page(name, 422, shown_version=shown, entered=entered,
                             error=_("This version of the list does not hold every term "
                                     "marked to be left out. Please check the marks."))
    target = url_for("workspace.starter_list", name=name,
                     gespeichert=version.version if version else 0)
    return redirect(target, 303)
