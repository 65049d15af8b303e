"""A burst of orders against a freshly deployed stack, where every worker is still cold.

The first thing a new user does after `make run` may well be a load test. This module
runs first in the e2e session (tests/e2e/conftest.py orders it so): PlaceOrder, the two
lookups it invokes, the processor and the functions it invokes have not started yet.
Each client retries as a careful client does (same Idempotency-Key, on 409 in progress or
a dropped connection); no answer may be a 5xx, and every order must be confirmed. How long
each took to settle after its answer is printed, not asserted (the project asserts no
timings; the goal is 10 s, and on a quiet 2-core machine the slowest order took 2.9-4.5 s
in three runs: docs/emulator.md, row `ReservedConcurrentExecutions`).
"""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import requests

from tests.e2e.test_orders import TERMINAL, stocked_product

CONCURRENT_ORDERS = 32
# How long to wait for the last order to settle before calling it lost (a stuck order
# waits for the queue's 180 s visibility timeout, far beyond this).
SETTLE_WAIT_SECONDS = 60


def test_32_concurrent_cold_orders_get_no_5xx_and_all_settle(api, customer):
    product = stocked_product(api, units=CONCURRENT_ORDERS)
    body = {"payment_token": "tok_visa", "lines": [{"product_id": product, "quantity": 1}]}
    server_errors: list[str] = []  # what each 5xx said, for the failure message

    def place() -> tuple[list[int], dict | None, float]:
        """Every status this client saw, the order it got, and when its last attempt ended."""
        key, statuses, answer = uuid.uuid4().hex, [], None
        for _ in range(10):
            try:
                answer = customer.post("/orders", json=body, headers={"Idempotency-Key": key}, timeout=60)
            except requests.RequestException:
                statuses.append(0)
                continue
            statuses.append(answer.status_code)
            if answer.status_code >= 500:
                server_errors.append(f"{answer.status_code} {answer.text[:300]}")
            if answer.status_code != 409:  # 409: the same key is still in progress
                break
            time.sleep(0.5)
        return statuses, answer.json() if statuses[-1] == 202 else None, time.time()

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENT_ORDERS) as pool:
        results = list(pool.map(lambda _: place(), range(CONCURRENT_ORDERS)))
    seen = [status for statuses, _, _ in results for status in statuses]
    print(f"\ncold burst: {CONCURRENT_ORDERS} orders answered in {time.monotonic() - started:.1f} s, "
          f"statuses {seen}")
    assert not [status for status in seen if status >= 500 or status == 0], (seen, server_errors)
    assert all(order is not None for _, order, _ in results), seen

    # Each order's final state, and how long after its client's last attempt it got there:
    # the order's own updated_at (the emulator runs on this machine's clock), not when this
    # loop, one read at a time, happened to see it.
    pending = {order["id"]: last_attempt for _, order, last_attempt in results}
    settled: dict[str, tuple[str, float]] = {}
    while pending and time.time() < max(pending.values()) + SETTLE_WAIT_SECONDS:
        for order_id, last_attempt in list(pending.items()):
            try:
                order = api.get(f"/orders/{order_id}", timeout=10).json()
            except (requests.RequestException, ValueError):
                continue  # a slow read is not the order's state: ask again
            if order.get("status") in TERMINAL:
                final_at = datetime.fromisoformat(order["updated_at"]).timestamp()
                settled[order_id] = (order["status"], final_at - last_attempt)
                del pending[order_id]
        time.sleep(0.3)
    lags = sorted(round(lag, 1) for _, lag in settled.values())
    print(f"cold burst: seconds from each order's answer to its final state {lags}; never settled {len(pending)}")
    assert not pending, f"{len(pending)} orders not final {SETTLE_WAIT_SECONDS} s after their last attempt"
    assert {status for status, _ in settled.values()} == {"CONFIRMED"}
