"""Whatever a client sends: a clean 4xx JSON answer naming the field, and nothing stored.

Each test is one class of input, tried on every route it applies to, through API
Gateway on the emulator. "Nothing stored" is shown the way a client can: the SKU a
refused request carried is still free afterwards, the profile it would have renamed is
as it was.
"""
from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e.test_orders import place_ok, stocked_product, wait_for

LONG_ID = "x" * 2000
# Every route with a path parameter, and the parameter's name.
ROUTES_WITH_IDS = [
    ("GET", "/products/{}", "product_id"),
    ("PATCH", "/products/{}", "product_id"),
    ("DELETE", "/products/{}", "product_id"),
    ("GET", "/users/{}", "user_id"),
    ("GET", "/users/{}/orders", "user_id"),
    ("GET", "/orders/{}", "order_id"),
    ("POST", "/orders/{}/cancel", "order_id"),
    ("GET", "/payments/{}", "payment_id"),
    ("GET", "/inventory/{}", "product_id"),
    ("PUT", "/inventory/{}", "product_id"),
]
BODIES = {"PATCH": {"name": "x"}, "PUT": {"on_hand": 1}}


def product_body(unique: str, **overrides) -> dict:
    return {"sku": f"BND-{unique}", "name": f"Boundary {unique}",
            "price": {"amount": 500, "currency": "EUR"}, **overrides}


def assert_invalid(answer, field: str) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["code"] == "invalid_request"
    assert field in [error["field"] for error in body["errors"]], body


# ---------------------------------------------------------------- 1. path parameters

@pytest.mark.parametrize(("method", "path", "field"), ROUTES_WITH_IDS)
@pytest.mark.parametrize("bad_id", [LONG_ID, "a b", "a%00b", "%E2%80%AEevil", "-x", "x" * 65],
                         ids=["2000-chars", "space", "nul", "bidi-override", "leading-dash", "65-chars"])
def test_an_id_that_cannot_be_an_id_is_a_400_naming_the_parameter(api, method, path, field, bad_id):
    answer = api.request(method, path.format(bad_id), json=BODIES.get(method))

    assert_invalid(answer, field)


# ---------------------------------------------------------------- 2. stock for catalog products only

@pytest.mark.parametrize("path", ["/products", "/users/someone/orders", "/users/me/orders"])
def test_a_query_parameter_given_twice_is_a_400_naming_it(api, path):
    answer = api.get(f"{path}?cursor=&cursor=forged&limit=2")

    assert answer.status_code == 400, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == ["cursor"]


def test_stock_for_a_product_that_does_not_exist_is_refused_and_not_created(api):
    ghost = f"ghost-{uuid.uuid4().hex[:8]}"

    answer = api.request("PUT", f"/inventory/{ghost}", json={"on_hand": 5})

    assert (answer.status_code, answer.json()["code"]) == (404, "not_found"), answer.text
    assert "not in the catalog" in answer.json()["message"]
    assert api.get(f"/inventory/{ghost}").status_code == 404


def test_stock_for_a_deleted_product_is_refused(api, unique):
    product = api.post("/products", json=product_body(unique)).json()["id"]
    assert api.delete(f"/products/{product}").status_code == 204

    assert api.request("PUT", f"/inventory/{product}", json={"on_hand": 5}).status_code == 404


# ---------------------------------------------------------------- 3. text that is not text

def test_a_body_that_is_not_utf8_is_a_400_and_stores_nothing(api, unique):
    body = json.dumps(product_body(unique, name="NAME")).encode().replace(b"NAME", b"caf\xe9 \xff\xfe")

    answer = api.post("/products", data=body, headers={"Content-Type": "application/json"})

    assert_invalid(answer, "body")
    assert api.post("/products", json=product_body(unique)).status_code == 201  # the SKU was still free


@pytest.mark.parametrize("bad", ["a\x00b", "line\nbreak", "carriage\rreturn", "tab\tbed", "esc\x1b[31m",
                                 "del\x7f", "c1\x85", "rtl\u202eoverride", "isolate\u2066x\u2069",
                                 "embed\u202ax", "line\u2028sep", "trailing newline\n"],
                         ids=["nul", "lf", "cr", "tab", "esc", "del", "nel", "rlo", "lri", "lre", "u2028",
                              "trailing-lf"])
def test_control_and_bidi_override_characters_in_names_are_a_400_and_store_nothing(api, customer, unique, bad):
    product = api.post("/products", json=product_body(unique, name=bad))
    assert_invalid(product, "name")
    assert api.post("/products", json=product_body(unique)).status_code == 201

    before = customer.get("/users/me").json()
    assert_invalid(customer.patch("/users/me", json={"name": bad}), "name")
    assert customer.get("/users/me").json() == before


def test_a_renamed_product_is_checked_too(api, unique):
    product = api.post("/products", json=product_body(unique)).json()

    assert_invalid(api.patch(f"/products/{product['id']}", json={"name": "x\u202ey"}), "name")
    assert api.get(f"/products/{product['id']}").json()["name"] == product["name"]


def test_emoji_and_right_to_left_text_round_trip_exactly(api, customer, unique):
    name = "Café ☕ 👩‍👩‍👧‍👦 🇪🇺 — שלום עולם — مرحبا بالعالم — Ελληνικά"
    description = "Two lines:\nעברית ثم العربية\tand a tab"

    created = api.post("/products", json=product_body(unique, name=name, description=description))
    assert created.status_code == 201, created.text
    fetched = api.get(f"/products/{created.json()['id']}").json()
    assert (fetched["name"], fetched["description"]) == (name, description)

    assert customer.patch("/users/me", json={"name": "دانا 👋"}).status_code == 200
    assert api.get(f"/users/{customer.user_id}").json()["name"] == "دانا 👋"


# ---------------------------------------------------------------- 4. media types

@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "multipart/form-data; boundary=x", "application/json; charset=latin-1",
                                          None],
                         ids=["text", "form", "xml", "multipart", "latin-1", "none"])
def test_a_body_that_is_not_json_is_a_415_and_stores_nothing(api, unique, content_type):
    body = json.dumps(product_body(unique)).encode()
    # requests sends no Content-Type for bytes unless told.
    answer = api.post("/products", data=body, headers={"Content-Type": content_type} if content_type else {})

    assert (answer.status_code, answer.json()["code"]) == (415, "unsupported_media_type"), answer.text
    assert api.post("/products", json=product_body(unique)).status_code == 201


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/JSON",
                                          "application/merge-patch+json"])
def test_json_media_types_are_accepted(api, unique, content_type):
    answer = api.post("/products", data=json.dumps(product_body(unique)).encode(),
                      headers={"Content-Type": content_type})

    assert answer.status_code == 201, answer.text


# ---------------------------------------------------------------- 5. currencies

@pytest.mark.parametrize("currency", ["ZZZ", "XTS", "XAU", "EURO", "eur"])
def test_a_currency_that_is_not_iso_4217_is_a_400(api, unique, currency):
    answer = api.post("/products", json=product_body(unique, price={"amount": 100, "currency": currency}))

    assert_invalid(answer, "price.currency")


def test_iso_4217_currencies_are_accepted(api, unique):
    for currency in ("JPY", "CHF", "BHD"):
        sku = f"{unique}-{currency}"
        answer = api.post("/products", json=product_body(sku, price={"amount": 100, "currency": currency}))
        assert answer.status_code == 201, answer.text

    product = answer.json()["id"]
    assert_invalid(api.patch(f"/products/{product}", json={"price": {"amount": 1, "currency": "ZZZ"}}),
                   "price.currency")


# ---------------------------------------------------------------- 6. caching and framing

def test_answers_with_personal_or_order_data_are_not_cached_or_sniffed(api, customer):
    product = stocked_product(api, units=1)
    order = place_ok(customer, [(product, 1)])
    assert customer.get("/users/me").status_code == 200  # the profile is made on the first call
    user = customer.user_id
    for client, path in ((customer, "/users/me"), (customer, "/users/me/orders"), (customer, f"/orders/{order['id']}"),
                         (customer, "/orders/nope"), (api, f"/users/{user}"), (api, f"/users/{user}/orders")):
        answer = client.get(path)
        assert answer.headers["Cache-Control"] == "no-store", (path, answer.headers)
        assert answer.headers["X-Content-Type-Options"] == "nosniff", path


def test_the_docs_page_cannot_be_framed(anonymous):
    answer = anonymous.get("/docs")

    assert answer.status_code == 200
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


# ---------------------------------------------------------------- 9. cancel racing the processor

def test_an_immediate_cancel_is_never_refused_for_a_concurrent_write(api, customer):
    product = stocked_product(api, units=5)
    for _ in range(5):
        order = place_ok(customer, [(product, 1)])

        answer = customer.post(f"/orders/{order['id']}/cancel")

        assert (answer.status_code, answer.json()["status"]) == (202, "CANCELLED"), answer.text
        assert wait_for(api, order["id"])["status"] == "CANCELLED"
