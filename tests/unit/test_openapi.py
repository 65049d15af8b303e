"""docs/openapi.json is what the code says, and documents exactly the template's routes.

The document is generated (`make openapi`) from the template's Api events and each
handler's `lambda_endpoint(...)` contract; these tests fail when someone changes a
model, a contract or a route without regenerating it.
"""
from __future__ import annotations

import json

import pytest
import schemathesis

from infra import openapi

DOCUMENT = openapi.build_document()
GENERATED = openapi.render(DOCUMENT)


@pytest.mark.parametrize("path", openapi.OUTPUTS, ids=lambda path: str(path.relative_to(openapi.ROOT)))
def test_committed_document_is_what_the_code_generates(path):
    assert path.exists(), f"{path} missing: run `make openapi`"
    assert path.read_text() == GENERATED, f"{path} is stale: run `make openapi` and commit it"


def test_every_operation_loads_as_openapi_3():
    # schemathesis resolves every reference and parameter, as the e2e run will.
    schema = schemathesis.openapi.from_dict(json.loads(GENERATED))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(methods) for methods in DOCUMENT["paths"].values())


def test_every_keyed_route_documents_the_gateways_own_answers():
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"500", "503"} <= set(responses), (method, path)
            if operation["security"]:
                assert operation["security"] == [{"ApiKey": []}]
                assert {"403", "429"} <= set(responses), (method, path)
            else:
                assert path in ("/health", "/docs", "/docs/{asset}"), f"{method} {path} is keyless"


def test_place_order_documents_its_idempotency_header():
    parameters = DOCUMENT["paths"]["/orders"]["post"]["parameters"]
    assert {"name": "Idempotency-Key", "in": "header", "required": True}.items() <= parameters[0].items()


def test_api_key_scheme_is_the_x_api_key_header():
    assert DOCUMENT["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey", "in": "header", "name": "x-api-key",
    }
