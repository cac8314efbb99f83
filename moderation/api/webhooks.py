"""The admins' webhook subscriptions: create, list, change, delete, rotate the secret."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.auth import KEY_REQUIRED, current_key, no_store, require_role
from moderation.api.context import now, state, unit_of_work
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
class Endpoints(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.response(200, WebhookListSchema)
    @blp.doc(**KEY_REQUIRED)
    def get(self) -> Any:
        """Every webhook endpoint (secrets are never shown again)."""
        with unit_of_work() as session:
            return {"endpoints": webhooks.list_endpoints(session)}

    @blp.arguments(WebhookInSchema)
    @blp.response(201, WebhookWithSecretSchema)
    @blp.doc(**KEY_REQUIRED)
    def post(self, data: dict[str, Any]) -> Any:
        """Subscribe an endpoint; the answer holds its signing secret, once."""
        with unit_of_work() as session:
            return webhooks.create_endpoint(session, allowed_hosts=_allowed_hosts(), now=now(),
                                            api_key=current_key(), **data)


@blp.route("/<string:endpoint_id>")
class Endpoint(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.response(200, WebhookSchema)
    @blp.doc(**KEY_REQUIRED)
    def get(self, endpoint_id: str) -> Any:
        """One webhook endpoint."""
        with unit_of_work() as session:
            return webhooks.get_endpoint(session, endpoint_id)

    @blp.arguments(WebhookPatchSchema)
    @blp.response(200, WebhookSchema)
    @blp.doc(**KEY_REQUIRED)
    def patch(self, changes: dict[str, Any], endpoint_id: str) -> Any:
        """Change the URL, the events or the description; switch the endpoint on or off."""
        with unit_of_work() as session:
            return webhooks.update_endpoint(session, endpoint_id, changes,
                                            allowed_hosts=_allowed_hosts(), now=now(),
                                            api_key=current_key())

    @blp.response(204)
    @blp.doc(**KEY_REQUIRED)
    def delete(self, endpoint_id: str) -> None:
        """Unsubscribe: the endpoint and its pending deliveries are removed."""
        with unit_of_work() as session:
            webhooks.delete_endpoint(session, endpoint_id, now=now(), api_key=current_key())


@blp.route("/<string:endpoint_id>/rotate-secret")
class RotateSecret(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.response(200, WebhookWithSecretSchema)
    @blp.doc(**KEY_REQUIRED)
    def post(self, endpoint_id: str) -> Any:
        """A new signing secret, shown once; the old one keeps signing beside it for the
        configured overlap (MODERATION_WEBHOOK_SECRET_OVERLAP_HOURS)."""
        overlap = timedelta(hours=state().config.webhook_secret_overlap_hours)
        with unit_of_work() as session:
            return webhooks.rotate_secret(session, endpoint_id, overlap=overlap, now=now(),
                                          api_key=current_key())


@blp.route("/<string:endpoint_id>/deliveries")
class Deliveries(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliveryListSchema)
    @blp.doc(**KEY_REQUIRED)
    def get(self, query: dict[str, Any], endpoint_id: str) -> Any:
        """The delivery log: each delivery with every attempt (time, status, latency,
        response excerpt or error), newest first."""
        with unit_of_work() as session:
            return {"deliveries": webhooks.deliveries(session, endpoint_id, **query)}


@blp.route("/<string:endpoint_id>/deliveries/<string:delivery_id>/redeliver")
class Redeliver(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.response(200, DeliverySchema)
    @blp.doc(**KEY_REQUIRED)
    def post(self, endpoint_id: str, delivery_id: str) -> Any:
        """Send one delivery again, with its original webhook-id."""
        with unit_of_work() as session:
            return webhooks.redeliver(session, endpoint_id, delivery_id, now(), current_key())


@blp.route("/<string:endpoint_id>/redeliver")
class RedeliverFailed(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.arguments(RedeliverSchema)
    @blp.response(200, RedeliveredSchema)
    @blp.doc(**KEY_REQUIRED)
    def post(self, data: dict[str, Any], endpoint_id: str) -> Any:
        """Send every failed delivery since a time again."""
        with unit_of_work() as session:
            return {"queued": webhooks.redeliver_failed(session, endpoint_id, data["since"],
                                                        now(), current_key())}


@blp.route("/<string:endpoint_id>/ping")
class Ping(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.response(202, DeliverySchema)
    @blp.doc(**KEY_REQUIRED)
    def post(self, endpoint_id: str) -> Any:
        """Queue a signed ping event to this endpoint."""
        with unit_of_work() as session:
            return webhooks.ping(session, endpoint_id, now(), current_key())
