"""One order's trail on the emulator: the functions' CloudWatch Logs, joined by correlation id."""
from __future__ import annotations

import time

from infra.trail import order_trail, render, stack_functions
from tests.e2e.test_orders import stocked_product, wait_for

TRAIL_FUNCTIONS = ["PlaceOrderFunction", "OrderProcessorFunction", "InventoryReservationsFunction",
                   "PaymentCommandsFunction", "NotificationsFunction"]


def test_the_trail_of_an_order_follows_its_correlation_id_through_every_function(api, customer, stack, aws):
    product = stocked_product(api, units=5)
    correlation_id = f"e2e-trail-{time.time_ns()}"

    placed = customer.post("/orders", json={"payment_token": "tok_visa",
                                            "lines": [{"product_id": product, "quantity": 1}]},
                           headers={"Idempotency-Key": correlation_id, "x-correlation-id": correlation_id})
    assert placed.status_code == 202, placed.text
    order_id = placed.json()["id"]
    assert wait_for(api, order_id)["status"] == "CONFIRMED"

    functions = stack_functions(aws, stack.stack_name)
    deadline = time.monotonic() + 60
    while True:  # the notification is written after the order is confirmed
        lines = order_trail(aws.client("logs"), functions, order_id)
        if {line.function for line in lines} >= set(TRAIL_FUNCTIONS) or time.monotonic() > deadline:
            break
        time.sleep(1)

    print(render(order_id, lines))
    assert {line.function for line in lines} >= set(TRAIL_FUNCTIONS), render(order_id, lines)
    assert {line.correlation_id for line in lines} == {correlation_id}
    assert [line.timestamp for line in lines] == sorted(line.timestamp for line in lines)
    first = {}
    for position, line in enumerate(lines):
        first.setdefault(line.function, position)
    # The processor, which invokes inventory then payments; the notification last: each
    # line is caused by the one before. PlaceOrder logs once its event is out, so a warm
    # processor may log the event's receipt a millisecond before PlaceOrder's own line.
    assert (first["OrderProcessorFunction"] < first["InventoryReservationsFunction"]
            < first["PaymentCommandsFunction"] < first["NotificationsFunction"])
    [access] = [line for line in lines if line.function == "PlaceOrderFunction" and line.message == "request"]
    assert (access.status, access.order_id) == ("202", order_id)
