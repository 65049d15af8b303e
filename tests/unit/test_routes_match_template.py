"""The Chalice app (app.py) serves exactly the API that infra/template.yaml deploys.

Same routes, same API-key requirement, and each route calls the very Lambda handler
the template deploys for it, with an event that handler reads the same way.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from chalice.test import Client

from app import app
from shared.http import ApiRequest
from tests.template import resources_of_type

PROJECT_DIR = str(Path(__file__).resolve().parents[2])

Route = tuple[str, str, bool]  # (METHOD, path, api_key_required)


def template_endpoints() -> dict[Route, str]:
    """Every API event of the template's functions -> the handler deployed for it."""
    apis = resources_of_type("AWS::Serverless::Api")
    endpoints: dict[Route, str] = {}
    for function in resources_of_type("AWS::Serverless::Function").values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            properties = event["Properties"]
            # An event's own Auth overrides the default of the API it is attached to.
            api_auth = apis[properties["RestApiId"]["Ref"]]["Properties"].get("Auth", {})
            key_required = properties.get("Auth", {}).get(
                "ApiKeyRequired", api_auth.get("ApiKeyRequired", False)
            )
            route = (properties["Method"].upper(), properties["Path"], key_required)
            endpoints[route] = function["Properties"]["Handler"]
    return endpoints


TEMPLATE_ENDPOINTS = template_endpoints()


def chalice_routes() -> set[Route]:
    return {
        (method, path, entry.api_key_required)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    }


def _describe(routes: set[Route]) -> str:
    return "\n".join(
        f"    {method} {path} (api_key_required={key})" for method, path, key in sorted(routes)
    ) or "    (none)"


def test_chalice_app_serves_exactly_the_template_routes():
    in_template, in_chalice = set(TEMPLATE_ENDPOINTS), chalice_routes()
    assert in_chalice == in_template, (
        "app.py and infra/template.yaml disagree on (method, path, api_key_required):\n"
        f"  only in the template:\n{_describe(in_template - in_chalice)}\n"
        f"  only in the Chalice app:\n{_describe(in_chalice - in_template)}"
    )


@pytest.mark.parametrize(
    ("method", "path", "handler_name"),
    [(method, path, handler) for (method, path, _), handler in TEMPLATE_ENDPOINTS.items()],
    ids=[f"{method} {path}" for method, path, _ in TEMPLATE_ENDPOINTS],
)
def test_route_calls_the_handler_the_template_deploys(aws, monkeypatch, method, path, handler_name):
    # Swap the template's handler for a recorder: the route must end up calling it.
    # `aws` keeps any other handler a route might call away from real AWS.
    module_name, _, function_name = handler_name.rpartition(".")
    events: list[dict] = []

    def recorder(event: dict, context: object) -> dict:
        events.append(event)
        return {"statusCode": 299, "headers": {"X-Handler": handler_name}, "body": ""}

    monkeypatch.setattr(importlib.import_module(module_name), function_name, recorder)
    path_params = {name: f"some-{name}" for name in re.findall(r"\{(\w+)\}", path)}
    url = path.format(**path_params)

    response = Client(app, project_dir=PROJECT_DIR).http.request(method, url)

    assert events, f"{method} {url} answered {response.status_code} without calling {handler_name}"
    assert (response.status_code, response.headers.get("X-Handler")) == (299, handler_name)
    # The handler reads the request through ApiRequest, as on Lambda: it must see the
    # template's path parameter names and the request's method and path.
    request = ApiRequest.from_event(events[0])
    assert (request.method, request.path, dict(request.path_params)) == (method, url, path_params)
