"""The admins' audit log: who changed keys, policy, webhooks; data requests; purges."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.auth import key_required, no_store
from moderation.api.context import request_session
from moderation.domain import Role
from moderation.schemas import AuditPageSchema, AuditQuerySchema
from moderation.services import audit

blp = Blueprint("audit", __name__, url_prefix="/v1/admin/audit",
                description="For admins: the audit log of admin actions. Needs an admin key.")
blp.after_request(no_store)


@blp.route("")
@key_required(blp, Role.ADMIN)
class AuditLog(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Admin actions, newest first: filter by action and time (since ≤ t < until)."""
        session = request_session()
        return audit.audit_log(session, **query)
