"""The order saga on the emulator: HTTP in, SQS between the functions, state read back over HTTP.

Each test has a customer of its own (`customer`: the demo key and a fresh person's
token) and its own products, set up by staff (`api`), so tests share one stack without
sharing state.
"""
from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
import requests

from orders.contracts import EventLine, OrderCreated
from shared.money import Money
from infra.dlq import DeadLetter, peek, redrive
from tests.e2e.conftest import Api

TERMINAL = {"CONFIRMED", "FAILED", "CANCELLED"}


# ---------------------------------------------------------------- helpers

def stocked_product(api: Api, units: int, price: int = 1000) -> str:
    sku = f"SAGA-{uuid.uuid4().hex[:12].upper()}"
    answer = api.post("/products", json={"sku": sku, "name": sku, "price": {"amount": price, "currency": "EUR"}})
    assert answer.status_code == 201, answer.text
    product_id = answer.json()["id"]
    assert api.request("PUT", f"/inventory/{product_id}", json={"on_hand": units}).status_code == 200
    return product_id


def place(customer: Api, lines: list[tuple[str, int]], token: str = "tok_visa", key: str | None = None):
    """`customer` orders for themselves: the order is theirs by their token, never by the body."""
    body = {"payment_token": token,
            "lines": [{"product_id": product, "quantity": quantity} for product, quantity in lines]}
    return customer.post("/orders", json=body, headers={"Idempotency-Key": key or uuid.uuid4().hex})


def place_ok(customer: Api, lines: list[tuple[str, int]], token: str = "tok_visa",
             deadline_seconds: float = 120) -> dict:
    """Place an order the way a careful client does: retry timeouts, 409 (in progress) and
    5xx with the SAME Idempotency-Key, which is what makes retrying a POST safe. (A cold
    start on a busy 2-core machine can exceed the function's timeout.)"""
    key = uuid.uuid4().hex
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            answer = place(customer, lines, token, key=key)
            if answer.status_code == 202:
                return answer.json()
            assert answer.status_code in (409, 500, 502, 503, 504), answer.text
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "could not place the order"
        time.sleep(0.5)


def wait_for(api: Api, order_id: str, statuses: set[str] = TERMINAL, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    status = "unknown"
    while True:
        try:
            order = api.get(f"/orders/{order_id}").json()
            status = order["status"]
            if status in statuses:
                return order
        except (requests.RequestException, KeyError, ValueError):
            pass  # a slow or cold read is not the order's state: poll again
        if time.monotonic() > deadline:
            pytest.fail(f"order {order_id} still {status} after {timeout:.0f} s")
        time.sleep(0.3)


def stock(api: Api, product_id: str) -> dict:
    answer = api.get(f"/inventory/{product_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for_stock(api: Api, product_id: str, expected: dict, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        current = stock(api, product_id)
        if all(current[field] == value for field, value in expected.items()):
            return current
        if time.monotonic() > deadline:
            pytest.fail(f"stock of {product_id} is {current}, expected {expected}")
        time.sleep(0.3)


def created_event(order: dict) -> str:
    """The `order.created` message of an order, as the orders service publishes it."""
    return OrderCreated(
        event_id=f"{order['id']}:created", occurred_at=datetime.now(timezone.utc),
        correlation_id=f"e2e-{order['id']}", order_id=order["id"], user_id=order["user_id"],
        lines=[EventLine(product_id=line["product_id"], quantity=line["quantity"]) for line in order["lines"]],
        total=Money(**order["total"]),
    ).model_dump_json()


def dead_letters(aws, stack, timeout: float, wanted: str) -> list[DeadLetter]:
    """What the operator command lists in the order events DLQ, once `wanted` shows up in it."""
    sqs = aws.client("sqs")
    deadline = time.monotonic() + timeout
    while True:
        letters = peek(sqs, stack.outputs["OrderEventsDLQUrl"], hide_seconds=1)
        if any(wanted in letter.body for letter in letters) or time.monotonic() > deadline:
            return letters
        time.sleep(1)


# ---------------------------------------------------------------- the saga

def test_happy_path_confirms_decrements_stock_and_charges_once(api, stack, aws, customer):
    product = stocked_product(api, units=10, price=1250)

    placed = place(customer, [(product, 2)])
    assert placed.status_code == 202
    body = placed.json()
    assert body["status"] == "PENDING"
    assert body["total"] == {"amount": 2500, "currency": "EUR"}  # priced from the catalog
    assert placed.headers["Location"] == body["status_url"] == f"/orders/{body['id']}"

    order = wait_for(api, body["id"])
    assert order["status"] == "CONFIRMED", order
    assert stock(api, product) == {"product_id": product, "on_hand": 8, "reserved": 0, "available": 8}
    payment = customer.get(f"/payments/{order['payment_id']}").json()  # their own payment
    assert (payment["status"], payment["amount"]) == ("CAPTURED", {"amount": 2500, "currency": "EUR"})

    # order.updated reached its consumer, which recorded the customer notification.
    assert notification_subjects(aws, stack, order["id"]) == ["Your order is confirmed"]


def notification_subjects(aws, stack, order_id: str, timeout: float = 30) -> list[str]:
    """What the notifications consumer recorded for an order (it owns that table; tests may look)."""
    deadline = time.monotonic() + timeout
    while True:
        items = aws.client("dynamodb").scan(
            TableName=stack.outputs["NotificationsTableName"], ConsistentRead=True,
            FilterExpression="order_id = :id", ExpressionAttributeValues={":id": {"S": order_id}},
        )["Items"]
        if items or time.monotonic() > deadline:
            return [item["subject"]["S"] for item in items]
        time.sleep(0.3)


def test_declined_card_fails_the_order_and_releases_the_stock(api, customer):
    product = stocked_product(api, units=5)

    order = wait_for(api, place_ok(customer, [(product, 3)], token="tok_declined")["id"])

    assert order["status"] == "FAILED"
    assert "declined" in order["status_reason"]
    assert stock(api, product) == {"product_id": product, "on_hand": 5, "reserved": 0, "available": 5}
    payment = api.get(f"/payments/{order['payment_id']}").json()
    assert payment["status"] == "DECLINED"


def test_out_of_stock_fails_the_order_with_the_reason(api, customer):
    product = stocked_product(api, units=1)

    order = wait_for(api, place_ok(customer, [(product, 2)])["id"])

    assert order["status"] == "FAILED"
    assert order["status_reason"].startswith("out of stock")
    assert order["payment_id"] is None
    assert stock(api, product)["available"] == 1


def test_a_transient_failure_is_retried_until_it_succeeds(api, customer):
    product = stocked_product(api, units=4)

    # tok_flaky: the processor is down on the first attempt, up on the retry.
    order = wait_for(api, place_ok(customer, [(product, 1)], token="tok_flaky")["id"])

    assert order["status"] == "CONFIRMED"
    assert stock(api, product)["on_hand"] == 3


def test_a_lasting_failure_ends_in_the_dlq_and_nothing_is_lost(api, stack, aws, customer):
    product = stocked_product(api, units=4)

    order_id = place_ok(customer, [(product, 1)], token="tok_unavailable")["id"]

    letters = [letter for letter in dead_letters(aws, stack, timeout=120, wanted=order_id) if order_id in letter.body]
    assert letters, "the order.created message never reached the DLQ"
    assert json.loads(letters[0].body)["type"] == "order.created"
    assert letters[0].receive_count >= 1
    # Not failed, not confirmed: the order waits, with its stock held, for a redrive.
    order = api.get(f"/orders/{order_id}").json()
    assert order["status"] == "RESERVED"
    assert stock(api, product)["reserved"] == 1

    # The operator redrives it: the message leaves the DLQ and is processed again.
    time.sleep(1.5)  # let the peek's hidden copies reappear
    sqs = aws.client("sqs")
    moved = redrive(sqs, stack.outputs["OrderEventsDLQUrl"], stack.outputs["OrderEventsQueueUrl"])
    assert moved >= 1
    assert not any(order_id in letter.body for letter in peek(sqs, stack.outputs["OrderEventsDLQUrl"], hide_seconds=1))


def test_a_poison_message_fails_alone_and_the_rest_of_its_batch_is_processed(api, stack, aws, customer):
    product = stocked_product(api, units=10)
    orders = [place_ok(customer, [(product, 1)]) for _ in range(3)]
    poison = f"not an event {uuid.uuid4().hex}"

    aws.client("sqs").send_message_batch(
        QueueUrl=stack.outputs["OrderEventsQueueUrl"],
        Entries=[{"Id": "poison", "MessageBody": poison}]
        + [{"Id": f"copy{n}", "MessageBody": created_event(order)} for n, order in enumerate(orders)],
    )

    for order in orders:
        assert wait_for(api, order["id"])["status"] == "CONFIRMED"
    assert stock(api, product)["on_hand"] == 7  # three orders of one, each taken once

    letters = dead_letters(aws, stack, timeout=120, wanted=poison)
    assert [letter.body for letter in letters if letter.body == poison] == [poison]
    assert not any(order["id"] in letter.body for order in orders for letter in letters)


def test_every_message_delivered_three_times_reserves_and_charges_once(api, stack, aws, customer):
    product = stocked_product(api, units=20, price=700)
    orders = [place_ok(customer, [(product, 2)]) for _ in range(4)]

    # Each order.created already went out once; deliver each twice more, at once.
    aws.client("sqs").send_message_batch(
        QueueUrl=stack.outputs["OrderEventsQueueUrl"],
        Entries=[{"Id": f"o{n}d{copy}", "MessageBody": created_event(order)}
                 for n, order in enumerate(orders) for copy in range(2)],
    )

    confirmed = [wait_for(api, order["id"]) for order in orders]
    assert {order["status"] for order in confirmed} == {"CONFIRMED"}
    time.sleep(3)  # let every duplicate delivery finish before counting
    assert stock(api, product) == {"product_id": product, "on_hand": 12, "reserved": 0, "available": 12}
    for order in confirmed:
        payment = api.get(f"/payments/{order['payment_id']}").json()
        assert (payment["status"], payment["amount"]["amount"]) == ("CAPTURED", 1400)


def test_200_concurrent_orders_for_50_units_confirm_exactly_50(api, customer):
    product = stocked_product(api, units=50)

    def place_one(_: int) -> str:
        return place_ok(customer.copy(), [(product, 1)])["id"]  # a session per thread

    with ThreadPoolExecutor(max_workers=8) as pool:
        order_ids = list(pool.map(place_one, range(200)))

    assert len(set(order_ids)) == 200
    outcomes = [wait_for(api, order_id, timeout=240) for order_id in order_ids]
    statuses = [order["status"] for order in outcomes]
    assert statuses.count("CONFIRMED") == 50
    assert statuses.count("FAILED") == 150
    assert all(o["status_reason"].startswith("out of stock") for o in outcomes if o["status"] == "FAILED")
    assert stock(api, product) == {"product_id": product, "on_hand": 0, "reserved": 0, "available": 0}


# ---------------------------------------------------------------- idempotency

def test_the_same_idempotency_key_gives_the_same_order(api, customer):
    product = stocked_product(api, units=5)
    key = uuid.uuid4().hex

    first = place(customer, [(product, 1)], key=key)
    again = place(customer, [(product, 1)], key=key)

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.content == first.content  # the first answer byte for byte, keys in the same order
    assert again.headers["Location"] == first.headers["Location"]
    assert len(customer.get("/users/me/orders").json()["items"]) == 1


def test_the_same_idempotency_key_with_another_body_is_rejected(api, customer):
    product = stocked_product(api, units=5)
    key = uuid.uuid4().hex
    assert place(customer, [(product, 1)], key=key).status_code == 202

    reused = place(customer, [(product, 2)], key=key)

    assert reused.status_code == 422
    assert reused.json()["code"] == "unprocessable"
    assert len(customer.get("/users/me/orders").json()["items"]) == 1


def test_the_same_idempotency_key_posted_twice_at_once_makes_one_order(api, customer):
    product = stocked_product(api, units=5)
    key = uuid.uuid4().hex

    def post(_: int):
        return place(customer.copy(), [(product, 1)], key=key)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(post, range(2)))

    # Either both see the order, or the second is told the first is still in progress.
    assert sorted(a.status_code for a in answers) in ([202, 202], [202, 409])
    assert len({a.json()["id"] for a in answers if a.status_code == 202}) == 1
    assert len(customer.get("/users/me/orders").json()["items"]) == 1


def test_an_order_needs_an_idempotency_key(customer):
    answer = customer.post("/orders", json={"payment_token": "tok_visa",
                                            "lines": [{"product_id": "x", "quantity": 1}]})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"


def test_bad_orders_name_the_field_and_write_nothing(api, customer):
    product = stocked_product(api, units=5)
    cases = [
        ({"payment_token": "tok_visa", "lines": []}, "lines"),
        ({"payment_token": "tok_visa", "lines": [{"product_id": product, "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": product, "quantity": 1}]}, "payment_token"),
        # The order is the token's person's: naming anyone, even oneself, is refused.
        ({"user_id": customer.user_id, "payment_token": "tok_visa",
          "lines": [{"product_id": product, "quantity": 1}]}, "user_id"),
        ({"payment_token": "tok_visa", "lines": [{"product_id": "missing", "quantity": 1}]}, "lines.0.product_id"),
    ]
    for body, field in cases:
        answer = customer.post("/orders", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
        assert answer.status_code == 400, (body, answer.text)
        assert field in {error["field"] for error in answer.json()["errors"]}, answer.json()
    assert customer.get("/users/me/orders").json()["items"] == []
    assert stock(api, product)["available"] == 5


# ---------------------------------------------------------------- cancel

def test_cancelling_a_confirmed_order_refunds_and_returns_the_stock(api, customer):
    product = stocked_product(api, units=6)
    order = wait_for(api, place_ok(customer, [(product, 2)])["id"])
    assert order["status"] == "CONFIRMED"

    cancelled = customer.post(f"/orders/{order['id']}/cancel")

    assert cancelled.status_code == 202
    assert cancelled.json()["status"] == "CANCELLED"
    wait_for_stock(api, product, {"on_hand": 6, "reserved": 0, "available": 6})
    deadline = time.monotonic() + 30
    while api.get(f"/payments/{order['payment_id']}").json()["status"] != "REFUNDED":
        assert time.monotonic() < deadline, "the payment was never refunded"
        time.sleep(0.3)


def test_cancelling_a_failed_order_is_a_409(api, customer):
    product = stocked_product(api, units=1)
    order = wait_for(api, place_ok(customer, [(product, 1)], token="tok_declined")["id"])
    assert order["status"] == "FAILED"

    answer = customer.post(f"/orders/{order['id']}/cancel")

    assert answer.status_code == 409
    assert api.get(f"/orders/{order['id']}").json()["status"] == "FAILED"


def test_a_users_orders_are_listed_newest_first_and_paginated(api, customer):
    product = stocked_product(api, units=10)
    placed = [place_ok(customer, [(product, 1)])["id"] for _ in range(3)]

    first = customer.get("/users/me/orders", params={"limit": 2}).json()
    second = customer.get("/users/me/orders", params={"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [o["id"] for o in first["items"] + second["items"]] == list(reversed(placed))
    assert second["next_cursor"] is None
