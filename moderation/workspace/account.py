"""The signed-in person's own account: password, language, second factor."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from moderation.accounts import manage, sessions, totp
from moderation.accounts.passwords import check_password
from moderation.api.context import now, request_session
from moderation.errors import Invalid
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.forms import CodeForm, LanguageForm, PasswordForm, read
from moderation.workspace.sessions import current_web_session


def _account_page(status: int = 200, **context: object) -> tuple[str, int]:
    context.setdefault("notice", None)
    context.setdefault("error", None)
    return render_template("workspace/account.html", account=current_account(),
                           **context), status


@blueprint.get("/konto")
@signed_in()
def account() -> tuple[str, int]:
    """Your account: change the password and the language, set up a second factor."""
    notice = {"passwort": _("Your password has been changed."),
              "sprache": _("The language has been changed."),
              "zwei-faktor": _("The second factor is set up.")}.get(
        request.args.get("geaendert", ""))
    return _account_page(notice=notice)


@blueprint.post("/konto/passwort")
@signed_in()
def change_password() -> Response | tuple[str, int]:
    """Change your own password; your other sessions end."""
    data, errors = read(PasswordForm(), request.form)
    person = current_account()
    if errors:
        return _account_page(422, error=_("Please fill in every password field."))
    if not check_password(person.password_hash, data["current_password"]).matches:
        return _account_page(422, error=_("The current password is not right."))
    if data["new_password"] != data["confirmation"]:
        return _account_page(422, error=_("The new password and its repetition differ."))
    try:
        manage.change_password(request_session(), person, data["new_password"], now=now())
    except Invalid as refused:
        return _account_page(422, error=_password_problem(refused.code))
    # Whoever else knew the old password is signed out; this browser stays signed in.
    sessions.revoke_all(request_session(), person, now(), keep=current_web_session())
    return redirect(url_for("workspace.account", geaendert="passwort"))


def _password_problem(code: str) -> str:
    return {"password_too_short": _("The new password needs at least 12 characters."),
            "password_too_long": _("The new password is too long."),
            "password_is_email": _("The new password must not be your email address.")
            }.get(code, _("This password cannot be used."))


@blueprint.post("/konto/sprache")
@signed_in()
def change_language() -> Response | tuple[str, int]:
    """Choose the workspace's language for yourself."""
    data, errors = read(LanguageForm(), request.form)
    if errors:
        return _account_page(422, error=_("Please choose a language."))
    manage.set_locale(request_session(), current_account(), data["locale"], now=now())
    return redirect(url_for("workspace.account", geaendert="sprache"))


@blueprint.get("/konto/zwei-faktor")
@signed_in()
def enrol_second_factor() -> tuple[str, int]:
    """Set up a second factor: the secret for an authenticator app, confirmed by a code."""
    return _enrol_page()


def _enrol_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    web_session = current_web_session()
    if web_session.enrolling_totp_secret is None:
        web_session.enrolling_totp_secret = totp.new_secret()
    secret = web_session.enrolling_totp_secret
    return render_template("workspace/enrol.html", secret=secret, error=error,
                           uri=totp.provisioning_uri(secret, current_account().email),
                           action=url_for("workspace.confirm_second_factor"),
                           weiter=None), status


@blueprint.post("/konto/zwei-faktor")
@signed_in()
def confirm_second_factor() -> Response | tuple[str, int]:
    """A code made with the secret shown sets up the second factor."""
    data, errors = read(CodeForm(), request.form)
    web_session = current_web_session()
    secret = web_session.enrolling_totp_secret
    step = None if errors or secret is None else totp.accepted_step(
        secret, data["code"], now(), None)
    if step is None:
        return _enrol_page(_("The code is not right. Please try again."), 422)
    manage.enrol_totp(request_session(), current_account(), secret, step, now=now())
    web_session.enrolling_totp_secret = None
    return redirect(url_for("workspace.account", geaendert="zwei-faktor"))
