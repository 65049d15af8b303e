"""The reservation sweep, run by the emulator's scheduler on its own schedule.

On the emulator (samconfig.toml `local`) a reservation is held ReservationTtlSeconds (45 s)
and the sweep runs every minute (AWS default: 15 min, every 5 minutes). An order whose
saga never finishes leaves its stock held; the sweep gives it back, nobody invokes it.

The hold is made at the start of the session (conftest.FIRST) and checked at its end
(conftest.LAST), so the wait for the schedule overlaps the other tests; on its own the
second test simply waits the whole time.
"""
from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.e2e.test_orders import stock, stocked_product
from infra.template import load_template

pytestmark = pytest.mark.emulator_controls(
    "waits for the reservation TTL and sweep schedule samconfig.toml shortens for the emulator")
SWEEP = load_template()["Resources"]["ReservationSweepFunction"]["Properties"]["Events"]["Sweep"]


@pytest.fixture(scope="session")
def abandoned(api, aws, stack) -> str:
    """A product with 2 of its 5 units held by an order that never goes on: the reserve
    command the order processor sends, and then nothing (no commit, no release)."""
    product_id = stocked_product(api, units=5)
    command = {"action": "reserve", "order_id": f"abandoned-{uuid.uuid4().hex}",
               "lines": [{"product_id": product_id, "quantity": 2}]}
    answer = aws.client("lambda").invoke(FunctionName=stack.outputs["InventoryReservationsFunctionName"],
                                         Payload=json.dumps(command).encode())
    assert "FunctionError" not in answer, answer["Payload"].read()
    return product_id


def test_an_abandoned_order_holds_its_stock(api, abandoned):
    assert stock(api, abandoned) == {"product_id": abandoned, "on_hand": 5, "reserved": 2, "available": 3}


def test_the_scheduled_sweep_gives_the_stock_back(api, abandoned):
    assert SWEEP["Type"] == "Schedule"  # nothing but the schedule runs the sweep
    deadline = time.monotonic() + 180  # hold (45 s) + one period (60 s) + the scheduler's tick
    while (current := stock(api, abandoned))["reserved"] and time.monotonic() < deadline:
        time.sleep(2)
    assert current == {"product_id": abandoned, "on_hand": 5, "reserved": 0, "available": 5}
