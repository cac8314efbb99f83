"""Readers' data requests for admins at /redaktion/datenschutz (GDPR): find what is stored
about a reader by their email, download it as the API exports it, or erase it after a
confirmation that names what goes. Every step is audited, by request id and counts: the
reader's email is never written to the log, and never put in a URL."""

from __future__ import annotations

import json

from flask import Response, render_template, request
from flask_babel import gettext as _

from moderation.api.context import now, request_session, state
from moderation.domain import Role
from moderation.schemas import ErasureSchema, PersonalDataSchema
from moderation.services import privacy
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.admin_forms import ErasureForm, ReaderForm, problems, read
from moderation.workspace.blueprint import blueprint

ADMIN = Role.ADMIN


def _field_messages() -> dict[str, str]:
    return {"email": _("Please enter a valid email address.")}


def _search_page(status: int = 200, *, email: str = "",
                 field_problems: dict[str, str] | None = None) -> tuple[str, int]:
    return render_template("workspace/privacy.html", email=email,
                           problems=field_problems or {}, holdings=None), status


def _read_reader(form_class: type[ReaderForm]) -> tuple[dict, tuple[str, int] | None]:
    """The form's data, or the search page that says what is wrong with it."""
    data, errors = read(form_class(), request.form)
    if errors:
        return {}, _search_page(422, email=request.form.get("email", ""),
                                field_problems=problems(errors, _field_messages()))
    return data, None


def _lookup(email: str) -> privacy.Holdings:
    return privacy.lookup(request_session(), email, actor=current_account().actor, now=now())


@blueprint.get("/datenschutz", endpoint="privacy")
@signed_in(ADMIN)
def privacy_page() -> tuple[str, int]:
    """Find a reader's data by the email they gave."""
    return _search_page()


@blueprint.post("/datenschutz")
@signed_in(ADMIN)
def find_reader() -> tuple[str, int]:
    """What is stored about the reader, counted, with the ways to export or erase it."""
    data, refused = _read_reader(ReaderForm)
    if refused:
        return refused
    return render_template("workspace/privacy.html", email=data["email"], problems={},
                           holdings=_lookup(data["email"])), 200


@blueprint.post("/datenschutz/export")
@signed_in(ADMIN)
def export_reader() -> Response | tuple[str, int]:
    """Everything stored about the reader as a JSON file, as the API exports it."""
    data, refused = _read_reader(ReaderForm)
    if refused:
        return refused
    exported = privacy.export_author(
        request_session(), data["email"], actor=current_account().actor, now=now(),
        address_retention_days=state().config.address_retention_days)
    body = json.dumps(PersonalDataSchema().dump(exported), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition":
            f'attachment; filename="datenauskunft-{exported["request_id"]}.json"'})


@blueprint.post("/datenschutz/loeschen")
@signed_in(ADMIN)
def erase_reader() -> tuple[str, int]:
    """Erase the reader's data: first a page that names what goes, then, confirmed, the
    erasure and its result."""
    data, refused = _read_reader(ErasureForm)
    if refused:
        return refused
    if not data["bestaetigt"]:
        return render_template("workspace/privacy_confirm.html", email=data["email"],
                               holdings=_lookup(data["email"])), 200
    erased = privacy.erase_author(request_session(), data["email"],
                                  actor=current_account().actor, now=now())
    return render_template("workspace/privacy_erased.html",
                           erased=ErasureSchema().dump(erased)), 200
