"""Signing in and out: the password, the second factor (or setting it up), sign-out here
and everywhere. Each step answers the same refusal whatever was wrong."""

from __future__ import annotations

from flask import Flask, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from moderation.accounts import sessions, signin, totp
from moderation.accounts.lockout import Lockout
from moderation.accounts.signin import Attempt, Gate, Outcome
from moderation.api.context import now, request_session, unit_of_work
from moderation.api.limits import client_network
from moderation.config import InvalidSetting
from moderation.models import Account
from moderation.services import audit
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.blueprint import blueprint
from moderation.workspace.forms import CodeForm, SignInForm, read
from moderation.workspace.paths import safe_next
from moderation.workspace.sessions import current_web_session, forget, remember, timeouts


def _gate() -> Gate:
    return Gate(current_app.extensions["workspace_lockout"], client_network(), now())


def _refusal(outcome: Outcome) -> tuple[str, int]:
    if outcome is Outcome.LOCKED:
        return _("Too many failed sign-ins. Please wait a few minutes and try again."), 429
    return _("The email address or the password is not right."), 401


def _page(template: str, status: int = 200, **context: object) -> tuple[str, int]:
    return render_template(f"workspace/{template}", **context), status


@blueprint.get("/anmelden")
def sign_in() -> Response | tuple[str, int]:
    """The sign-in form (or onwards, for someone signed in already)."""
    weiter = request.args.get("weiter")
    if g.get("account") is not None:
        return redirect(safe_next(weiter))
    return _page("sign_in.html", weiter=safe_next(weiter), email="", error=None)


@blueprint.post("/anmelden")
def sign_in_with_password() -> Response | tuple[str, int]:
    """Check the email and password; then sign in, or ask for the second factor."""
    data, errors = read(SignInForm(), request.form)
    weiter = safe_next(data.get("weiter") or request.form.get("weiter"))
    if errors:
        return _page("sign_in.html", 422, weiter=weiter, email=request.form.get("email", ""),
                     error=_("Please enter your email address and your password."))
    with unit_of_work() as session:
        attempt = signin.with_password(session, _gate(), data["email"], data["password"])
        if attempt.outcome in (Outcome.REFUSED, Outcome.LOCKED):
            message, status = _refusal(attempt.outcome)
            return _page("sign_in.html", status, weiter=weiter, email=data["email"],
                         error=message)
        return _start(session, attempt, weiter)


def _start(session: Session, attempt: Attempt, weiter: str) -> Response:
    account: Account = attempt.account  # type: ignore[assignment]
    target, token = start_session(session, account,
                                  pending=attempt.outcome is not Outcome.SIGNED_IN,
                                  weiter=weiter)
    response = redirect(target)
    remember(response, token)
    return response


def start_session(session: Session, account: Account, *, pending: bool,
                  weiter: str) -> tuple[str, str]:
    """A new session for the browser, whatever session it came with (no fixation): where
    the person goes next (the second factor while ``pending``, a password of their own if
    they have a one-time one, else ``weiter``) and the new session's token."""
    previous = current_web_session()
    if previous is not None:
        sessions.revoke(previous, now())
    started = sessions.start(session, account, now(), timeouts(),
                             second_factor_pending=pending)
    if pending:
        target = url_for("workspace.second_factor", weiter=weiter)
    elif account.password_change_required:
        target = url_for("workspace.account")
    else:
        target = weiter
    return target, started.token


def _pending() -> tuple[Account | None, str]:
    """The account waiting for its second factor in this browser, and where it goes next."""
    web_session = current_web_session()
    weiter = safe_next(request.values.get("weiter"))
    if web_session is None or not web_session.second_factor_pending:
        return None, weiter
    return web_session.account, weiter


@blueprint.get("/anmelden/code")
def second_factor() -> Response | tuple[str, int]:
    """The code from the authenticator app; or, where one is required and none is set up
    yet, the secret to set it up with."""
    account, weiter = _pending()
    if account is None:
        return redirect(url_for("workspace.sign_in", weiter=weiter))
    return _code_page(account, weiter)


def _code_page(account: Account, weiter: str, error: str | None = None,
               status: int = 200) -> tuple[str, int]:
    if account.totp_secret is not None:
        return _page("second_factor.html", status, weiter=weiter, error=error)
    with unit_of_work():
        web_session = current_web_session()
        if web_session.enrolling_totp_secret is None:
            web_session.enrolling_totp_secret = totp.new_secret()
        secret = web_session.enrolling_totp_secret
    return _page("enrol.html", status, weiter=weiter, error=error, secret=secret,
                 uri=totp.provisioning_uri(secret, account.email),
                 action=url_for("workspace.second_factor_check"))


@blueprint.post("/anmelden/code")
def second_factor_check() -> Response | tuple[str, int]:
    """Check the code; a right one signs in (with yet another new session)."""
    account, weiter = _pending()
    if account is None:
        return redirect(url_for("workspace.sign_in", weiter=weiter))
    data, errors = read(CodeForm(), request.form)
    if errors:
        return _code_page(account, weiter, _("Please enter the six-digit code."), 422)
    with unit_of_work() as session:
        if account.totp_secret is not None:
            attempt = signin.with_code(session, _gate(), account, data["code"])
        else:
            secret = current_web_session().enrolling_totp_secret or ""
            attempt = signin.with_enrolment(session, _gate(), account, secret, data["code"])
        if attempt.outcome is Outcome.SIGNED_IN:
            return _start(session, attempt, weiter)
    if attempt.outcome is Outcome.LOCKED:
        message, status = _refusal(attempt.outcome)
    else:
        message, status = _("The code is not right or was used before."), 401
    return _code_page(account, weiter, message, status)


@blueprint.post("/abmelden")
def sign_out() -> Response:
    """End this browser's session."""
    web_session = current_web_session()
    if web_session is not None:
        with unit_of_work() as session:
            sessions.revoke(web_session, now())
            audit.record(session, "signout", actor=web_session.account.actor,
                         target=web_session.account.actor, now=now())
    response = redirect(url_for("workspace.sign_in"))
    forget(response)
    return response


@blueprint.post("/abmelden/ueberall")
@signed_in()
def sign_out_everywhere() -> Response:
    """End every session of the signed-in account, on every device, this one included."""
    session = request_session()
    account = current_account()
    ended = sessions.revoke_all(session, account, now())
    audit.record(session, "signout.everywhere", actor=account.actor, target=account.actor,
                 now=now(), details={"sessions_ended": ended})
    response = redirect(url_for("workspace.sign_in"))
    forget(response)
    return response


def init_signin(app: Flask) -> None:
    config = app.extensions["moderation"].config
    try:
        app.extensions["workspace_lockout"] = Lockout(
            config.rate_limit_storage_url, config.limit_signin_failures_per_account,
            config.limit_signin_failures_per_address)
    except ValueError as error:
        raise InvalidSetting("MODERATION_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT and _PER_ADDRESS "
                             f"must be limits like '5/15 minutes' ({error}).") from None
