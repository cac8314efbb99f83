"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from moderation.api.context import now, request_session
from moderation.schemas import HealthSchema, ReadinessSchema
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
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(503, schema=ReadinessSchema, description="The database is unreachable.")
    def get(self) -> Any:
        """The database is reachable; reports the scorer's state and the scoring queue.

        Comments are accepted while the scorer is down (they wait in the queue or for an
        editor), so only the database decides readiness; a scorer problem reads `degraded`.
        """
        session = request_session(read_only=True)
        try:
            session.execute(text("SELECT 1"))
            report = scoring_status(session, now())
        except SQLAlchemyError as error:
            return {"status": "unavailable", "database": f"unreachable: {type(error).__name__}",
                    "scorer": {}, "queue": {}}, 503
        ready = report["scorer"]["state"] == "ready"
        return {"status": "ready" if ready else "degraded", "database": "ok", **report}
