"""`InventoryReservationsFunction`: what other services ask of inventory (see inventory.contracts).

Invoked directly (Lambda Invoke) by the orders processor with an `InventoryCommand`,
not through API Gateway.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from inventory import service
from inventory.bootstrap import create_services
from inventory.contracts import (
    CommitStock,
    InventoryCommand,
    InventoryCommandResult,
    ReleaseStock,
    ReserveStock,
    RestockOrder,
)
from inventory.domain import DEFAULT_RESERVATION_TTL, Line
from shared.invocation import lambda_command
from shared.tracing import traced

def _reservation_ttl() -> timedelta:
    raw = os.environ.get("RESERVATION_TTL_SECONDS", "").strip()
    if not raw:
        return DEFAULT_RESERVATION_TTL
    if not raw.isdigit() or int(raw) <= 0:
        raise RuntimeError(f"RESERVATION_TTL_SECONDS must be a positive number of seconds, not {raw!r}")
    return timedelta(seconds=int(raw))


RESERVATION_TTL = _reservation_ttl()


@traced
@lambda_command(InventoryCommand)
def handle_inventory_command(
    command: ReserveStock | ReleaseStock | CommitStock | RestockOrder,
) -> InventoryCommandResult:
    # A DependencyUnavailable propagates: the invoke fails and the caller retries the command.
    now = datetime.now(timezone.utc)
    stock = create_services().stock
    match command:
        case ReserveStock(order_id=order_id, lines=lines):
            held = [Line(product_id=line.product_id, quantity=line.quantity) for line in lines]
            return service.reserve(stock, order_id, held, now=now, ttl=RESERVATION_TTL)
        case ReleaseStock(order_id=order_id):
            return service.release(stock, order_id, now=now)
        case CommitStock(order_id=order_id):
            return service.commit(stock, order_id, now=now)
        case RestockOrder(order_id=order_id):
            return service.restock(stock, order_id, now=now)
    raise TypeError(f"Unknown inventory command {command!r}")
