"""Who may do what (docs/security.md), on the deployed stack with real tokens.

Every route behind the authorizer is tried as: no one (no token), the customer who owns
the data, another customer, staff, and with tokens API Gateway must refuse — expired,
tampered with (signature, payload), from another user pool, and not a token at all.
Each refused write is followed by a read that shows nothing changed.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import time
import uuid

import jwt
import pytest

from infra.people import Person, new_password
from infra.template import load_template
from tests.e2e.conftest import Api
from tests.e2e.test_orders import place_ok, stock, stocked_product, wait_for

UNAUTHORIZED = {"message": "Unauthorized"}
PASSWORD_POLICY = load_template()["Resources"]["UserPool"]["Properties"]["Policies"]["PasswordPolicy"]


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def with_token(person: Person, token: str) -> Person:
    return dataclasses.replace(person, id_token=token)


@pytest.fixture(scope="module")
def shop(api, people):
    """Customer A with a confirmed (paid) order, customer B, and a product."""
    owner = api.acting_as(people.customer())
    other = api.acting_as(people.customer())
    product = stocked_product(api, units=20)
    order = wait_for(api, place_ok(owner, [(product, 1)])["id"])
    assert order["status"] == "CONFIRMED", order
    assert owner.get("/users/me").status_code == 200
    return {"owner": owner, "other": other, "product": product, "order": order}


@pytest.fixture(scope="module")
def refused_tokens(api, people, stack, aws, shop) -> dict[str, Api]:
    """Clients with tokens the authorizer must refuse, each named for why."""
    owner: Person = shop["owner"].person
    header, payload, signature = owner.id_token.split(".")
    flipped = ("A" if signature[10] != "A" else "B")
    edited = _segment({**_claims(owner.id_token), "cognito:groups": ["admin"]})
    tokens = {
        "tampered-signature": f"{header}.{payload}.{signature[:10]}{flipped}{signature[11:]}",
        "edited-payload": f"{header}.{edited}.{signature}",
        "unsigned": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "garbage": "not-a-token",
    }
    clients = {name: api.acting_as(with_token(owner, token)) for name, token in tokens.items()}
    clients["no-token"] = api.acting_as(None)
    return clients


@pytest.fixture(scope="module")
def emulator_only_tokens(api, aws, stack, shop) -> dict[str, Api]:
    """Tokens signed by a real pool but refused all the same: one past its expiry (an app
    client of the stack's pool whose IdTokens live 1 s, which AWS does not allow: at least
    5 minutes), and one from another user pool."""
    idp = aws.client("cognito-idp")
    pool_id = stack.outputs["UserPoolId"]
    owner: Person = shop["owner"].person
    brief = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName=f"e2e-brief-{uuid.uuid4().hex[:8]}",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        IdTokenValidity=1, AccessTokenValidity=1,
        TokenValidityUnits={"IdToken": "seconds", "AccessToken": "seconds"})["UserPoolClient"]["ClientId"]
    expired = idp.initiate_auth(ClientId=brief, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": owner.email, "PASSWORD": owner.password})["AuthenticationResult"]["IdToken"]

    other_pool = idp.create_user_pool(PoolName=f"e2e-other-{uuid.uuid4().hex[:8]}", UsernameAttributes=["email"],
                                      Policies={"PasswordPolicy": PASSWORD_POLICY})["UserPool"]["Id"]
    other_client = idp.create_user_pool_client(
        UserPoolId=other_pool, ClientName="other",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    password = new_password()
    idp.admin_create_user(UserPoolId=other_pool, Username=owner.email, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=other_pool, Username=owner.email, Password=password, Permanent=True)
    foreign = idp.initiate_auth(ClientId=other_client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": owner.email, "PASSWORD": password})["AuthenticationResult"]["IdToken"]
    assert _claims(foreign)["sub"] and _claims(foreign)["iss"] != _claims(owner.id_token)["iss"]

    time.sleep(max(0.0, _claims(expired)["exp"] - time.time()) + 1.5)
    return {"expired": api.acting_as(with_token(owner, expired)),
            "other-pool": api.acting_as(with_token(owner, foreign))}


def authorized_routes(shop) -> list[tuple[str, str, dict | None]]:
    product, order = shop["product"], shop["order"]
    owner_id = shop["owner"].user_id
    return [
        ("GET", "/users/me", None),
        ("PATCH", "/users/me", {"name": "Mallory"}),
        ("GET", "/users/me/orders", None),
        ("GET", f"/users/{owner_id}", None),
        ("GET", f"/users/{owner_id}/orders", None),
        ("POST", "/orders", {"payment_token": "tok_visa", "lines": [{"product_id": product, "quantity": 1}]}),
        ("GET", f"/orders/{order['id']}", None),
        ("POST", f"/orders/{order['id']}/cancel", None),
        ("GET", f"/payments/{order['payment_id']}", None),
        ("POST", "/products", {"sku": f"AUTHZ-{uuid.uuid4().hex[:10]}", "name": "x",
                               "price": {"amount": 1, "currency": "EUR"}}),
        ("PATCH", f"/products/{product}", {"name": "renamed"}),
        ("DELETE", f"/products/{product}", None),
        ("PUT", f"/inventory/{product}", {"on_hand": 0}),
    ]


def snapshot(api: Api, shop) -> dict:
    """What a refused request could have changed, as staff reads it."""
    owner_id = shop["owner"].user_id
    return {
        "profile": api.get(f"/users/{owner_id}").json(),
        "orders": api.get(f"/users/{owner_id}/orders").json(),
        "order": api.get(f"/orders/{shop['order']['id']}").json(),
        "product": api.get(f"/products/{shop['product']}").json(),
        "stock": stock(api, shop["product"]),
    }


def _refused_everywhere(api, shop, clients: dict[str, Api]) -> None:
    before = snapshot(api, shop)
    for name, client in clients.items():
        for method, path, body in authorized_routes(shop):
            answer = client.request(method, path, json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
            assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED), (name, method, path, answer.text)
    assert snapshot(api, shop) == before


def test_without_a_valid_token_every_route_behind_the_authorizer_is_a_401_and_nothing_changes(
        api, shop, refused_tokens):
    _refused_everywhere(api, shop, refused_tokens)


@pytest.mark.emulator_controls("makes an app client with 1-second tokens (AWS: 5 minutes at least) and a user pool")
def test_an_expired_token_or_one_from_another_pool_is_a_401_and_nothing_changes(api, shop, emulator_only_tokens):
    _refused_everywhere(api, shop, emulator_only_tokens)


def test_public_reads_answer_anyone_with_the_key(api, shop, refused_tokens, signed_out):
    product = shop["product"]
    for client in [signed_out, shop["owner"], shop["other"], api, refused_tokens["tampered-signature"]]:
        for path in ("/products?limit=1", f"/products/{product}", f"/inventory/{product}"):
            assert client.get(path).status_code == 200, path


def test_the_owner_sees_their_order_payment_and_profile(shop):
    owner, order = shop["owner"], shop["order"]
    assert owner.get(f"/orders/{order['id']}").json()["status"] == "CONFIRMED"
    assert owner.get(f"/payments/{order['payment_id']}").json()["order_id"] == order["id"]
    assert owner.get("/users/me").json()["id"] == owner.user_id
    assert [o["id"] for o in owner.get("/users/me/orders").json()["items"]] == [order["id"]]


def test_another_customers_order_and_payment_are_404_exactly_as_an_unknown_id(api, shop):
    other, order = shop["other"], shop["order"]
    before = snapshot(api, shop)
    unknown = f"unknown-{uuid.uuid4().hex}"
    for path, template in ((f"/orders/{order['id']}", "/orders/{}"),
                           (f"/payments/{order['payment_id']}", "/payments/{}"),
                           (f"/orders/{order['id']}/cancel", "/orders/{}/cancel")):
        method = "POST" if path.endswith("/cancel") else "GET"
        known = template.format(order["id"] if "orders" in template else order["payment_id"])
        answer, baseline = other.request(method, path), other.request(method, template.format(unknown))
        assert answer.status_code == baseline.status_code == 404, (path, answer.text)
        assert answer.text == baseline.text.replace(unknown, known.split("/")[2]), path
    assert other.get("/users/me/orders").json()["items"] == []
    assert snapshot(api, shop) == before


@pytest.mark.parametrize("route", ["create-product", "update-product", "delete-product", "set-stock",
                                   "read-a-profile", "read-a-users-orders"])
def test_a_customer_on_a_staff_route_is_a_403_and_nothing_changes(api, shop, route):
    product, owner = shop["product"], shop["owner"]
    sku = f"AUTHZ-{uuid.uuid4().hex[:10].upper()}"
    method, path, body = {
        "create-product": ("POST", "/products", {"sku": sku, "name": "x", "price": {"amount": 1, "currency": "EUR"}}),
        "update-product": ("PATCH", f"/products/{product}", {"name": "renamed"}),
        "delete-product": ("DELETE", f"/products/{product}", None),
        "set-stock": ("PUT", f"/inventory/{product}", {"on_hand": 0}),
        "read-a-profile": ("GET", f"/users/{owner.user_id}", None),
        "read-a-users-orders": ("GET", f"/users/{owner.user_id}/orders", None),
    }[route]
    before = snapshot(api, shop)
    for customer in (owner, shop["other"]):
        answer = customer.request(method, path, json=body)
        assert answer.status_code == 403, (route, answer.text)
        assert answer.json()["code"] == "forbidden"
    assert snapshot(api, shop) == before
    if route == "create-product":  # the SKU a refused create carried is still free
        created = api.post("/products", json=body)
        assert created.status_code == 201, created.text


def test_staff_read_anyones_profile_orders_and_payments_and_cancel_any_order(api, shop, people):
    owner, order = shop["owner"], shop["order"]
    assert api.get(f"/users/{owner.user_id}").json()["id"] == owner.user_id
    assert [o["id"] for o in api.get(f"/users/{owner.user_id}/orders").json()["items"]] == [order["id"]]
    assert api.get(f"/payments/{order['payment_id']}").json()["status"] == "CAPTURED"

    placed = place_ok(owner, [(shop["product"], 1)])
    cancelled = api.post(f"/orders/{placed['id']}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (202, "CANCELLED"), cancelled.text


def test_an_order_is_the_token_persons_and_a_user_id_in_the_body_is_a_400(api, shop):
    owner, other = shop["owner"], shop["other"]
    body = {"payment_token": "tok_visa", "lines": [{"product_id": shop["product"], "quantity": 1}]}
    named = other.post("/orders", json={**body, "user_id": owner.user_id},
                       headers={"Idempotency-Key": uuid.uuid4().hex})
    assert named.status_code == 400
    assert "user_id" in {error["field"] for error in named.json()["errors"]}

    placed = place_ok(other, [(shop["product"], 1)])
    assert placed["user_id"] == other.user_id
    assert owner.get(f"/orders/{placed['id']}").status_code == 404


def test_one_idempotency_key_is_each_customers_own(api, shop):
    """The same key and body from two customers are two orders: a replay is never another's order."""
    key = uuid.uuid4().hex
    body = {"payment_token": "tok_visa", "lines": [{"product_id": shop["product"], "quantity": 1}]}
    first = shop["owner"].post("/orders", json=body, headers={"Idempotency-Key": key})
    second = shop["other"].post("/orders", json=body, headers={"Idempotency-Key": key})

    assert (first.status_code, second.status_code) == (202, 202), (first.text, second.text)
    assert first.json()["id"] != second.json()["id"]
    assert (first.json()["user_id"], second.json()["user_id"]) == (shop["owner"].user_id, shop["other"].user_id)
