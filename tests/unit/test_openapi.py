"""docs/openapi.json is what the code says, and documents exactly the template's routes.

The document is generated (`make openapi`) from the template's Api events and each
handler's `lambda_endpoint(...)` contract; these tests fail when someone changes a
model, a contract or a route without regenerating it.
"""
from __future__ import annotations

import json

import pytest
import schemathesis

from infra import openapi, template

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


def _route(method: str, path: str) -> template.Route:
    [route] = [route for route in template.routes() if (route.method, route.path) == (method.upper(), path)]
    return route


def _gateway_examples(response: dict) -> list[dict]:
    """The API Gateway bodies a documented response shows (alone, or next to the function's)."""
    content = response["content"]["application/json"]
    if "examples" in content:
        return [content["examples"]["gateway"]["value"]]
    assert content["schema"] == {"$ref": "#/components/schemas/GatewayError"}
    return [content["example"]]


def test_every_operation_requires_what_the_template_gives_its_route():
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            route = _route(method, path)
            assert operation["security"] == openapi.security(route), (method, path)
            responses = operation["responses"]
            assert {"500", "503"} <= set(responses), (method, path)
            if route.api_key_required:
                assert {"403", "429"} <= set(responses), (method, path)
                assert {"message": "Forbidden"} in _gateway_examples(responses["403"]), (method, path)
            else:
                assert path in ("/health", "/docs", "/docs/{asset}"), f"{method} {path} is keyless"
            if route.authorizer:
                assert _gateway_examples(responses["401"]) == [{"message": "Unauthorized"}], (method, path)
            else:
                assert "401" not in responses, f"{method} {path} is public: no token, no 401"


@pytest.mark.parametrize("route", template.routes(), ids=lambda route: f"{route.method} {route.path}")
def test_security_is_the_key_and_the_token_the_gateway_checks(route):
    expected = {}
    if route.api_key_required:
        expected["ApiKey"] = []
    if route.authorizer:
        expected["CognitoAuth"] = []
    # Both in one requirement: the gateway wants both at once, not either.
    assert openapi.security(route) == ([expected] if expected else [])


def test_keyless_public_and_signed_in_routes_are_all_there():
    kinds = {(bool(openapi.security(route)), route.authorizer) for route in template.routes()}
    assert kinds == {(False, None), (True, None), (True, "CognitoAuth")}
    assert openapi.security(_route("get", "/health")) == []
    assert openapi.security(_route("get", "/products")) == [{"ApiKey": []}]
    assert openapi.security(_route("post", "/products")) == [{"ApiKey": [], "CognitoAuth": []}]


def test_a_status_both_the_gateway_and_the_function_answer_documents_both_bodies():
    responses = {"403": {"description": "The signed-in caller may not do this",
                         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"},
                                                          "example": {"code": "forbidden", "message": "No"}}}}}
    openapi._add_gateway_response(responses, 403, openapi._gateway_response("Missing key (API Gateway)", "Forbidden"))

    content = responses["403"]["content"]["application/json"]
    assert content["schema"] == {"anyOf": [{"$ref": "#/components/schemas/GatewayError"},
                                           {"$ref": "#/components/schemas/Error"}]}
    assert [example["value"] for example in content["examples"].values()] == [
        {"message": "Forbidden"}, {"code": "forbidden", "message": "No"}]
    assert responses["403"]["description"] == "Missing key (API Gateway); or the signed-in caller may not do this"


def test_place_order_documents_its_idempotency_header():
    parameters = DOCUMENT["paths"]["/orders"]["post"]["parameters"]
    assert {"name": "Idempotency-Key", "in": "header", "required": True}.items() <= parameters[0].items()


def test_security_schemes_are_the_x_api_key_header_and_the_cognito_id_token():
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert set(schemes) == {"ApiKey", "CognitoAuth"}
    assert {"type": "apiKey", "in": "header", "name": "x-api-key"}.items() <= schemes["ApiKey"].items()
    # Swagger UI's Authorize dialog takes the token and sends `Authorization: Bearer <token>`.
    assert {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}.items() <= schemes["CognitoAuth"].items()
    assert "IdToken" in schemes["CognitoAuth"]["description"]
