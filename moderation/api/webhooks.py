"""The admins' webhook subscriptions: create, list, change, delete, rotate the secret."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.auth import current_key, key_required, no_store
from moderation.api.context import now, request_session, state
from moderation.domain import Role
from moderation.schemas import (
    DeliveryListSchema,
    DeliveryQuerySchema,
    DeliverySchema,
    RedeliveredSchema,
    RedeliverSchema,
    WebhookInSchema,
    WebhookListSchema,
    WebhookPatchSchema,
    WebhookSchema,
    WebhookWithSecretSchema,
)
from moderation.services import webhooks

blp = Blueprint("webhooks", __name__, url_prefix="/v1/webhooks",
                description="For admins: endpoints that receive signed events "
                            "(Standard Webhooks).")
blp.after_request(no_store)


def _allowed_hosts() -> frozenset[str]:
    return state().config.webhook_allowed_hosts


@blp.route("")
@key_required(blp, Role.ADMIN)
class Endpoints(MethodView):
    @blp.response(200, WebhookListSchema)
    def get(self) -> Any:
        """Every webhook endpoint (secrets are never shown again)."""
        session = request_session()
        return {"endpoints": webhooks.list_endpoints(session)}

    @blp.arguments(WebhookInSchema)
    @blp.response(201, WebhookWithSecretSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Subscribe an endpoint; the answer holds its signing secret, once."""
        session = request_session()
        return webhooks.create_endpoint(session, allowed_hosts=_allowed_hosts(), now=now(),
                                        api_key=current_key(), **data)


@blp.route("/<string:endpoint_id>")
@key_required(blp, Role.ADMIN)
class Endpoint(MethodView):
    @blp.response(200, WebhookSchema)
    def get(self, endpoint_id: str) -> Any:
        """One webhook endpoint."""
        session = request_session()
        return webhooks.get_endpoint(session, endpoint_id)

    @blp.arguments(WebhookPatchSchema)
    @blp.response(200, WebhookSchema)
    def patch(self, changes: dict[str, Any], endpoint_id: str) -> Any:
        """Change the URL, the events or the description; switch the endpoint on or off."""
        session = request_session()
        return webhooks.update_endpoint(session, endpoint_id, changes,
                                        allowed_hosts=_allowed_hosts(), now=now(),
                                        api_key=current_key())

    @blp.response(204)
    def delete(self, endpoint_id: str) -> None:
        """Unsubscribe: the endpoint and its pending deliveries are removed."""
        session = request_session()
        webhooks.delete_endpoint(session, endpoint_id, now=now(), api_key=current_key())


@blp.route("/<string:endpoint_id>/rotate-secret")
@key_required(blp, Role.ADMIN)
class RotateSecret(MethodView):
    @blp.response(200, WebhookWithSecretSchema)
    def post(self, endpoint_id: str) -> Any:
        """A new signing secret, shown once; the old one keeps signing beside it for the
        configured overlap (MODERATION_WEBHOOK_SECRET_OVERLAP_HOURS)."""
        overlap = timedelta(hours=state().config.webhook_secret_overlap_hours)
        session = request_session()
        return webhooks.rotate_secret(session, endpoint_id, overlap=overlap, now=now(),
                                      api_key=current_key())


@blp.route("/<string:endpoint_id>/deliveries")
@key_required(blp, Role.ADMIN)
class Deliveries(MethodView):
    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliveryListSchema)
    def get(self, query: dict[str, Any], endpoint_id: str) -> Any:
        """The delivery log: each delivery with every attempt (time, status, latency,
        response excerpt or error), newest first."""
        session = request_session()
        return {"deliveries": webhooks.deliveries(session, endpoint_id, **query)}


@blp.route("/<string:endpoint_id>/deliveries/<string:delivery_id>/redeliver")
@key_required(blp, Role.ADMIN)
class Redeliver(MethodView):
    @blp.response(200, DeliverySchema)
    def post(self, endpoint_id: str, delivery_id: str) -> Any:
        """Send one delivery again, with its original webhook-id."""
        session = request_session()
        return webhooks.redeliver(session, endpoint_id, delivery_id, now(), current_key())


@blp.route("/<string:endpoint_id>/redeliver")
@key_required(blp, Role.ADMIN)
class RedeliverFailed(MethodView):
    @blp.arguments(RedeliverSchema)
    @blp.response(200, RedeliveredSchema)
    def post(self, data: dict[str, Any], endpoint_id: str) -> Any:
        """Send every failed delivery since a time again."""
        session = request_session()
        return {"queued": webhooks.redeliver_failed(session, endpoint_id, data["since"],
                                                    now(), current_key())}


@blp.route("/<string:endpoint_id>/ping")
@key_required(blp, Role.ADMIN)
class Ping(MethodView):
    @blp.response(202, DeliverySchema)
    def post(self, endpoint_id: str) -> Any:
        """Queue a signed ping event to this endpoint."""
        session = request_session()
        return webhooks.ping(session, endpoint_id, now(), current_key())
