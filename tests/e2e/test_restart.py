"""The session's emulator stopped and started again (same port, same state dir), as
`make run` does between two runs: the data is still there and the stack still works.

Runs last (conftest.LAST): the restart brings every worker back cold.
"""
from __future__ import annotations

import gc

import pytest

from infra.deploy import describe
from tests.e2e.test_orders import place_ok, stocked_product, wait_for


@pytest.mark.emulator_controls("stops the session's emulator and starts it again")
def test_orders_users_stock_payments_and_keys_survive_a_restart(emulator, stack, api, customer, anonymous, aws):
    """People too: the customer's token, signed by keys in the state dir, still works."""
    assert customer.get("/users/me").status_code == 200
    user_id = customer.user_id
    product_id = stocked_product(api, units=5)
    placed = place_ok(customer, [(product_id, 2)])
    order = wait_for(api, placed["id"])
    assert order["status"] == "CONFIRMED", order
    before = {
        "order": order,
        "user": api.get(f"/users/{user_id}").json(),
        "orders of the user": api.get(f"/users/{user_id}/orders").json(),
        "their own orders": customer.get("/users/me/orders").json(),
        "product": api.get(f"/products/{product_id}").json(),
        "stock": api.get(f"/inventory/{product_id}").json(),
        "payment": api.get(f"/payments/{order['payment_id']}").json(),
    }
    queues = {name: url for name, url in stack.outputs.items() if name.endswith("QueueUrl")}

    # Connections a client keeps open delay a TLS server's shutdown (Emulator.stop).
    api.http.close()
    customer.http.close()
    anonymous.http.close()
    gc.collect()
    emulator.stop()
    emulator.start()

    # Nothing redeployed: the same stack, API id and key, read from the outputs as always.
    assert describe(emulator.endpoint, stack.stack_name) == stack
    after = {
        "order": api.get(f"/orders/{order['id']}").json(),
        "user": api.get(f"/users/{user_id}").json(),
        "orders of the user": api.get(f"/users/{user_id}/orders").json(),
        "their own orders": customer.get("/users/me/orders").json(),
        "product": api.get(f"/products/{product_id}").json(),
        "stock": api.get(f"/inventory/{product_id}").json(),
        "payment": api.get(f"/payments/{order['payment_id']}").json(),
    }
    assert after == before
    sqs = aws.client("sqs")
    assert all(sqs.get_queue_attributes(QueueUrl=url)["Attributes"] for url in queues.values())

    # The saga still runs end to end: the queues' mappings and the functions came back.
    again = wait_for(api, place_ok(customer, [(product_id, 1)])["id"])
    assert again["status"] == "CONFIRMED", again
    assert api.get(f"/inventory/{product_id}").json()["on_hand"] == before["stock"]["on_hand"] - 1
