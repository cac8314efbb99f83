"""Property-based tests from our own OpenAPI document (schemathesis): whatever a client sends,
the API never answers 500, every answer matches the documented schema, and the editor and
admin routes refuse anonymous calls."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

CHECKS = (not_a_server_error, response_schema_conformance, status_code_conformance)
BOUNDED = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


# Schemathesis asks with its HTTP library's Accept-Encoding (gzip), but its WSGI transport
# does not decode what comes back; over HTTP every client does. The plain bytes are checked
# here, the gzipped ones against them in test_public_cache.py.
PLAIN = {"Accept-Encoding": "identity"}


def operations(app):
    for result in schemathesis.openapi.from_wsgi("/openapi.json", app).get_all_operations():
        yield result.ok()


def test_no_server_errors_and_documented_answers(app, admin_key):
    headers = {"Authorization": f"Bearer {admin_key}", **PLAIN}
    tested = 0
    for operation in operations(app):
        @BOUNDED
        @given(case=operation.as_strategy())
        def call(case):
            case.validate_response(case.call(headers=headers), checks=CHECKS)

        call()
        tested += 1
    assert tested >= 25


def test_editor_and_admin_routes_refuse_anonymous_calls(app):
    protected = [op for op in operations(app)
                 if op.path.startswith(("/v1/moderation", "/v1/admin", "/v1/webhooks"))]
    assert len(protected) >= 20
    for operation in protected:
        refuses_anonymous(operation)()


def refuses_anonymous(operation):
    @settings(BOUNDED, max_examples=3)
    @given(case=operation.as_strategy())
    def call(case):
        response = case.call()
        # 401; or 400 when the URL itself is refused (NUL), before any key is looked at
        assert response.status_code in {400, 401}, (operation.path, response.text)

    return call


def test_every_key_protected_operation_says_so_in_the_document(app):
    document = app.test_client().get("/openapi.json").get_json()
    protected = {(path, method): operation.get("security")
                 for path, item in document["paths"].items()
                 if path.startswith(("/v1/moderation", "/v1/admin", "/v1/webhooks"))
                 for method, operation in item.items() if method != "parameters"}
    assert len(protected) >= 30
    assert set(map(str, protected.values())) == {str([{"apiKey": []}])}
