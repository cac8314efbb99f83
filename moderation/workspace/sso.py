"""Single sign-on at the newsroom's OpenID provider: the button on the sign-in page, the trip
to the provider and back, then a new session exactly as a password sign-in makes one.

Off (every page here a 404, no button) while ``MODERATION_OIDC_ISSUER`` is unset.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import (
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from moderation.accounts.oidc.admission import Admission, Person, Refusal, Rules, admit
from moderation.accounts.oidc.client import (
    ClientSettings,
    CodeRefused,
    OpenIdProvider,
    ProviderUnavailable,
    TokenInvalid,
)
from moderation.accounts.oidc.transaction import Transaction
from moderation.accounts.signin import Outcome
from moderation.api.context import now, state, unit_of_work
from moderation.config import Config
from moderation.workspace.blueprint import blueprint
from moderation.workspace.paths import safe_next
from moderation.workspace.sessions import cookie_secure, remember
from moderation.workspace.signin import start_session

log = logging.getLogger(__name__)

TRANSACTION_COOKIE = "redaktion_sso"
# Long enough to type a password and a code at the provider.
TRANSACTION_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class SingleSignOn:
    provider: OpenIdProvider
    rules: Rules
    name: str  # as the button names it


class StartQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    weiter = fields.String(load_default=None, validate=validate.Length(max=2000))


class CallbackQuery(Schema):
    """What the provider sends back. Unknown parameters pass: providers add their own
    (Keycloak's ``session_state``)."""

    class Meta:
        unknown = EXCLUDE

    state = fields.String(required=True, validate=validate.Length(min=1, max=200))
    code = fields.String(load_default=None, validate=validate.Length(min=1, max=4000))
    iss = fields.String(load_default=None, validate=validate.Length(max=2000))
    error = fields.String(load_default=None, validate=validate.Length(max=200))


def _sso() -> SingleSignOn:
    sso = current_app.extensions.get("workspace_sso")
    if sso is None:
        raise NotFound()
    return sso


def _redirect_uri() -> str:
    """The callback's full address, as registered at the provider: under
    ``MODERATION_PUBLIC_BASE_URL`` where one is set (behind a proxy), else as requested."""
    base = state().config.public_base_url or request.host_url.rstrip("/")
    return base + url_for("workspace.sso_callback")


@blueprint.get("/anmelden/sso")
def sso_start() -> Response | tuple[Response, int]:
    """Send the browser to the provider's sign-in, remembering where it wanted to go."""
    sso = _sso()
    try:
        weiter = safe_next(StartQuery().load(request.args).get("weiter"))
    except ValidationError:
        weiter = safe_next(None)
    if g.get("account") is not None:
        return redirect(weiter)
    transaction = Transaction.new(weiter)
    try:
        target = sso.provider.authorization_url(transaction, _redirect_uri())
    except ProviderUnavailable as error:
        log.error("single sign-on: %s", error)
        return _refusal(_unavailable(sso), 502, weiter)
    response = redirect(target)
    # Lax, not Strict: the provider's redirect back is a navigation from another site.
    response.set_cookie(TRANSACTION_COOKIE, transaction.cookie_value(),
                        max_age=int(TRANSACTION_LIFETIME.total_seconds()), httponly=True,
                        samesite="Lax", secure=cookie_secure(),
                        path=url_for("workspace.sso_start"))
    return response


@blueprint.get("/anmelden/sso/zurueck")
def sso_callback() -> Response | tuple[Response, int]:
    """Back from the provider: check the answer, then sign the person in or refuse."""
    sso = _sso()
    transaction = Transaction.from_cookie(request.cookies.get(TRANSACTION_COOKIE))
    try:
        query = CallbackQuery().load(request.args)
    except ValidationError:
        query = None
    if query is None or transaction is None or not transaction.matches(query["state"]):
        log.warning("single sign-on: a callback without its transaction (no cookie, "
                    "another browser's, or a changed state)")
        return _refusal(_expired(), 400)
    weiter = safe_next(transaction.weiter)
    if query["error"] is not None or query["code"] is None:
        log.info("single sign-on: the provider answered %r", query["error"])
        return _refusal(_("The sign-in with %(provider)s was cancelled or refused.",
                          provider=sso.name), 400, weiter)
    try:
        sso.provider.check_response_issuer(query["iss"])
        claims = sso.provider.verified_claims(query["code"], transaction, _redirect_uri())
    except CodeRefused as error:
        log.warning("single sign-on: %s", error)
        return _refusal(_expired(), 400, weiter)
    except TokenInvalid as error:
        log.warning("single sign-on: %s", error)
        return _refusal(_("The answer of %(provider)s could not be verified. Please "
                          "try again.", provider=sso.name), 400, weiter)
    except ProviderUnavailable as error:
        log.error("single sign-on: %s", error)
        return _refusal(_unavailable(sso), 502, weiter)
    with unit_of_work() as session:
        admission = admit(session, sso.rules, Person.from_claims(claims, sso.rules), now())
        if admission.outcome is Outcome.REFUSED:
            return _refusal(_refusal_message(sso, admission), 403, weiter)
        return _begin(session, admission, weiter)


def _begin(session: Session, admission: Admission, weiter: str) -> Response:
    """A new session for the browser, whatever session it came with (no fixation), and a
    page of our own that takes it on: a redirect would continue the navigation that began
    at the provider, and browsers keep ``SameSite=Strict`` cookies from such a navigation,
    so the next page would not know the person."""
    target, token = start_session(session, admission.account,
                                  pending=admission.outcome is not Outcome.SIGNED_IN,
                                  weiter=weiter)
    response = Response(render_template("workspace/sso_onwards.html", target=target))
    remember(response, token)
    _forget_transaction(response)
    return response


def _refusal(message: str, status: int, weiter: str | None = None) -> tuple[Response, int]:
    """The sign-in page again, saying why; the trip is over whatever happened."""
    response = Response(render_template("workspace/sign_in.html", weiter=safe_next(weiter),
                                        email="", error=message))
    _forget_transaction(response)
    return response, status


def _forget_transaction(response: Response) -> None:
    response.delete_cookie(TRANSACTION_COOKIE, path=url_for("workspace.sso_start"),
                           httponly=True, samesite="Lax", secure=cookie_secure())


def _expired() -> str:
    return _("The sign-in has expired or was not started in this browser. Please try again.")


def _unavailable(sso: SingleSignOn) -> str:
    return _("%(provider)s cannot be reached or gave an invalid answer. Please try again "
             "later.", provider=sso.name)


def _refusal_message(sso: SingleSignOn, admission: Admission) -> str:
    if admission.refusal is Refusal.EMAIL_NOT_VERIFIED:
        return _("%(provider)s has not confirmed your email address.", provider=sso.name)
    if admission.refusal is Refusal.UNKNOWN_ACCOUNT:
        return _("There is no newsroom account for your email address. Please ask an "
                 "administrator.")
    if admission.refusal is Refusal.DISABLED:
        return _("This account is disabled.")
    return _("Your account at %(provider)s is not allowed into the newsroom.",
             provider=sso.name)


def sso_provider_name() -> str | None:
    """The provider the sign-in page offers (None: single sign-on is off)."""
    sso = current_app.extensions.get("workspace_sso")
    return sso.name if sso is not None else None


def single_sign_on(config: Config) -> SingleSignOn | None:
    """Single sign-on as configured, or None where no issuer is set."""
    if config.oidc_issuer is None:
        return None
    settings = ClientSettings(config.oidc_issuer, config.oidc_client_id or "",
                              config.oidc_client_secret or "", tuple(config.oidc_scopes))
    rules = Rules(email_domains=config.oidc_email_domains,
                  group_claim=config.oidc_group_claim,
                  editor_groups=config.oidc_editor_groups,
                  admin_groups=config.oidc_admin_groups,
                  create_accounts=config.oidc_create_accounts,
                  email_verified_claim=config.oidc_email_verified_claim,
                  locale=config.language)
    return SingleSignOn(OpenIdProvider(settings), rules, config.oidc_provider_name)


def init_sso(app: Flask) -> None:
    sso = single_sign_on(app.extensions["moderation"].config)
    if sso is not None:
        app.extensions["workspace_sso"] = sso
    app.jinja_env.globals["sso_provider_name"] = sso_provider_name
