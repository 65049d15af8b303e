"""A burst of orders against a freshly deployed stack, where every worker is still cold.

The first thing a new user does after `make run` may well be a load test. This module
runs first in the e2e session (tests/e2e/conftest.py orders it so): PlaceOrder, the two
lookups it invokes, the processor and the functions it invokes have not started yet.
Each client retries as a careful client does (same Idempotency-Key, on 409 in progress or
a dropped connection); no answer may be a 5xx, and each order must reach a final state
soon after its last attempt.
"""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.e2e.test_orders import TERMINAL, new_user, stocked_product, wait_for

CONCURRENT_ORDERS = 32
# An order's final state, at most this long after its client's last attempt (the goal).
SETTLE_SECONDS = 10


def test_32_concurrent_cold_orders_get_no_5xx_and_all_settle(api):
    user = new_user(api)
    product = stocked_product(api, units=CONCURRENT_ORDERS)
    body = {"user_id": user, "payment_token": "tok_visa", "lines": [{"product_id": product, "quantity": 1}]}

    def place() -> tuple[list[int], dict | None, float]:
        """Every status this client saw, the order it got, and when its last attempt ended."""
        key, statuses = uuid.uuid4().hex, []
        for _ in range(10):
            try:
                answer = api.post("/orders", json=body, headers={"Idempotency-Key": key}, timeout=60)
            except requests.RequestException:
                statuses.append(0)
                continue
            statuses.append(answer.status_code)
            if answer.status_code != 409:  # 409: the same key is still in progress
                break
            time.sleep(0.5)
        return statuses, answer.json() if statuses[-1] == 202 else None, time.monotonic()

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENT_ORDERS) as pool:
        results = list(pool.map(lambda _: place(), range(CONCURRENT_ORDERS)))
    answered = time.monotonic()
    seen = [status for statuses, _, _ in results for status in statuses]
    print(f"\ncold burst: {CONCURRENT_ORDERS} orders answered in {answered - started:.1f} s, statuses {seen}")

    assert not [status for status in seen if status >= 500 or status == 0], seen
    assert all(order is not None for _, order, _ in results), seen
    for _, order, last_attempt in results:
        remaining = max(1.0, SETTLE_SECONDS - (time.monotonic() - last_attempt))
        assert wait_for(api, order["id"], TERMINAL, timeout=remaining)["status"] == "CONFIRMED"
    print(f"cold burst: all settled {time.monotonic() - answered:.1f} s after the last answer")
