"""With every public limit at its tightest, the widget's operations still answer only what
the OpenAPI document promises: each 429 is documented, in our error shape."""

from __future__ import annotations

from hypothesis import given, settings

from tests.contract.test_openapi import BOUNDED, CHECKS, PLAIN, operations

PUBLIC = ("/v1/articles", "/v1/comments", "/v1/reports")


def test_public_operations_document_their_429(limited_app):
    statuses: list[int] = []
    for operation in (op for op in operations(limited_app) if op.path.startswith(PUBLIC)):
        answers_as_documented(operation, statuses)()
    assert statuses.count(429) >= 3  # every limit is met at once


def answers_as_documented(operation, statuses: list[int]):
    @settings(BOUNDED, max_examples=4)
    @given(case=operation.as_strategy())
    def call(case):
        response = case.call(headers=PLAIN)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    return call
