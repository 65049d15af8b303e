"""The orders API's Lambda handlers, driven by the sample events in events/.

The orders table (orders and Powertools' idempotency records) is moto's, built from
the template. What the handlers reach through `create_services` (catalog,
inventory, payments, queues) is replaced by fakes with `orders.bootstrap.override_services`.
"""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from orders import place_order as place_order_function
from orders.adapters import LambdaCatalog
from orders.api import OrderResponse
from orders.bootstrap import create_services, override_services
from orders.cancel_order import cancel_order
from orders.get_order import get_order
from orders.list_my_orders import list_my_orders
from orders.list_user_orders import list_user_orders
from orders.place_order import place_order
from orders.settings import PlaceOrderSettings
from orders.domain import OrderStatus
from orders.repository import DynamoDBOrderRepository
from orders.service import OrderServices
from products.contracts import ProductSnapshot
from shared.money import Money
from tests.unit.api_events import with_body, with_header, with_path_param, with_query
from tests.unit.callers import CUSTOMER, OTHER_CUSTOMER, STAFF, as_caller
from tests.unit.order_fakes import InProcessCatalog, InProcessInventory, fake_services, process_order
from tests.unit.stored import stored_items

EVENTS = Path(__file__).resolve().parents[2] / "events"
USER_ID = CUSTOMER.user_id  # the customer of the sample events
PRODUCT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
SAMPLE_ORDER_ID = "9f1c3e5a-7b2d-4c8e-a6f0-1d3b5e7a9c2f"
ORDER_FIELDS = {"id", "user_id", "status", "status_reason", "lines", "total", "payment_id",
                "created_at", "updated_at", "status_url"}


def sample(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


class LambdaContext:
    """What Lambda passes a handler; Powertools idempotency reads the time left."""

    function_name = "PlaceOrderFunction"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shop-PlaceOrderFunction"

    def __init__(self, request_id: str, remaining_ms: int = 15_000) -> None:
        self.aws_request_id = request_id
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def call(handler, event: dict) -> tuple[int, dict, Any]:
    result = handler(copy.deepcopy(event), LambdaContext(event["requestContext"]["requestId"]))
    body = json.loads(result["body"]) if result["body"] else None
    return result["statusCode"], result["headers"], body


def place(event: dict | None = None) -> tuple[int, dict, Any]:
    return call(place_order, event or sample("PlaceOrderFunction"))


def error_fields(body: dict) -> list[str]:
    assert body["code"] == "invalid_request", body
    return [error["field"] for error in body["errors"]]


def stored_orders(tables) -> dict[str, dict]:
    return {pk: item for pk, item in stored_items(tables["OrdersTable"]).items() if pk.startswith("ORDER#")}


def idempotency_records(tables) -> list[dict]:
    return [item for item in stored_items(tables["OrdersTable"]).values() if "idempotency_status" in item]


@pytest.fixture
def services(tables) -> OrderServices:
    catalog = InProcessCatalog(ProductSnapshot(id=PRODUCT_ID, sku="TSH-ORG-BLK-M",
                                          name="Organic cotton T-shirt, black, M",
                                          price=Money(amount=2499, currency="EUR")))
    wired = fake_services(orders=DynamoDBOrderRepository(), catalog=catalog,
                          inventory=InProcessInventory(**{PRODUCT_ID: 10}))
    with override_services(wired):
        yield wired


def test_the_seam_is_in_place_only_inside_the_block(tables):
    wired = fake_services()
    with override_services(wired):
        assert create_services(place_order_function.settings) is wired
    assert isinstance(create_services(place_order_function.settings).catalog, LambdaCatalog)


def test_a_function_without_its_variables_refuses_to_start(monkeypatch):
    monkeypatch.delenv("PRODUCT_LOOKUP_FUNCTION")
    with pytest.raises(ValidationError):
        PlaceOrderSettings.from_environ()


def test_sample_events_agree_with_each_other():
    placed = json.loads(sample("PlaceOrderFunction")["body"])
    for name in ("PlaceOrderFunction", "GetOrderFunction", "CancelOrderFunction", "ListMyOrdersFunction"):
        claims = sample(name)["requestContext"]["authorizer"]["claims"]
        assert (claims["sub"], claims.get("cognito:groups")) == (USER_ID, None)  # a customer
    staff = sample("ListUserOrdersFunction")["requestContext"]["authorizer"]["claims"]
    assert (staff["sub"], staff["cognito:groups"]) == (STAFF.user_id, "admin")
    assert sample("ListUserOrdersFunction")["pathParameters"]["user_id"] == USER_ID
    assert placed["lines"][0]["product_id"] == PRODUCT_ID
    assert sample("PlaceOrderFunction")["headers"]["Idempotency-Key"]
    for name in ("GetOrderFunction", "CancelOrderFunction"):
        assert sample(name)["pathParameters"] == {"order_id": SAMPLE_ORDER_ID}


# ---------------------------------------------------------------- POST /orders


def test_place_order_sample_event_is_accepted(services, tables):
    status, headers, body = place()

    assert status == 202, body
    assert set(body) == ORDER_FIELDS
    assert headers["Location"] == body["status_url"] == f"/orders/{body['id']}"
    assert headers["Content-Type"] == "application/json"
    assert (body["status"], body["user_id"], body["payment_id"], body["status_reason"]) == (
        "PENDING", USER_ID, None, None)
    assert body["total"] == {"amount": 4998, "currency": "EUR"}
    assert body["lines"] == [{"product_id": PRODUCT_ID, "sku": "TSH-ORG-BLK-M",
                              "name": "Organic cotton T-shirt, black, M", "quantity": 2,
                              "unit_price": {"amount": 2499, "currency": "EUR"}}]
    assert list(stored_orders(tables)) == [f"ORDER#{body['id']}"]
    [created] = services.events.created
    assert created.order_id == body["id"]
    # The request id follows the order across services.
    assert created.correlation_id == sample("PlaceOrderFunction")["requestContext"]["requestId"]


def test_place_order_takes_the_correlation_id_the_client_sends(services):
    status, _, body = place(with_header(sample("PlaceOrderFunction"), "x-correlation-id", "client-trace-42"))

    assert status == 202
    assert services.events.created[0].correlation_id == "client-trace-42"
    assert services.orders.get(body["id"]).correlation_id == "client-trace-42"


def test_powertools_idempotency_records_the_response_in_the_orders_table(services, tables):
    _, _, body = place()

    [record] = idempotency_records(tables)
    # <function name>.<module>.<function>#<hash of the key>: one record per Idempotency-Key.
    assert record["pk"]["S"].split("#")[0].endswith("orders.handlers._place_order_once")
    assert record["idempotency_status"] == {"S": "COMPLETED"}
    # The answer's text itself (JSON of a string): a replay sends these very bytes.
    assert json.loads(json.loads(record["idempotency_response"]["S"])) == body
    expires_in = int(record["expiration"]["N"]) - time.time()
    assert 23 * 3600 < expires_in <= 24 * 3600


class PeekingCatalog(InProcessCatalog):
    """A catalog that, when asked, runs `during` (the order is being placed at that moment)."""

    def __init__(self, catalog: InProcessCatalog, during) -> None:
        super().__init__(*catalog.products.values())
        self.during = during

    def lookup(self, product_ids: list[str]):
        self.during()
        return super().lookup(product_ids)


def test_a_request_in_progress_locks_its_key_only_for_the_time_the_function_has_left(services, tables):
    seen: list[dict] = []
    services.catalog = PeekingCatalog(services.catalog, lambda: seen.extend(idempotency_records(tables)))
    before_ms = time.time() * 1000

    place()

    [record] = seen
    assert record["idempotency_status"] == {"S": "INPROGRESS"}
    # The context says 15 s are left: a request that dies here frees its key after that.
    locked_until = int(record["in_progress_expiration"]["N"])
    assert before_ms + 14_000 <= locked_until <= time.time() * 1000 + 15_000


def test_the_same_key_while_the_first_request_runs_is_409(services, tables):
    answers: list[tuple] = []
    services.catalog = PeekingCatalog(services.catalog, lambda: answers.append(place()))

    status, _, _ = place()

    [(concurrent_status, _, concurrent_body)] = answers
    assert (status, concurrent_status) == (202, 409)
    assert concurrent_body["code"] == "conflict"
    assert len(stored_orders(tables)) == 1


@pytest.mark.parametrize("key", [None, "", "k" * 256], ids=["missing", "empty", "too long"])
def test_place_order_without_a_usable_idempotency_key_is_400(services, tables, key):
    status, _, body = place(with_header(sample("PlaceOrderFunction"), "Idempotency-Key", key))

    assert status == 400
    assert error_fields(body) == ["Idempotency-Key"]
    assert stored_orders(tables) == {}
    assert services.events.published == []


def test_the_idempotency_header_name_is_case_insensitive(services):
    event = with_header(sample("PlaceOrderFunction"), "Idempotency-Key", None)

    status, _, _ = place(with_header(event, "idempotency-key", "lower-case-key"))

    assert status == 202


def test_a_retry_with_the_same_key_and_body_gets_the_same_answer_and_one_order(services, tables):
    first = place()
    # The same JSON, written differently: still the same request.
    payload = json.loads(sample("PlaceOrderFunction")["body"])
    reordered = with_body(sample("PlaceOrderFunction"), raw=json.dumps(dict(reversed(list(payload.items()))),
                                                                       indent=1))

    again, once_more = place(), place(reordered)

    assert first[0] == 202
    assert again == first and once_more == first
    assert len(stored_orders(tables)) == 1
    assert len(services.events.created) == 1
    assert len(services.catalog.lookups) == 1


def test_a_replay_answers_the_first_response_byte_for_byte(services, tables):
    event = sample("PlaceOrderFunction")
    context = LambdaContext(event["requestContext"]["requestId"])

    first = place_order(copy.deepcopy(event), context)
    replay = place_order(copy.deepcopy(event), context)

    assert first["statusCode"] == replay["statusCode"] == 202
    assert replay["body"] == first["body"]  # the same bytes, keys in the same order
    assert list(json.loads(replay["body"])) == list(OrderResponse.model_fields)
    assert replay["headers"] == first["headers"]


def test_the_same_key_with_another_body_is_422(services, tables):
    place()
    other = json.loads(sample("PlaceOrderFunction")["body"])
    other["lines"][0]["quantity"] = 3

    status, _, body = place(with_body(sample("PlaceOrderFunction"), other))

    assert status == 422
    assert body["code"] == "unprocessable"
    assert "Idempotency-Key" in body["message"]
    assert len(stored_orders(tables)) == 1


def test_another_key_places_another_order(services, tables):
    place()

    status, _, body = place(with_header(sample("PlaceOrderFunction"), "Idempotency-Key", "second-order"))

    assert status == 202
    assert len(stored_orders(tables)) == 2


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"user_id": "", "lines": [{"product_id": PRODUCT_ID, "quantity": 0}], "payment_token": "tok_visa"},
         ["user_id", "lines.0.quantity"]),
        ({"lines": [], "payment_token": "tok_visa"}, ["lines"]),
        ({"lines": [{"product_id": PRODUCT_ID, "quantity": "2"}],
          "payment_token": "tok_visa"}, ["lines.0.quantity"]),
        ({"lines": [{"product_id": PRODUCT_ID, "quantity": 1001}]},
         ["lines.0.quantity", "payment_token"]),
        ({"lines": [{"product_id": PRODUCT_ID, "quantity": 1},
                    {"product_id": PRODUCT_ID, "quantity": 2}],
          "payment_token": "tok_visa"}, ["lines"]),
        ({"lines": [{"product_id": PRODUCT_ID, "quantity": 1, "price": 1}],
          "payment_token": "tok_visa", "total": 1}, ["lines.0.price", "total"]),
    ],
    ids=["a user and zero quantity", "no lines", "quantity as text", "too many and no token",
         "a product twice", "client-side prices"],
)
def test_place_order_with_an_invalid_body_is_400_naming_the_fields(services, tables, payload, fields):
    status, _, body = place(with_body(sample("PlaceOrderFunction"), payload))

    assert status == 400
    assert sorted(error_fields(body)) == sorted(fields)
    assert stored_orders(tables) == {} and idempotency_records(tables) == []


@pytest.mark.parametrize("raw", [None, "", "{not json", "[1, 2]"], ids=["null", "empty", "broken", "array"])
def test_place_order_with_no_usable_body_is_400(services, raw):
    status, _, body = place(with_body(sample("PlaceOrderFunction"), raw=raw))

    assert status == 400
    assert error_fields(body) == ["body"]


@pytest.mark.parametrize("user_id", [USER_ID, OTHER_CUSTOMER.user_id], ids=["own", "another's"])
def test_a_user_id_in_the_body_is_400_and_places_nothing(services, tables, user_id):
    # The customer is the token's subject: a body cannot name one, not even the caller.
    payload = {"user_id": user_id, **json.loads(sample("PlaceOrderFunction")["body"])}

    status, _, body = place(with_body(sample("PlaceOrderFunction"), payload))

    assert status == 400
    assert error_fields(body) == ["user_id"]
    assert stored_orders(tables) == {} and idempotency_records(tables) == []
    assert services.catalog.lookups == []


@pytest.mark.parametrize("caller", [OTHER_CUSTOMER, STAFF], ids=["another customer", "staff"])
def test_an_order_is_placed_for_the_caller(services, caller):
    status, _, body = place(as_caller(sample("PlaceOrderFunction"), caller))

    assert (status, body["user_id"]) == (202, caller.user_id)
    assert services.events.created[0].user_id == caller.user_id


def test_without_a_verified_caller_placing_an_order_is_401_and_places_nothing(services, tables):
    event = sample("PlaceOrderFunction")
    del event["requestContext"]["authorizer"]

    status, _, body = place(event)

    assert (status, body["code"]) == (401, "unauthenticated")
    assert stored_orders(tables) == {} and idempotency_records(tables) == []


def test_the_same_key_and_body_from_another_customer_is_their_own_order(services, tables):
    _, _, first = place()

    status, _, theirs = place(as_caller(sample("PlaceOrderFunction"), OTHER_CUSTOMER))

    assert status == 202
    assert theirs["id"] != first["id"]
    assert (first["user_id"], theirs["user_id"]) == (USER_ID, OTHER_CUSTOMER.user_id)
    assert place()[2] == first  # each customer's retry still replays their own
    assert len(stored_orders(tables)) == 2
    assert len(idempotency_records(tables)) == 2


def test_an_unknown_product_is_400_naming_its_line(services):
    payload = json.loads(sample("PlaceOrderFunction")["body"])
    payload["lines"].append({"product_id": "no-such-product", "quantity": 1})

    status, _, body = place(with_body(sample("PlaceOrderFunction"), payload))

    assert status == 400
    assert error_fields(body) == ["lines.1.product_id"]


def test_queues_down_is_503_with_nothing_left_behind_and_the_retry_succeeds(services, tables):
    services.events.unavailable = True

    status, headers, body = place()

    assert status == 503
    assert headers["Retry-After"] == "1"
    assert body["code"] == "dependency_unavailable"
    assert stored_orders(tables) == {} and idempotency_records(tables) == []

    services.events.unavailable = False
    status, _, body = place()
    assert status == 202
    assert list(stored_orders(tables)) == [f"ORDER#{body['id']}"]


# ---------------------------------------------------------------- GET /orders/{order_id}


def read_order(order_id: str, caller=CUSTOMER) -> tuple[int, dict, Any]:
    event = with_path_param(sample("GetOrderFunction"), "order_id", order_id)
    return call(get_order, as_caller(event, caller))


def test_get_order_answers_what_was_placed(services):
    _, _, placed = place()

    status, _, body = read_order(placed["id"])

    assert status == 200
    assert body == placed


def test_get_order_shows_the_outcome_of_processing(services):
    _, _, placed = place()
    process_order(services, placed["id"])

    _, _, body = read_order(placed["id"])

    assert (body["status"], body["payment_id"]) == ("CONFIRMED", f"pay_{placed['id']}")
    assert body["created_at"] == placed["created_at"] and body["updated_at"] > placed["updated_at"]


def test_staff_get_any_order(services):
    _, _, placed = place()

    status, _, body = read_order(placed["id"], STAFF)

    assert (status, body) == (200, placed)


def test_another_customers_order_is_404_with_the_body_of_an_unknown_one(services):
    _, _, placed = place()

    status, _, body = read_order(placed["id"], OTHER_CUSTOMER)
    unknown = read_order(SAMPLE_ORDER_ID, OTHER_CUSTOMER)

    assert status == unknown[0] == 404
    assert body == {"code": "not_found", "message": f"Order {placed['id']} not found"}
    assert unknown[2] == {"code": "not_found", "message": f"Order {SAMPLE_ORDER_ID} not found"}


def test_get_order_sample_event_for_an_unknown_order_is_404(services):
    status, _, body = call(get_order, sample("GetOrderFunction"))

    assert status == 404
    assert body == {"code": "not_found", "message": f"Order {SAMPLE_ORDER_ID} not found"}


# ---------------------------------------------------------------- GET /users/{user_id}/orders


def list_orders(query: dict[str, str] | None, user_id: str = USER_ID) -> tuple[int, dict, Any]:
    event = with_path_param(sample("ListUserOrdersFunction"), "user_id", user_id)
    return call(list_user_orders, with_query(event, query))


def place_several(count: int) -> list[str]:
    ids = []
    for n in range(count):
        status, _, body = place(with_header(sample("PlaceOrderFunction"), "Idempotency-Key", f"key-{n}"))
        assert status == 202
        ids.append(body["id"])
    return ids


def test_list_user_orders_sample_event_lists_newest_first(services):
    ids = place_several(3)

    status, _, body = call(list_user_orders, sample("ListUserOrdersFunction"))

    assert status == 200
    assert [o["id"] for o in body["items"]] == list(reversed(ids))
    assert set(body["items"][0]) == ORDER_FIELDS
    assert body["next_cursor"] is None


def test_list_user_orders_pages_with_the_cursor(services):
    ids = place_several(3)

    _, _, first = list_orders({"limit": "2"})
    _, _, second = list_orders({"limit": "2", "cursor": first["next_cursor"]})

    assert [o["id"] for o in first["items"] + second["items"]] == list(reversed(ids))
    assert second["next_cursor"] is None


@pytest.mark.parametrize("limit", ["1", "100"])
def test_list_user_orders_accepts_limits_from_1_to_100(services, limit):
    place_several(2)

    status, _, body = list_orders({"limit": limit})

    assert status == 200
    assert len(body["items"]) == min(int(limit), 2)


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "-1"}, {"limit": "ten"}],
                         ids=lambda q: q["limit"])
def test_list_user_orders_rejects_limits_out_of_bounds(services, query):
    status, _, body = list_orders(query)

    assert status == 400
    assert error_fields(body) == ["limit"]


def test_list_user_orders_rejects_unknown_query_parameters(services):
    status, _, body = list_orders({"sort": "oldest"})

    assert status == 400
    assert error_fields(body) == ["sort"]


def test_list_user_orders_rejects_another_users_cursor(services):
    place_several(2)
    _, _, theirs = list_orders({"limit": "1"})

    status, _, body = list_orders({"limit": "1", "cursor": theirs["next_cursor"]}, user_id="someone-else")

    assert status == 400
    assert error_fields(body) == ["cursor"]


def test_list_user_orders_of_a_user_without_orders_is_empty(services):
    status, _, body = list_orders(None, user_id="someone-else")

    assert (status, body) == (200, {"items": [], "next_cursor": None})


@pytest.mark.parametrize("user_id", [USER_ID, OTHER_CUSTOMER.user_id], ids=["own", "another's"])
def test_a_customer_listing_orders_by_user_id_is_403(services, user_id):
    place_several(1)
    event = with_path_param(sample("ListUserOrdersFunction"), "user_id", user_id)

    status, _, body = call(list_user_orders, as_caller(event, CUSTOMER))

    assert (status, body["code"]) == (403, "forbidden")


# ---------------------------------------------------------------- GET /users/me/orders


def test_list_my_orders_sample_event_lists_the_callers_orders_only(services):
    mine = place_several(2)
    place(as_caller(sample("PlaceOrderFunction"), OTHER_CUSTOMER))

    status, _, body = call(list_my_orders, sample("ListMyOrdersFunction"))

    assert status == 200
    assert [o["id"] for o in body["items"]] == list(reversed(mine))
    assert {o["user_id"] for o in body["items"]} == {USER_ID}


def test_list_my_orders_refuses_another_customers_cursor(services):
    place_several(2)
    _, _, mine = call(list_my_orders, with_query(sample("ListMyOrdersFunction"), {"limit": "1"}))
    event = with_query(sample("ListMyOrdersFunction"), {"limit": "1", "cursor": mine["next_cursor"]})

    status, _, body = call(list_my_orders, as_caller(event, OTHER_CUSTOMER))

    assert status == 400
    assert error_fields(body) == ["cursor"]


# ---------------------------------------------------------------- POST /orders/{order_id}/cancel


def cancel(order_id: str, caller=CUSTOMER) -> tuple[int, dict, Any]:
    event = with_path_param(sample("CancelOrderFunction"), "order_id", order_id)
    return call(cancel_order, as_caller(event, caller))


def test_cancel_a_pending_order_is_202_and_queues_the_compensation(services):
    _, _, placed = place()

    status, _, body = cancel(placed["id"])

    assert status == 202
    assert (body["status"], body["status_reason"]) == ("CANCELLED", "cancelled by customer")
    assert services.orders.get(placed["id"]).status is OrderStatus.CANCELLED
    [compensation] = services.events.cancelled
    assert (compensation.order_id, compensation.previous_status) == (placed["id"], OrderStatus.PENDING)
    assert [e.status for e in services.events.updated] == [OrderStatus.CANCELLED]


def test_cancel_a_failed_order_is_409(services):
    payload = json.loads(sample("PlaceOrderFunction")["body"]) | {"payment_token": "tok_declined"}
    _, _, placed = place(with_body(sample("PlaceOrderFunction"), payload))
    assert process_order(services, placed["id"]).status is OrderStatus.FAILED

    status, _, body = cancel(placed["id"])

    assert status == 409
    assert body == {"code": "conflict",
                    "message": f"Order {placed['id']} is FAILED and cannot become CANCELLED"}
    assert services.events.cancelled == []


def test_cancelling_again_resends_the_compensation_and_answers_the_cancelled_order(services):
    # A client retrying a cancel whose compensation message may have been lost.
    _, _, placed = place()
    cancel(placed["id"])

    status, _, body = cancel(placed["id"])

    assert (status, body["status"]) == (202, "CANCELLED")
    first, again = services.events.cancelled
    assert again.event_id == first.event_id  # the same change: consumers see it once
    assert (first.previous_status, again.previous_status) == (OrderStatus.PENDING, None)


def test_cancel_sample_event_for_an_unknown_order_is_404(services):
    status, _, body = call(cancel_order, sample("CancelOrderFunction"))

    assert status == 404
    assert body["code"] == "not_found"


def test_another_customer_cancelling_is_404_and_nothing_changes(services):
    _, _, placed = place()
    published = list(services.events.published)

    status, _, body = cancel(placed["id"], OTHER_CUSTOMER)

    assert (status, body) == (404, {"code": "not_found", "message": f"Order {placed['id']} not found"})
    assert services.orders.get(placed["id"]).status is OrderStatus.PENDING
    assert services.events.published == published


def test_staff_cancel_any_order(services):
    _, _, placed = place()

    status, _, body = cancel(placed["id"], STAFF)

    assert (status, body["status"], body["user_id"]) == (202, "CANCELLED", USER_ID)
