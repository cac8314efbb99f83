"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from flask import after_this_request, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from moderation.api.auth import KEY_REQUIRED, no_store, require_role
from moderation.api.context import now, read_only_session, state
from moderation.api.cors import refused_origins
from moderation.doctor import widget_findings
from moderation.domain import Role
from moderation.schemas import HealthSchema, ReadinessDetailSchema, ReadinessSchema
from moderation.services.status import scoring_status

blp = Blueprint("health", __name__, description="Probes for operators.")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self) -> Any:
        """The process is alive."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, ReadinessDetailSchema)
    @blp.alt_response(503, schema=ReadinessSchema, description="The database is unreachable.")
    @blp.doc(security=[{}, *KEY_REQUIRED["security"]], responses={"200": {
        "description": "Ready. Without a key only the status; with an editor's or admin's "
                       "key the scorer, the queue, the database and the widget's CORS "
                       "set-up too.",
        "content": {"application/json": {"schema": {"oneOf": [ReadinessSchema,
                                                                ReadinessDetailSchema]}}}}})
    def get(self) -> Any:
        """The database is reachable: the service takes comments.

        Comments are accepted while the scorer is down (they wait in the queue or for an
        editor), so only the database decides readiness. Anyone is told ready or not; the
        scorer's state (a problem reads `degraded`), its workers and the queue are told
        only to an editor's or admin's key, since they name models, paths and load.
        """
        try:
            with read_only_session() as session:
                session.execute(text("SELECT 1"))
                report = scoring_status(session, now())
        except SQLAlchemyError:
            # Without the database no key can be checked: everyone gets the short answer.
            return {"status": "unavailable"}, 503
        if "Authorization" not in request.headers:
            return {"status": "ready"}
        return _details(report)


@require_role(Role.EDITOR)
def _details(report: dict[str, Any]) -> dict[str, Any]:
    """The long answer, for a key's holder."""
    after_this_request(no_store)
    ready = report["scorer"]["state"] == "ready"
    return {"status": "ready" if ready else "degraded", "database": "ok", **report,
            "widget": _widget()}


def _widget() -> dict[str, Any]:
    """Whether the widget can work on the publisher's pages: the allowed origins, what the
    settings stand in its way with, and the origins this process turned away lately."""
    return {"origins": state().config.cors_origins,
            "findings": widget_findings(state().config),
            "refused_origins": refused_origins(current_app).latest()}
