"""`chalice local` refuses and admits the emulator's Cognito tokens as API Gateway does.

A real `chalice local` process on the session's stack (the fixture of
test_usage_plans_chalice_local.py), its authorizer layer infra/cognito_local.py, and the
session's people: tokens the emulator's user pool signs. Each refusal is also sent to
the deployed API, which must answer the same.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.e2e.test_usage_plans_chalice_local import chalice_local  # noqa: F401  (the process)

pytestmark = pytest.mark.emulator_controls(
    "chalice local reads the user pool's keys where only the emulator serves them, and the keys from its API Gateway")

UNAUTHORIZED = (401, {"message": "Unauthorized"})


def _answer(response: requests.Response) -> tuple[int, object]:
    return response.status_code, response.json() if response.content else None


def _both(stack, chalice_local, method: str, path: str, headers: dict[str, str], **kwargs) -> list[tuple]:  # noqa: F811
    """The answer of the deployed API and of chalice local to the same request."""
    return [_answer(requests.request(method, f"{base}{path}", headers=headers, timeout=30, **kwargs))
            for base in (stack.base_url, chalice_local.base_url)]


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[10] != "A" else "B"
    return f"{header}.{payload}.{signature[:10]}{flipped}{signature[11:]}"


def _product(unique: str) -> dict:
    return {"sku": f"LOCAL-{unique}", "name": "Local widget", "price": {"amount": 1999, "currency": "EUR"}}


def test_no_token_is_401_even_without_a_key(stack, chalice_local):  # noqa: F811
    key = {"x-api-key": stack.api_key}
    assert _both(stack, chalice_local, "GET", "/users/me", key) == [UNAUTHORIZED] * 2
    # The authorizer runs before the key check: no key, no token is still 401, not 403.
    assert _both(stack, chalice_local, "GET", "/users/me", {}) == [UNAUTHORIZED] * 2


def test_a_tampered_or_garbage_token_is_401(stack, chalice_local, people):  # noqa: F811
    customer = people.customer()
    for token in (_tampered(customer.id_token), "garbage", f"Bearer {_tampered(customer.id_token)}"):
        headers = {"x-api-key": stack.api_key, "Authorization": token}
        assert _both(stack, chalice_local, "GET", "/users/me", headers) == [UNAUTHORIZED] * 2, token[:20]


def test_a_valid_token_without_a_key_is_403(stack, chalice_local, people):  # noqa: F811
    headers = {"Authorization": people.customer().id_token}
    assert _both(stack, chalice_local, "GET", "/users/me", headers) == [(403, {"message": "Forbidden"})] * 2


def test_a_customer_reads_their_own_profile(stack, chalice_local, people):  # noqa: F811
    customer = people.customer()
    for authorization in (customer.id_token, f"Bearer {customer.id_token}"):
        response = requests.get(f"{chalice_local.base_url}/users/me", timeout=30,
                                headers={"x-api-key": stack.api_key, "Authorization": authorization})
        assert response.status_code == 200, response.text
        assert response.json()["email"] == customer.email
        assert response.json()["id"] == customer.user_id


def test_a_customer_may_not_do_what_only_staff_may(stack, chalice_local, people):  # noqa: F811
    headers = {"x-api-key": stack.api_key, "Authorization": people.customer().id_token}

    response = requests.post(f"{chalice_local.base_url}/products", json=_product(uuid.uuid4().hex[:8].upper()),
                             headers=headers, timeout=30)

    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "forbidden"


def test_staff_may(stack, chalice_local, people):  # noqa: F811
    headers = {"x-api-key": stack.api_key, "Authorization": people.staff().id_token}
    product = _product(uuid.uuid4().hex[:8].upper())

    created = requests.post(f"{chalice_local.base_url}/products", json=product, headers=headers, timeout=30)

    assert created.status_code == 201, created.text
    # Made through chalice local, in the stack's table: the deployed API reads it back.
    read = requests.get(f"{stack.base_url}/products/{created.json()['id']}", timeout=30,
                        headers={"x-api-key": stack.api_key})
    assert (read.status_code, read.json()["sku"]) == (200, product["sku"])
