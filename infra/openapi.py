"""The API's OpenAPI 3 document, built from the code: `python -m infra.openapi`.

One source of truth for each part of it:
  routes       infra/template.yaml's Api events (infra/template.py): method, path,
               API-key requirement, authorizer, handler
  security     the template's API key and Cognito authorizer: each operation requires
               what API Gateway checks for its route (none, the key, or the key and an
               IdToken), and documents the gateway's own 401/403/429 answers
  contracts    each handler's `lambda_endpoint(...)` declaration (shared.http.EndpointDoc):
               request body, query and header models, success statuses and bodies,
               the domain errors it answers
  schemas      the pydantic models themselves
  errors       shared.http's error body, and API Gateway's own 401/403/429 answers

It writes docs/openapi.json (committed, for readers and tools) and the same bytes to
functions/docs/openapi.json (what the deployed docs function serves).
tests/unit/test_openapi.py fails when either differs from what the code says now.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from infra import template

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
OUTPUTS = (ROOT / "docs" / "openapi.json", FUNCTIONS_DIR / "docs" / "openapi.json")

API_KEY_SCHEME = "ApiKey"
# An authorizer's security scheme is named as the template names the authorizer (CognitoAuth).
BEARER_DESCRIPTION = (
    "The IdToken of a person signed in to the stack's Cognito user pool (output `UserPoolId`) "
    "through its app client (output `UserPoolClientId`): `InitiateAuth` with `USER_PASSWORD_AUTH` "
    "answers it as `AuthenticationResult.IdToken`; it expires after an hour (refresh it with "
    "`REFRESH_TOKEN_AUTH`). Send it in the `{header}` header as `Bearer <token>`; API Gateway "
    "also takes the token alone. Staff are the members of the `{staff}` group. Without a valid "
    "token API Gateway answers 401 `{{\"message\":\"Unauthorized\"}}` before any function runs."
)
# Deployed routes that are not part of the API clients use, and why. Documented nowhere
# else, so they are listed here; tests/unit/test_openapi.py holds the template to this.
UNDOCUMENTED_ROUTES = {
    ("get", "/reference/products/{product_id}"):
        "the benchmark's bare reference for GET /products/{product_id} (docs/benchmarks.md)",
}
REF = "#/components/schemas/{model}"

# Domain error statuses (shared.http._STATUS_BY_ERROR) and how the document describes them.
ERROR_DESCRIPTIONS = {
    400: "Invalid request: `errors` names each invalid field",
    401: "No verified caller (the function's own check; API Gateway refuses such a request first)",
    403: "The signed-in caller may not do this (e.g. only staff may)",
    404: "Not found",
    409: "Conflict with the resource's current state",
    415: "The body is not JSON: send `Content-Type: application/json` (or `application/*+json`), in UTF-8",
    422: "Well-formed but cannot be honoured as sent",
    500: "Unexpected error (no details are given)",
    503: "A dependency is unavailable; retry after `Retry-After` seconds",
}
ERROR_EXAMPLES = {
    400: {"code": "invalid_request", "message": "Invalid request body",
          "errors": [{"field": "price.amount", "message": "Input should be greater than 0"}]},
    401: {"code": "unauthenticated", "message": "Sign in: send a valid token in the Authorization header"},
    403: {"code": "forbidden", "message": "Only staff may do this"},
    404: {"code": "not_found", "message": "Product 0b8f0d0e not found"},
    409: {"code": "conflict", "message": "SKU TSHIRT-RED-M already exists"},
    415: {"code": "unsupported_media_type",
          "message": "The request body must be JSON: send Content-Type: application/json"},
    422: {"code": "unprocessable", "message": "This Idempotency-Key was used for a different request"},
    500: {"code": "internal_error", "message": "Internal server error"},
    503: {"code": "dependency_unavailable", "message": "products table is unavailable, try again later"},
}


def _import_handlers(routes: list[template.Route]) -> dict[str, Any]:
    """Import each route's handler as its function would: with its environment set."""
    if str(FUNCTIONS_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS_DIR))
    # Modules read settings at import; nothing is called, so placeholders do. They are
    # taken back afterwards: the caller's environment (a test session's) stays its own.
    saved = dict(os.environ)
    try:
        handlers = {}
        for route in routes:
            for name, value in template.import_environment(route.function).items():
                os.environ.setdefault(name, value)
            module_name, _, name = route.handler.rpartition(".")
            handlers[route.handler] = getattr(importlib.import_module(module_name), name)
        return handlers
    finally:
        os.environ.clear()
        os.environ.update(saved)


def build_document() -> dict[str, Any]:
    routes = [route for route in template.routes()
              if (route.method.lower(), route.path) not in UNDOCUMENTED_ROUTES]
    handlers = _import_handlers(routes)
    docs = {}
    for route in routes:
        doc = getattr(handlers[route.handler], "endpoint_doc", None)
        if doc is None:
            raise SystemExit(
                f"{route.handler} ({route.method.upper()} {route.path}) declares no contract: "
                "decorate it with lambda_endpoint(responses=..., ...)"
            )
        docs[route] = doc

    # Every model once: request models as validated, response models as serialized.
    wanted: list[tuple[type[BaseModel], str]] = []
    for doc in docs.values():
        if doc.body is not None and (doc.body, "validation") not in wanted:
            wanted.append((doc.body, "validation"))
        for body in doc.responses.values():
            if isinstance(body, type) and issubclass(body, BaseModel) and (body, "serialization") not in wanted:
                wanted.append((body, "serialization"))
    refs, definitions = models_json_schema(wanted, ref_template=REF)
    schemas = dict(sorted(definitions.get("$defs", {}).items()))
    schemas["Error"] = _error_schema()
    schemas["GatewayError"] = {
        "type": "object",
        "title": "GatewayError",
        "description": "Answered by API Gateway itself, before any function runs",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
    }

    paths: dict[str, dict[str, Any]] = {}
    for route, doc in docs.items():
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, doc, refs)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Shop API",
            "version": "1.0.0",
            "description": (
                "Serverless e-commerce backend: products, users, inventory, orders, payments.\n\n"
                "Every route but `GET /health` and the reference itself needs an API key in the "
                "`x-api-key` header: it names the client application. A request over the key's "
                "usage plan is answered 429 by API Gateway; a missing or unknown key, 403.\n\n"
                "Every route but the public reads (products, stock) also needs the caller's "
                "Cognito IdToken in the `Authorization` header (`Bearer <token>`, or the token "
                "alone); without a valid one API Gateway answers 401 before checking the key. "
                "A customer acts on their own profile, orders and payments; staff (the `admin` "
                "group) on anyone's, and alone on the catalog and stock."
            ),
        },
        "tags": [{"name": tag} for tag in sorted({_tag(route) for route in docs})],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                API_KEY_SCHEME: {"type": "apiKey", "in": "header", "name": "x-api-key",
                                 "description": "The client application's API key, on a usage plan"},
                **_authorizer_schemes(routes),
            },
        },
    }


def _authorizer_schemes(routes: list[template.Route]) -> dict[str, Any]:
    """A bearer JWT scheme for each Cognito authorizer the documented routes use, from the
    template's Api Auth.Authorizers (its identity header)."""
    authorizers: dict[str, Any] = {}
    for api in template.resources_of_type("AWS::Serverless::Api").values():
        authorizers.update(api["Properties"].get("Auth", {}).get("Authorizers", {}))
    staff = template.load_template()["Resources"]["StaffGroup"]["Properties"]["GroupName"]
    schemes = {}
    for name in sorted({route.authorizer for route in routes if route.authorizer}):
        authorizer = authorizers[name]
        header = authorizer.get("Identity", {}).get("Header", "Authorization")
        if "UserPoolArn" not in authorizer or header != "Authorization":
            raise SystemExit(f"authorizer {name}: only Cognito user pools read from Authorization are documented")
        schemes[name] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                         "description": BEARER_DESCRIPTION.format(header=header, staff=staff)}
    return schemes


def security(route: template.Route) -> list[dict[str, list[str]]]:
    """What API Gateway requires for `route`: nothing, the API key, or the key and a token."""
    requirement: dict[str, list[str]] = {}
    if route.api_key_required:
        requirement[API_KEY_SCHEME] = []
    if route.authorizer:
        requirement[route.authorizer] = []
    # One requirement object: all of its schemes at once (AND), as the gateway checks them.
    return [requirement] if requirement else []


def _tag(route: template.Route) -> str:
    return route.path.strip("/").split("/")[0]


def _operation(route: template.Route, doc: Any, refs: dict) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": [_tag(route)],
        "summary": doc.summary[:1].upper() + doc.summary[1:],
        "operationId": route.handler.rpartition(".")[2],
        "security": security(route),
    }
    # Every path parameter is checked at the boundary (shared.http), against this schema.
    from shared.http import PATH_PARAMETER

    parameters = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETER.json_schema()}
        for name in route.path_parameters
    ]
    for name, description in doc.headers.items():
        parameters.append({"name": name, "in": "header", "required": True, "description": description,
                           "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                           "example": "9c5b94b1-35ad-49bb-b118-8e8fc24abf80"})
    if doc.query is not None:
        query = doc.query.model_json_schema(mode="validation", ref_template=REF)
        required = set(query.get("required", []))
        for name, schema in query.get("properties", {}).items():
            parameters.append({"name": name, "in": "query", "required": name in required,
                               "schema": {k: v for k, v in schema.items() if k != "title"}})
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(doc.body, "validation")]}},
        }

    responses: dict[str, Any] = {}
    for status, body in sorted(doc.responses.items()):
        responses[str(status)] = _success_response(status, body, refs)
    errors = set(doc.errors) | {500}
    if doc.body is not None or doc.query is not None or doc.headers or parameters:
        errors.add(400)
    if doc.body is not None:
        errors.add(415)
    if 503 not in doc.responses:
        errors.add(503)
    for status in sorted(errors):
        response: dict[str, Any] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")},
                                             "example": ERROR_EXAMPLES[status]}},
        }
        if status == 503:
            response["headers"] = {"Retry-After": {"schema": {"type": "string"}}}
        responses[str(status)] = response
    if route.authorizer:
        _add_gateway_response(responses, 401, _gateway_response(
            "No valid IdToken in `Authorization` (missing, expired, or not this pool's) "
            "(API Gateway, before the key is checked)", "Unauthorized"))
    if route.api_key_required:
        _add_gateway_response(responses, 403, _gateway_response(
            "Missing or unknown API key (API Gateway)", "Forbidden"))
        responses["429"] = _gateway_response(
            "Over the key's usage plan: throttled (`Too Many Requests`) or quota spent "
            "(`Limit Exceeded`) (API Gateway)", "Too Many Requests")
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _success_response(status: int, body: Any, refs: dict) -> dict[str, Any]:
    description = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content",
                   503: "Unavailable"}.get(status, "Answer")
    if body is None:
        return {"description": description}
    if isinstance(body, type) and issubclass(body, BaseModel):
        return {"description": description,
                "content": {"application/json": {"schema": refs[(body, "serialization")]}}}
    media_types = (body,) if isinstance(body, str) else tuple(body)
    return {"description": description,
            "content": {media_type: {"schema": {} if media_type.endswith("json") else {"type": "string"}}
                        for media_type in media_types}}


def _error_schema() -> dict[str, Any]:
    from shared.http import ERROR_CODES  # the boundary's own list: a new domain error is documented with it

    return {
        "type": "object",
        "title": "Error",
        "description": "Every error a function answers; `errors` only on 400",
        "properties": {
            "code": {"type": "string", "description": "Stable, machine-readable",
                     "enum": list(ERROR_CODES)},
            "message": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["field", "message"],
                },
            },
        },
        "required": ["code", "message"],
    }


def _add_gateway_response(responses: dict[str, Any], status: int, gateway: dict[str, Any]) -> None:
    """API Gateway's answer for `status`; where the function may answer the same status with
    its own error body (403: a customer on a staff route), either one."""
    function = responses.get(str(status))
    if function is None:
        responses[str(status)] = gateway
        return
    # anyOf, not oneOf: an Error body also has the GatewayError's one required property.
    responses[str(status)] = {
        "description": f"{gateway['description']}; or {function['description'][:1].lower()}{function['description'][1:]}",
        "content": {"application/json": {
            "schema": {"anyOf": [gateway["content"]["application/json"]["schema"],
                                 function["content"]["application/json"]["schema"]]},
            "examples": {
                "gateway": {"summary": "API Gateway", "value": gateway["content"]["application/json"]["example"]},
                "function": {"summary": "The function", "value": function["content"]["application/json"]["example"]},
            },
        }},
    }


def _gateway_response(description: str, message: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model="GatewayError")},
                                         "example": {"message": message}}},
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a written copy is stale")
    args = parser.parse_args(argv)
    text = render(build_document())
    stale = [path for path in OUTPUTS if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run `make openapi`", file=sys.stderr)
        return 1 if stale else 0
    for path in OUTPUTS:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
