"""Generated requests against the deployed stack, every answer checked against the document.

schemathesis generates requests for every operation of docs/openapi.json (valid and
invalid bodies, queries, path parameters and headers) and checks each response: no 5xx,
a documented status, the documented content type, headers and body schema. Requests
carry the demo key and a staff member's token (staff may call every operation, so a
valid case reaches its function). The demo key's usage plan may throttle (429, itself
documented): the client waits and retries, as a well-behaved client does, and only the
final answer is checked.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infra import openapi

EXAMPLES_PER_OPERATION = 60
MIN_REQUESTS = 1000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    # Stricter: what breaks the document is refused (4xx), a required header left out too.
    negative_data_rejection,
    missing_required_header,
]
requests_sent: list[tuple[str, int]] = []  # (operation, status)
rejected_keys: list[str] = []  # valid cases API Gateway answered 403


@pytest.fixture(scope="module")
def http(stack, people):
    session = requests.Session()
    session.headers["x-api-key"] = stack.api_key
    session.headers["Authorization"] = people.staff().id_token
    return session


@pytest.fixture(scope="module", autouse=True)
def enough_requests():
    started = time.monotonic()
    yield
    statuses = Counter(status for _, status in requests_sent)
    operations = {operation for operation, _ in requests_sent}
    answered = {operation for operation, status in requests_sent if status < 300}
    summary = (f"{len(requests_sent)} requests to {len(operations)} operations in "
               f"{time.monotonic() - started:.0f} s; statuses {dict(sorted(statuses.items()))}")
    print(f"\nschemathesis: {summary}")
    assert len(requests_sent) >= MIN_REQUESTS, summary
    # A valid case carries the demo key: a 403 means it never reached a function.
    assert not rejected_keys, f"{len(rejected_keys)} valid requests rejected: {rejected_keys[:5]}"
    # Ids are random, so most lookups are 404; the operations that create or list answer 2xx.
    assert {"POST /products", "GET /users/me", "GET /products", "GET /health"} <= answered, summary


# The committed document: the one the docs page serves and tests/unit/test_openapi.py
# holds to the code. The stack's URL and key are given per call (see below).
schema = schemathesis.openapi.from_path(openapi.OUTPUTS[0])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,  # fresh examples each run, and no .hypothesis/ left in the work tree
)
def test_every_answer_matches_the_document(case, stack, http):
    for attempt in range(8):
        response = case.call(base_url=stack.base_url, session=http, timeout=30, verify=stack.verify)
        requests_sent.append((f"{case.operation.method.upper()} {case.operation.path}", response.status_code))
        # Negative cases may leave out the key or token on purpose (then 403 or 401 is right).
        if response.status_code == 403 and not (case.meta and case.meta.generation.mode.is_negative):
            rejected_keys.append(f"{case.method} {response.request.url}: {response.text[:100]}")
        if response.status_code != 429:
            break
        time.sleep(0.1 * 2**attempt)
    case.validate_response(response, checks=CHECKS)
