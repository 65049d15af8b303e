"""Sample API Gateway events (events/<FunctionLogicalId>.json) and the handlers they go to.

The handler of a function is the one infra/template.yaml names for it.
"""
from __future__ import annotations

import copy
import functools
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from infra.template import resources_of_type
from tests.unit.stored import stored_items

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
FUNCTIONS = resources_of_type("AWS::Serverless::Function")
# Services whose HTTP functions this file covers; each needs a sample event per function.
SERVICES = ("health", "products", "users")

SAMPLE_PRODUCT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
SAMPLE_USER_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
PRODUCT_RESPONSE_FIELDS = {"id", "sku", "name", "description", "price", "created_at", "updated_at"}
USER_RESPONSE_FIELDS = {"id", "email", "name", "created_at"}


# ---------------------------------------------------------------- helpers


def api_event_of(function_id: str) -> dict[str, Any] | None:
    for event in FUNCTIONS[function_id]["Properties"].get("Events", {}).values():
        if event["Type"] == "Api":
            return event["Properties"]
    return None


def covered_functions() -> list[str]:
    return sorted(
        name for name, resource in FUNCTIONS.items()
        if api_event_of(name) and resource["Properties"]["Handler"].split(".")[0] in SERVICES
    )


@functools.cache
def _event_text(function_id: str) -> str:
    return (EVENTS_DIR / f"{function_id}.json").read_text()


def sample_event(function_id: str) -> dict:
    return json.loads(_event_text(function_id))


def handler_of(function_id: str):
    module_name, _, function_name = FUNCTIONS[function_id]["Properties"]["Handler"].rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


@dataclass(frozen=True)
class Result:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> Any:
        assert self.headers.get("Content-Type") == "application/json", self.headers
        return json.loads(self.body)

    @property
    def error_fields(self) -> list[str]:
        body = self.json
        assert (self.status, body["code"]) == (400, "invalid_request"), body
        return [error["field"] for error in body["errors"]]


def invoke(function_id: str, event: dict) -> Result:
    context = SimpleNamespace(
        function_name=function_id,
        aws_request_id=event["requestContext"]["requestId"],
        memory_limit_in_mb=256,
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{function_id}",
    )
    result = handler_of(function_id)(copy.deepcopy(event), context)
    assert isinstance(result["body"], str)
    return Result(result["statusCode"], dict(result.get("headers") or {}), result["body"])


def with_body(event: dict, payload: Any = None, *, raw: str | None = None) -> dict:
    event = copy.deepcopy(event)
    event["body"] = raw if payload is None else json.dumps(payload)
    return event


def with_header(event: dict, name: str, value: str | None) -> dict:
    event = copy.deepcopy(event)
    for headers in (event["headers"], event["multiValueHeaders"]):
        headers.pop(name, None)
    if value is not None:
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    return event


def with_path_param(event: dict, name: str, value: str) -> dict:
    event = copy.deepcopy(event)
    event["pathParameters"][name] = value
    event["path"] = event["resource"].replace(f"{{{name}}}", value)
    event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{event['path']}"
    return event


def with_query(event: dict, query: dict[str, str] | None) -> dict:
    event = copy.deepcopy(event)
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    return event


def create_product(**changes: Any) -> dict:
    payload = {**json.loads(sample_event("CreateProductFunction")["body"]), **changes}
    result = invoke("CreateProductFunction", with_body(sample_event("CreateProductFunction"), payload))
    assert result.status == 201, result.body
    return result.json


def call_on_product(function_id: str, product_id: str, payload: Any = None) -> Result:
    event = with_path_param(sample_event(function_id), "product_id", product_id)
    if payload is not None:
        event = with_body(event, payload)
    return invoke(function_id, event)


def list_products(query: dict[str, str] | None) -> Result:
    return invoke("ListProductsFunction", with_query(sample_event("ListProductsFunction"), query))


def products_table(tables) -> dict[str, dict]:
    return stored_items(tables["ProductsTable"])


def users_table(tables) -> dict[str, dict]:
    return stored_items(tables["UsersTable"])
