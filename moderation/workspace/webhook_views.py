"""Admins manage webhook endpoints at /redaktion/webhooks: subscribe one (its signing secret
shown once), change it, switch it off, rotate its secret, delete it; read its delivery log,
send deliveries again and ping it. Through the API's own services, SSRF checks included,
and audited as the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.numbers import format_decimal
from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound as PageNotFound
from werkzeug.wrappers import Response

from moderation.api.context import now, request_session, state
from moderation.domain import Role
from moderation.errors import Invalid, NotFound
from moderation.models import WebhookDelivery, WebhookEndpoint
from moderation.services import webhooks
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.admin_forms import (
    PUBLIC_ID,
    SUBSCRIBABLE,
    ConfirmForm,
    DeliveryFilter,
    SwitchForm,
    WebhookChangeForm,
    WebhookForm,
    problems,
    read,
)
from moderation.workspace.blueprint import blueprint
from moderation.workspace.errors import OwnMessage
from moderation.workspace.i18n import current_locale
from moderation.workspace.present import local_time

ADMIN = Role.ADMIN
LOG_LIMIT = 100
EVENT_LISTS = ("event_types",)


class NoSuchEndpoint(OwnMessage, PageNotFound):
    """An endpoint or delivery that does not exist (any more)."""


def event_labels() -> dict[str, str]:
    """What each event tells a subscriber, in the reader's language."""
    return {
        "comment.created": _("A comment came in"),
        "comment.review_requested": _("A comment waits for review"),
        "comment.approved": _("A comment was approved"),
        "comment.rejected": _("A comment was rejected"),
        "comment.reported": _("A comment was reported"),
        "comment.appealed": _("An appeal was made"),
        "comment.erased": _("A comment was erased"),
        "report.decided": _("A report was decided"),
        "appeal.decided": _("An appeal was decided"),
        "ping": _("Ping"),
    }


def _field_messages() -> dict[str, str]:
    return {"url": _("Enter an http or https address of at most 2000 characters."),
            "event_types": _("Choose events from the list."),
            "description": _("A description of at most 500 characters."),
            "enabled": _("This field cannot be used here.")}


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery as the log shows it: where it stands, its last try, its next."""

    delivery: WebhookDelivery
    state: str  # succeeded | pending | retrying | failed
    next_try: datetime | None

    @property
    def label(self) -> str:
        return {"succeeded": _("Delivered"), "pending": _("Waiting to be sent"),
                "retrying": _("Failed, will be tried again"),
                "failed": _("Given up")}[self.state]

    @property
    def last_answer(self) -> str:
        """The last try's HTTP status and error, as the receiver or the network gave it."""
        if not self.delivery.log:
            return ""
        last = self.delivery.log[-1]
        parts = [f"HTTP {last.status_code}" if last.status_code is not None else "",
                 last.error or ""]
        return " – ".join(part for part in parts if part)

    @property
    def outcome(self) -> str:
        """One sentence on where the delivery stands (the ping's result)."""
        last = self.delivery.log[-1] if self.delivery.log else None
        if self.state == "succeeded" and last is not None:
            return _("Delivered: the receiver answered HTTP %(status)s after %(ms)s ms.",
                     status=last.status_code, ms=round(last.latency_ms))
        if self.state == "pending":
            return _("Sent to the delivery worker; waiting for the receiver's answer …")
        answer = self.last_answer or _("no answer")
        if self.state == "retrying":
            return _("Not delivered (%(answer)s); tried again at %(when)s.", answer=answer,
                     when=local_time(self.next_try)) if self.next_try else \
                _("Not delivered (%(answer)s); it will be tried again.", answer=answer)
        return ngettext("Not delivered (%(answer)s); given up after %(num)d try.",
                        "Not delivered (%(answer)s); given up after %(num)d tries.",
                        self.delivery.attempts, answer=answer)


def _state(delivery: WebhookDelivery) -> str:
    if delivery.status == "pending":
        return "retrying" if delivery.attempts else "pending"
    return delivery.status


def _rows(deliveries: list[WebhookDelivery]) -> list[DeliveryRow]:
    due = webhooks.next_tries(request_session(), [d.id for d in deliveries])
    return [DeliveryRow(d, _state(d), due.get(d.id)) for d in deliveries]


def _endpoint(endpoint_id: str) -> WebhookEndpoint:
    """The endpoint, or a 404 page in the reader's language (a malformed id never reaches
    the database)."""
    try:
        PUBLIC_ID(endpoint_id)
        return webhooks.get_endpoint(request_session(), endpoint_id)
    except (NotFound, ValidationError):
        raise NoSuchEndpoint(_("There is no such webhook endpoint.")) from None


def _delivery(endpoint_id: str, delivery_id: str) -> WebhookDelivery:
    try:
        PUBLIC_ID(endpoint_id)
        PUBLIC_ID(delivery_id)
        return webhooks.get_delivery(request_session(), endpoint_id, delivery_id)
    except (NotFound, ValidationError):
        raise NoSuchEndpoint(_("There is no such delivery to this endpoint.")) from None


def _kept(form: MultiDict[str, str]) -> dict[str, Any]:
    """What the person typed, to fill the form in again."""
    return {"url": form.get("url", ""), "description": form.get("description", ""),
            "event_types": form.getlist("event_types"), "enabled": "enabled" in form}


def _unsafe_url(refused: Invalid) -> dict[str, str]:
    """The SSRF check's refusal: in the reader's language, with the technical reason."""
    reason = "; ".join(str(text) for text in refused.errors.get("url", []))
    return {"url": _("This address cannot receive webhooks: it must be reachable from the "
                     "internet, not a private or internal network. (%(reason)s)",
                     reason=reason)}


def _list_page(status: int = 200, *, form: dict[str, Any] | None = None,
               field_problems: dict[str, str] | None = None,
               notice: str | None = None) -> tuple[str, int]:
    return render_template(
        "workspace/webhooks.html", endpoints=webhooks.list_endpoints(request_session()),
        events=SUBSCRIBABLE, event_labels=event_labels(), notice=notice,
        form=form or {"url": "", "description": "", "event_types": []},
        problems=field_problems or {}), status


def _detail_page(endpoint: WebhookEndpoint, status: int = 200, *,
                 query: dict[str, Any] | None = None, form: dict[str, Any] | None = None,
                 field_problems: dict[str, str] | None = None, notice: str | None = None,
                 error: str | None = None) -> tuple[str, int]:
    query = query or {}
    session = request_session()
    log = _rows(webhooks.deliveries(session, endpoint.public_id, status=query.get("status"),
                                    limit=LOG_LIMIT))
    ping = None
    if query.get("ping"):
        try:
            ping = _rows([webhooks.get_delivery(session, endpoint.public_id, query["ping"])])[0]
        except NotFound:
            ping = None
    overlap_until = endpoint.previous_secret_until \
        if endpoint.previous_secret_until and endpoint.previous_secret_until > now() else None
    return render_template(
        "workspace/webhook.html", endpoint=endpoint, log=log, ping=ping,
        status_filter=query.get("status"), events=SUBSCRIBABLE, event_labels=event_labels(),
        overlap_until=overlap_until, notice=notice, error=error, log_limit=LOG_LIMIT,
        overlap_hours=_hours(state().config.webhook_secret_overlap_hours),
        form=form or {"url": endpoint.url, "description": endpoint.description or "",
                      "event_types": endpoint.event_types, "enabled": endpoint.enabled},
        problems=field_problems or {}), status


def _hours(hours: float) -> str:
    return format_decimal(hours, locale=current_locale())


def _done(endpoint_id: str, what: str, **args: Any) -> Response:
    return redirect(url_for("workspace.webhook", endpoint_id=endpoint_id, geaendert=what,
                            **args))


def _notice(query: dict[str, Any]) -> str | None:
    count = query.get("anzahl") if isinstance(query.get("anzahl"), int) else 0
    return {
        "gespeichert": _("The endpoint has been changed."),
        "nichts": _("Nothing was changed."),
        "an": _("The endpoint receives events again."),
        "aus": _("The endpoint has been switched off: it receives no events."),
        "erneut": _("The delivery will be sent again."),
        "erneut-alle": ngettext("%(num)d delivery that had been given up will be sent again.",
                                "%(num)d deliveries that had been given up will be sent again.",
                                count),
        "geloescht": _("The endpoint and its deliveries have been deleted."),
    }.get(query.get("geaendert") or "")


def _actor() -> str:
    return current_account().actor


# The navigation knows the screen by its endpoint, ``workspace.webhooks``.
@blueprint.get("/webhooks", endpoint="webhooks")
@signed_in(ADMIN)
def webhooks_page() -> tuple[str, int]:
    """Every webhook endpoint, and a form to subscribe one."""
    return _list_page(notice=_notice(request.args.to_dict()))


@blueprint.post("/webhooks")
@signed_in(ADMIN)
def create_webhook() -> tuple[str, int]:
    """Subscribe an endpoint; its signing secret is shown once, here."""
    data, errors = read(WebhookForm(), request.form, EVENT_LISTS)
    if errors:
        return _list_page(422, form=_kept(request.form),
                          field_problems=problems(errors, _field_messages()))
    try:
        endpoint = webhooks.create_endpoint(
            request_session(), url=data["url"], event_types=data["event_types"],
            description=data["description"] or None,
            allowed_hosts=state().config.webhook_allowed_hosts, now=now(), actor=_actor())
    except Invalid as refused:
        return _list_page(422, form=_kept(request.form), field_problems=_unsafe_url(refused))
    return render_template("workspace/webhook_secret.html", endpoint=endpoint,
                           secret=endpoint.secret, overlap_until=None), 200


@blueprint.get("/webhooks/<string:endpoint_id>")
@signed_in(ADMIN)
def webhook(endpoint_id: str) -> tuple[str, int]:
    """One endpoint: its settings, its secret's rotation, ping, and its delivery log."""
    endpoint = _endpoint(endpoint_id)
    query, errors = read(DeliveryFilter(), request.args)
    if errors:
        return _detail_page(endpoint, 422, error=_("This filter does not exist; the whole "
                                                   "log is shown."))
    return _detail_page(endpoint, query=query, notice=_notice(query))


@blueprint.post("/webhooks/<string:endpoint_id>")
@signed_in(ADMIN)
def change_webhook(endpoint_id: str) -> Response | tuple[str, int]:
    """Change the address, the events, the description, or switch the endpoint on or off."""
    endpoint = _endpoint(endpoint_id)
    data, errors = read(WebhookChangeForm(), request.form, EVENT_LISTS)
    if errors:
        return _detail_page(endpoint, 422, form=_kept(request.form),
                            field_problems=problems(errors, _field_messages()))
    wanted = {"url": data["url"], "event_types": sorted(set(data["event_types"])),
              "description": data["description"] or None, "enabled": data["enabled"]}
    changes = {name: value for name, value in wanted.items()
               if value != getattr(endpoint, name)}
    if not changes:
        return _done(endpoint_id, "nichts")
    try:
        webhooks.update_endpoint(request_session(), endpoint_id, changes,
                                 allowed_hosts=state().config.webhook_allowed_hosts,
                                 now=now(), actor=_actor())
    except Invalid as refused:
        return _detail_page(endpoint, 422, form=_kept(request.form),
                            field_problems=_unsafe_url(refused))
    return _done(endpoint_id, "gespeichert")


@blueprint.post("/webhooks/<string:endpoint_id>/aktiv")
@signed_in(ADMIN)
def switch_webhook(endpoint_id: str) -> Response | tuple[str, int]:
    """Switch an endpoint off (it receives nothing) or on again."""
    endpoint = _endpoint(endpoint_id)
    data, errors = read(SwitchForm(), request.form)
    if errors:
        return _detail_page(endpoint, 422, error=_("This change is not possible."))
    if data["on"] != endpoint.enabled:
        webhooks.update_endpoint(request_session(), endpoint_id, {"enabled": data["on"]},
                                 allowed_hosts=state().config.webhook_allowed_hosts,
                                 now=now(), actor=_actor())
    return _done(endpoint_id, "an" if data["on"] else "aus")


@blueprint.post("/webhooks/<string:endpoint_id>/geheimnis")
@signed_in(ADMIN)
def rotate_webhook_secret(endpoint_id: str) -> tuple[str, int]:
    """A new signing secret, shown once; the old one keeps signing beside it for the
    configured overlap."""
    _endpoint(endpoint_id)
    overlap = timedelta(hours=state().config.webhook_secret_overlap_hours)
    endpoint = webhooks.rotate_secret(request_session(), endpoint_id, overlap=overlap,
                                      now=now(), actor=_actor())
    return render_template("workspace/webhook_secret.html", endpoint=endpoint,
                           secret=endpoint.secret,
                           overlap_until=endpoint.previous_secret_until), 200


@blueprint.post("/webhooks/<string:endpoint_id>/ping")
@signed_in(ADMIN)
def ping_webhook(endpoint_id: str) -> Response:
    """Send a signed ping to the endpoint; its page shows the answer."""
    _endpoint(endpoint_id)
    delivery = webhooks.ping(request_session(), endpoint_id, now(), actor=_actor())
    return redirect(url_for("workspace.webhook", endpoint_id=endpoint_id,
                            ping=delivery.public_id, _anchor="ping"))


@blueprint.get("/api/webhooks/<string:endpoint_id>/zustellungen/<string:delivery_id>")
@signed_in(ADMIN)
def webhook_delivery_state(endpoint_id: str, delivery_id: str) -> Response:
    """Where one delivery stands (the ping's result, polled by the page)."""
    [row] = _rows([_delivery(endpoint_id, delivery_id)])
    return jsonify(id=row.delivery.public_id, state=row.state, label=row.label,
                   outcome=row.outcome, done=row.state != "pending")


@blueprint.post("/webhooks/<string:endpoint_id>/zustellungen/<string:delivery_id>/erneut")
@signed_in(ADMIN)
def redeliver_webhook(endpoint_id: str, delivery_id: str) -> Response:
    """Send one delivery again, with its original webhook-id."""
    _delivery(endpoint_id, delivery_id)
    webhooks.redeliver(request_session(), endpoint_id, delivery_id, now(), actor=_actor())
    return _done(endpoint_id, "erneut")


@blueprint.post("/webhooks/<string:endpoint_id>/erneut")
@signed_in(ADMIN)
def redeliver_dead_webhooks(endpoint_id: str) -> Response:
    """Send every delivery to the endpoint that was given up again."""
    endpoint = _endpoint(endpoint_id)
    count = webhooks.redeliver_failed(request_session(), endpoint_id, endpoint.created_at,
                                      now(), actor=_actor())
    return _done(endpoint_id, "erneut-alle", anzahl=count)


@blueprint.post("/webhooks/<string:endpoint_id>/loeschen")
@signed_in(ADMIN)
def delete_webhook(endpoint_id: str) -> Response | tuple[str, int]:
    """Delete the endpoint with its deliveries, once the person has confirmed it."""
    endpoint = _endpoint(endpoint_id)
    _data, errors = read(ConfirmForm(), request.form)
    if errors:
        return _detail_page(endpoint, 422, error=_("Please confirm the deletion: tick the box "
                                                   "next to the button."))
    webhooks.delete_endpoint(request_session(), endpoint_id, now=now(), actor=_actor())
    return redirect(url_for("workspace.webhooks", geaendert="geloescht"))
