"""Admins manage the API keys of machines and scripts at /redaktion/schluessel: list them,
create one (its secret shown once), revoke one. Audited as the person, as the CLI audits
``moderation keys`` as ``cli``."""

from __future__ import annotations

from datetime import timedelta

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from moderation.api.context import now, request_session
from moderation.domain import Role
from moderation.errors import Conflict
from moderation.models import ApiKey
from moderation.services import audit, keys
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.admin_forms import KeyForm, NewKeyForm, problems, read
from moderation.workspace.blueprint import blueprint

ADMIN = Role.ADMIN


def key_state(key: ApiKey) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if key.revoked_at is not None:
        return "revoked"
    return "active" if key.is_active(now()) else "expired"


def _field_messages() -> dict[str, str]:
    return {"name": _("A name of 1 to 100 letters, digits, dots, hyphens or underscores, "
                      "without spaces."),
            "role": _("Choose a role."),
            "expires_in_days": _("A whole number of days from 1 to 3650, or empty: the key "
                                 "never expires.")}


def _list_page(status: int = 200, *, form: dict[str, str] | None = None,
               field_problems: dict[str, str] | None = None, notice: str | None = None,
               error: str | None = None) -> tuple[str, int]:
    return render_template(
        "workspace/keys.html", keys=keys.list_keys(request_session()), key_state=key_state,
        form=form or {"role": Role.EDITOR.value}, problems=field_problems or {},
        notice=notice, error=error), status


@blueprint.get("/schluessel", endpoint="keys")
@signed_in(ADMIN)
def keys_page() -> tuple[str, int]:
    """Every API key (never its secret), and a form to create one."""
    notice = {"widerrufen": _("The key has been revoked: it is refused from now on."),
              "war-widerrufen": _("The key had been revoked already.")}.get(
        request.args.get("geaendert", ""))
    return _list_page(notice=notice)


@blueprint.post("/schluessel")
@signed_in(ADMIN)
def create_key() -> tuple[str, int]:
    """Create a key; its secret is shown once, here, and stored only as a hash."""
    data, errors = read(NewKeyForm(), request.form)
    if errors:
        return _list_page(422, form=request.form.to_dict(),
                          field_problems=problems(errors, _field_messages()))
    session = request_session()
    moment = now()
    days = data["expires_in_days"]
    expires_at = moment + timedelta(days=days) if days else None
    try:
        created = keys.create_key(session, data["name"], Role(data["role"]), moment, expires_at)
    except Conflict:
        return _list_page(409, form=request.form.to_dict(), field_problems={
            "name": _("A key with this name exists already: choose another name.")})
    audit.record(session, "key.created", actor=current_account().actor,
                 target=f"key:{created.key.name}", now=moment,
                 details={"role": data["role"],
                          "expires_at": expires_at.isoformat() if expires_at else None})
    return render_template("workspace/key_secret.html", key=created.key,
                           secret=created.secret), 200


@blueprint.post("/schluessel/widerrufen")
@signed_in(ADMIN)
def revoke_key() -> Response | tuple[str, int]:
    """Revoke a key at once: every request with it is refused from now on."""
    data, errors = read(KeyForm(), request.form)
    if errors:
        return _list_page(422, error=_("This key cannot be revoked."))
    session = request_session()
    key = next((key for key in keys.list_keys(session) if key.name == data["name"]), None)
    if key is None:
        return _list_page(404, error=_("There is no key with this name."))
    if key.revoked_at is not None:
        return redirect(url_for("workspace.keys", geaendert="war-widerrufen"))
    moment = now()
    keys.revoke_key(session, key.name, moment)
    audit.record(session, "key.revoked", actor=current_account().actor,
                 target=f"key:{key.name}", now=moment)
    return redirect(url_for("workspace.keys", geaendert="widerrufen"))
