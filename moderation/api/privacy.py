"""The admins' data-protection endpoints: a reader's data exported or erased (GDPR)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.auth import current_key, key_required, no_store
from moderation.api.context import now, request_session, state
from moderation.domain import Role
from moderation.schemas import DataSubjectSchema, ErasureSchema, PersonalDataSchema
from moderation.services import audit, privacy

blp = Blueprint("privacy", __name__, url_prefix="/v1/admin/privacy",
                description="For admins: readers' requests for access, portability and "
                            "erasure. Needs an admin API key.")
blp.after_request(no_store)


@blp.route("/export")
@key_required(blp, Role.ADMIN)
class Export(MethodView):
    @blp.arguments(DataSubjectSchema)
    @blp.response(200, PersonalDataSchema)
    def post(self, subject: dict[str, Any]) -> Any:
        """Everything stored about one reader, as JSON (GDPR Art. 15 and 20)."""
        session = request_session()
        return privacy.export_author(
            session, subject["email"], subject["author_tokens"],
            report_tokens=subject["report_tokens"], now=now(),
            address_retention_days=state().config.address_retention_days,
            **audit.by_key(current_key()))


@blp.route("/erase")
@key_required(blp, Role.ADMIN)
class Erase(MethodView):
    @blp.arguments(DataSubjectSchema)
    @blp.response(200, ErasureSchema)
    def post(self, subject: dict[str, Any]) -> Any:
        """Erase one reader's data (GDPR Art. 17): their comments become tombstones that
        keep only the moderation decision; reports they filed keep only the notice."""
        session = request_session()
        return privacy.erase_author(session, subject["email"], subject["author_tokens"],
                                    report_tokens=subject["report_tokens"], now=now(),
                                    **audit.by_key(current_key()))
