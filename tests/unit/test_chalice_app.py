"""The Chalice app serves the Lambda handlers' behaviour: bodies, status codes, errors.

In process (chalice.test), against the moto tables built from the template. Its routes
are the template's (app.py registers them from infra/template.py): each must reach the
handler the template deploys for it, with an event that handler reads as on Lambda.
Requests are sent as a staff member, with an IdToken of the tests' own pool verified by
the same authorizer layer `chalice local` runs (infra/cognito_local.py, tests/unit/tokens.py).
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from chalice.test import Client

from app import app, create_app
from infra.template import routes
from shared.http import ApiRequest
from tests.unit.tokens import TestPool

PROJECT_DIR = str(Path(__file__).resolve().parents[2])
JSON = {"Content-Type": "application/json"}
WIDGET = {"sku": "wid-1", "name": "Widget", "price": {"amount": 1999, "currency": "EUR"}}


POOL = TestPool()
STAFF_TOKEN = POOL.id_token(sub="staff-1", email="staff@example.com", groups=["admin"])


@pytest.fixture(scope="module")
def signed_in_app():
    """The template's routes behind the local authorizer, trusting the tests' pool."""
    shop = create_app()
    POOL.install(shop)
    return shop


@pytest.fixture
def http(tables, signed_in_app):
    return Client(signed_in_app, project_dir=PROJECT_DIR).http


def send(http, method: str, path: str, payload: object = None, headers: dict | None = None):
    body = b"" if payload is None else json.dumps(payload).encode()
    return http.request(method, path, headers={"Authorization": f"Bearer {STAFF_TOKEN}", **(headers or JSON)},
                        body=body)


def test_product_lifecycle(http):
    created = send(http, "POST", "/products", WIDGET)
    assert created.status_code == 201, created.body
    product = created.json_body
    assert product["sku"] == "WID-1"
    assert product["price"] == {"amount": 1999, "currency": "EUR"}
    assert created.headers["Location"] == f"/products/{product['id']}"

    fetched = send(http, "GET", f"/products/{product['id']}")
    assert (fetched.status_code, fetched.json_body) == (200, product)

    listed = send(http, "GET", "/products?limit=1")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json_body["items"]] == [product["id"]]

    patched = send(http, "PATCH", f"/products/{product['id']}", {"name": "Gadget"})
    assert patched.status_code == 200
    assert patched.json_body["name"] == "Gadget"
    assert patched.json_body["sku"] == "WID-1"

    deleted = send(http, "DELETE", f"/products/{product['id']}")
    assert (deleted.status_code, deleted.body) == (204, b"")

    gone = send(http, "GET", f"/products/{product['id']}")
    assert gone.status_code == 404
    assert gone.json_body == {"code": "not_found", "message": f"Product {product['id']} not found"}


def test_listing_pages_through_query_string(http):
    # chalice local sends only multiValueQueryStringParameters; paging must still work.
    ids = {send(http, "POST", "/products", {**WIDGET, "sku": f"SKU-{n}"}).json_body["id"] for n in range(3)}

    first = send(http, "GET", "/products?limit=2").json_body
    second = send(http, "GET", f"/products?limit=2&cursor={first['next_cursor']}").json_body

    assert len(first["items"]) == 2 and first["next_cursor"]
    assert {item["id"] for item in first["items"] + second["items"]} == ids


def test_invalid_input_is_400_naming_each_field(http):
    response = send(http, "POST", "/products", {"sku": "not a sku", "name": "", "price": {"amount": 1.5}})

    assert response.status_code == 400
    body = response.json_body
    assert (body["code"], body["message"]) == ("invalid_request", "Invalid request body")
    assert {error["field"] for error in body["errors"]} == {"sku", "name", "price.amount", "price.currency"}

    bad_query = send(http, "GET", "/products?limit=0")
    assert bad_query.status_code == 400
    assert [error["field"] for error in bad_query.json_body["errors"]] == ["limit"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "application/json; charset=latin-1"])
def test_a_body_in_another_media_type_is_415_and_creates_nothing(http, content_type):
    response = send(http, "POST", "/products", WIDGET, headers={"Content-Type": content_type})

    assert (response.status_code, response.json_body["code"]) == (415, "unsupported_media_type")
    assert send(http, "GET", "/products").json_body["items"] == []


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON",
                                          "application/merge-patch+json"])
def test_json_media_types_are_read_as_json(http, content_type):
    response = send(http, "POST", "/products", WIDGET, headers={"Content-Type": content_type})

    assert response.status_code == 201, response.body


def test_duplicate_sku_is_409(http):
    assert send(http, "POST", "/products", WIDGET).status_code == 201

    response = send(http, "POST", "/products", {**WIDGET, "sku": "WID-1"})

    assert response.status_code == 409
    assert response.json_body == {"code": "conflict", "message": "A product with SKU WID-1 already exists"}


def test_a_profile_is_made_on_the_first_call_and_staff_read_anyones(http):
    customer = {"Authorization": POOL.id_token(sub="customer-1", email="ada@example.com"), **JSON}

    made = send(http, "GET", "/users/me", headers=customer)
    assert made.status_code == 200, made.body
    assert (made.json_body["id"], made.json_body["email"], made.json_body["name"]) == ("customer-1", "ada@example.com", "ada")
    assert send(http, "GET", "/users/me", headers=customer).json_body == made.json_body

    renamed = send(http, "PATCH", "/users/me", {"name": "Ada Lovelace"}, headers=customer)
    assert (renamed.status_code, renamed.json_body["name"]) == (200, "Ada Lovelace")

    assert send(http, "GET", "/users/customer-1").json_body == renamed.json_body  # staff
    refused = send(http, "GET", "/users/customer-1", headers=customer)
    assert (refused.status_code, refused.json_body["code"]) == (403, "forbidden")
    missing = send(http, "GET", "/users/nobody")
    assert missing.status_code == 404
    assert missing.json_body == {"code": "not_found", "message": "User nobody not found"}


def test_health_is_200_when_every_table_answers(http, tables):
    response = send(http, "GET", "/health")

    assert response.status_code == 200
    assert response.json_body == {
        "status": "ok",
        "checks": {f"table:{name}": "ok" for name in sorted(tables.values())},
    }


@pytest.mark.parametrize("route", routes(), ids=lambda route: f"{route.method} {route.path}")
def test_route_calls_the_handler_the_template_deploys(aws, monkeypatch, route):
    # Swap the template's handler for a recorder: the route must end up calling it.
    # `aws` keeps any other handler a route might call away from real AWS.
    module_name, _, function_name = route.handler.rpartition(".")
    events: list[dict] = []

    def recorder(event: dict, context: object) -> dict:
        events.append(event)
        return {"statusCode": 299, "headers": {"X-Handler": route.handler}, "body": ""}

    monkeypatch.setattr(importlib.import_module(module_name), function_name, recorder)
    path_params = {name: f"some-{name}" for name in route.path_parameters}
    url = route.path.format(**path_params)
    headers = {"x-api-key": "any"} if route.api_key_required else {}

    response = Client(app, project_dir=PROJECT_DIR).http.request(route.method, url, headers=headers)

    assert events, f"{route.method} {url} answered {response.status_code} without calling {route.handler}"
    assert (response.status_code, response.headers.get("X-Handler")) == (299, route.handler)
    # The handler reads the request through ApiRequest, as on Lambda: it must see the
    # template's path parameter names and the request's method and path.
    request = ApiRequest.from_event(events[0])
    assert (request.method, request.path, dict(request.path_params)) == (route.method, url, path_params)
    assert app.routes[route.path][route.method].api_key_required is route.api_key_required
