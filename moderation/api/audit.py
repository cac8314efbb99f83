"""The admins' audit log: who changed keys, policy, webhooks; data requests; purges."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.auth import KEY_REQUIRED, no_store, require_role
from moderation.api.context import unit_of_work
from moderation.domain import Role
from moderation.schemas import AuditPageSchema, AuditQuerySchema
from moderation.services import audit

blp = Blueprint("audit", __name__, url_prefix="/v1/admin/audit",
                description="For admins: the audit log of admin actions. Needs an admin key.")
blp.after_request(no_store)


@blp.route("")
class AuditLog(MethodView):
    decorators = [require_role(Role.ADMIN)]

    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditPageSchema)
    @blp.doc(**KEY_REQUIRED)
    def get(self, query: dict[str, Any]) -> Any:
        """Admin actions, newest first: filter by action and time (since ≤ t < until)."""
        with unit_of_work() as session:
            return audit.audit_log(session, **query)
