"""The Chalice app behind infra/cognito_local.py answers as API Gateway's authorizer does.

In process, on an app of the test's own (app.create_app) with a pool of generated keys
(tests/unit/tokens.py): the authorizer runs before the API key check and before any
handler, and a handler gets the verified claims in `requestContext.authorizer.claims`.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from chalice.test import Client

from app import create_app
from infra.template import routes
from infra.usage_plans import Key, Plan, UsagePlanGateway
from infra.usage_plans import install as install_usage_plans
from shared.caller import Caller
from shared.http import ApiRequest
from tests.unit.tokens import TestPool

PROJECT_DIR = str(Path(__file__).resolve().parents[2])
AUTHORIZED = [route for route in routes() if route.authorizer]
PUBLIC = [route for route in routes() if not route.authorizer]
UNAUTHORIZED = (401, {"message": "Unauthorized"})


def _id(route) -> str:
    return f"{route.method} {route.path}"


@pytest.fixture
def pool() -> TestPool:
    return TestPool()


@pytest.fixture
def recorded(monkeypatch):
    """Every route's handler swapped for a recorder of the events it gets."""
    events: dict[str, list[dict]] = {}
    for route in routes():
        module_name, _, name = route.handler.rpartition(".")

        def recorder(event: dict, context: object, handler: str = route.handler) -> dict:
            events.setdefault(handler, []).append(event)
            return {"statusCode": 299, "headers": {"X-Handler": handler}, "body": ""}

        monkeypatch.setattr(importlib.import_module(module_name), name, recorder, raising=False)
    return events


def _request(app, route, headers: dict[str, str]):
    url = route.path.format(**{name: f"some-{name}" for name in route.path_parameters})
    return Client(app, project_dir=PROJECT_DIR).http.request(route.method, url, headers=headers)


def _answer(response) -> tuple[int, object]:
    return response.status_code, json.loads(response.body) if response.body else None


def test_the_template_puts_the_authorizer_on_routes_and_leaves_public_ones_alone():
    assert AUTHORIZED and PUBLIC
    assert {route.authorizer for route in AUTHORIZED} == {"CognitoAuth"}


@pytest.mark.parametrize("route", AUTHORIZED, ids=_id)
@pytest.mark.parametrize("authorization", [None, "", "Bearer", "garbage", "tampered"])
def test_an_authorized_route_without_a_valid_token_is_401_and_runs_nothing(pool, recorded, route, authorization):
    app = create_app()
    pool.install(app)
    headers = {"x-api-key": "any"}
    if authorization == "tampered":
        authorization = pool.id_token()[:-4] + "AAAA"
    if authorization is not None:
        headers["Authorization"] = authorization

    response = _request(app, route, headers)

    assert _answer(response) == UNAUTHORIZED
    assert response.headers["Content-Type"] == "application/json"
    assert recorded == {}


@pytest.mark.parametrize("route", AUTHORIZED, ids=_id)
def test_a_valid_token_reaches_the_handler_with_its_claims(pool, recorded, route):
    app = create_app()
    pool.install(app)
    token = pool.id_token(sub="user-1", email="ada@example.com", groups=["admin"])

    response = _request(app, route, {"x-api-key": "any", "Authorization": f"Bearer {token}"})

    assert (response.status_code, response.headers.get("X-Handler")) == (299, route.handler)
    [event] = recorded[route.handler]
    claims = event["requestContext"]["authorizer"]["claims"]
    assert all(isinstance(value, str) for value in claims.values())
    assert ApiRequest.from_event(event).caller == Caller("user-1", "ada@example.com", frozenset({"admin"}))


@pytest.mark.parametrize("route", PUBLIC, ids=_id)
def test_a_public_route_needs_no_token_and_gets_no_claims(pool, recorded, route):
    app = create_app()
    pool.install(app)

    response = _request(app, route, {"x-api-key": "any", "Authorization": "garbage"})

    assert response.status_code == 299
    [event] = recorded[route.handler]
    assert ApiRequest.from_event(event).caller is None


def test_the_token_is_checked_before_the_api_key(pool, recorded):
    # As the gateway: authorizer first (401), then the key (403), then the handler.
    app = create_app()
    pool.install(app)
    plan = Plan("FreePlan", throttle=None, quota=None)
    install_usage_plans(app, UsagePlanGateway({"FreePlan": plan},
                                              lambda: {"good-key": Key("k1", "k", True, ("FreePlan",))}))
    route = next(route for route in AUTHORIZED if route.method == "POST" and route.path == "/products")
    token = pool.id_token()

    assert _answer(_request(app, route, {})) == UNAUTHORIZED
    assert _answer(_request(app, route, {"x-api-key": "good-key"})) == UNAUTHORIZED
    assert _answer(_request(app, route, {"Authorization": token})) == (403, {"message": "Forbidden"})
    assert recorded == {}
    assert _request(app, route, {"Authorization": token, "x-api-key": "good-key"}).status_code == 299
    assert len(recorded[route.handler]) == 1


def test_the_shared_app_has_no_authorizer_in_process():
    # app.app, as tests/unit/test_chalice_app.py uses it, has no stack: no verifier, no
    # claims; a test that needs a caller installs a pool on an app of its own.
    from app import app

    assert [func.__name__ for func, _ in app.middleware_handlers] == []
