"""Admins manage the accounts at /redaktion/konten: create (with a one-time password shown
once), change the role, disable, require or reset the second factor, reset the password."""

from __future__ import annotations

from collections.abc import Callable

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from moderation.accounts import manage
from moderation.api.context import now, request_session, state
from moderation.domain import Role
from moderation.errors import DomainError
from moderation.models import Account
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.forms import NewAccountForm, RoleForm, SwitchForm, read

ADMIN = Role.ADMIN


def _problem(error: DomainError) -> str:
    """A refusal from the accounts service, in the reader's language."""
    return {
        "account_exists": _("An account with this email address exists already."),
        "invalid_email": _("Please enter a valid email address (at most 115 characters)."),
        "invalid_name": _("Please enter a name of 1 to 100 characters."),
        "last_admin": _("This is the last active administrator: it must stay an active "
                        "administrator."),
        "account_not_found": _("There is no such account."),
    }.get(error.code, _("This change is not possible."))


def _list_page(status: int = 200, *, notice: str | None = None, error: str | None = None,
               form: dict[str, str] | None = None) -> tuple[str, int]:
    return render_template(
        "workspace/accounts.html", accounts=manage.list_accounts(request_session()),
        me=current_account(), notice=notice, error=error,
        form=form or {"locale": state().config.language, "role": Role.EDITOR.value}), status


def _one_time_page(account: Account, password: str, created: bool) -> tuple[str, int]:
    return render_template("workspace/one_time_password.html", account=account,
                           password=password, created=created), 200


@blueprint.get("/konten")
@signed_in(ADMIN)
def accounts() -> tuple[str, int]:
    """Every account, and a form to add one."""
    done = {"rolle": _("The role has been changed."),
            "gesperrt": _("The account has been disabled; its sessions have ended."),
            "entsperrt": _("The account can sign in again."),
            "zwei-faktor": _("The second factor setting has been changed."),
            }.get(request.args.get("geaendert", ""))
    return _list_page(notice=done)


@blueprint.post("/konten")
@signed_in(ADMIN)
def create_account() -> tuple[str, int]:
    """Add an account; its one-time password is shown once, here."""
    data, errors = read(NewAccountForm(), request.form)
    if errors:
        return _list_page(422, error=_("Please fill in every field of the new account."),
                          form=request.form.to_dict())
    session = request_session()
    try:
        with session.begin_nested():
            password = manage.temporary_password()
            account = manage.create_account(
                session, email=data["email"], name=data["name"], role=Role(data["role"]),
                password=password, locale=data["locale"], actor=current_account().actor,
                now=now(), password_change_required=True)
            manage.require_totp(session, account, data["totp_required"],
                                actor=current_account().actor, now=now())
    except DomainError as refused:
        return _list_page(409 if refused.http_status == 409 else 422, error=_problem(refused),
                          form=request.form.to_dict())
    return _one_time_page(account, password, created=True)


def _change(account_id: int, change: Callable[[Session, Account, str], None],
            done: str) -> Response | tuple[str, int]:
    """Apply ``change(session, account, actor)``; back to the list, or the list with why not."""
    session = request_session()
    try:
        with session.begin_nested():
            change(session, manage.account_by_id(session, account_id),
                   current_account().actor)
    except DomainError as refused:
        return _list_page(refused.http_status, error=_problem(refused))
    return redirect(url_for("workspace.accounts", geaendert=done))


@blueprint.post("/konten/<int:account_id>/rolle")
@signed_in(ADMIN)
def change_account_role(account_id: int) -> Response | tuple[str, int]:
    """Make an account an editor or an admin."""
    data, errors = read(RoleForm(), request.form)
    if errors:
        return _list_page(422, error=_("Please choose a role."))
    return _change(account_id, lambda session, account, actor: manage.change_role(
        session, account, Role(data["role"]), actor=actor, now=now()), "rolle")


@blueprint.post("/konten/<int:account_id>/sperren")
@signed_in(ADMIN)
def disable_account(account_id: int) -> Response | tuple[str, int]:
    """Disable an account: it signs in no more, its sessions end at once."""
    return _change(account_id, lambda session, account, actor: manage.disable(
        session, account, actor=actor, now=now()), "gesperrt")


@blueprint.post("/konten/<int:account_id>/entsperren")
@signed_in(ADMIN)
def enable_account(account_id: int) -> Response | tuple[str, int]:
    """Let a disabled account sign in again."""
    return _change(account_id, lambda session, account, actor: manage.enable(
        session, account, actor=actor, now=now()), "entsperrt")


@blueprint.post("/konten/<int:account_id>/zwei-faktor")
@signed_in(ADMIN)
def require_account_totp(account_id: int) -> Response | tuple[str, int]:
    """Require a second factor for an account, or make it optional again."""
    data, errors = read(SwitchForm(), request.form)
    if errors:
        return _list_page(422, error=_("This change is not possible."))
    return _change(account_id, lambda session, account, actor: manage.require_totp(
        session, account, data["on"], actor=actor, now=now()), "zwei-faktor")


@blueprint.post("/konten/<int:account_id>/zwei-faktor-zuruecksetzen")
@signed_in(ADMIN)
def reset_account_totp(account_id: int) -> Response | tuple[str, int]:
    """Forget an account's second factor (a lost phone)."""
    return _change(account_id, lambda session, account, actor: manage.reset_totp(
        session, account, actor=actor, now=now()), "zwei-faktor")


@blueprint.post("/konten/<int:account_id>/passwort")
@signed_in(ADMIN)
def reset_account_password(account_id: int) -> tuple[str, int]:
    """Give an account a one-time password, shown once; its sessions end."""
    session = request_session()
    try:
        account = manage.account_by_id(session, account_id)
    except DomainError as refused:
        return _list_page(refused.http_status, error=_problem(refused))
    password = manage.reset_password(session, account, actor=current_account().actor,
                                     now=now())
    return _one_time_page(account, password, created=False)
