"""Inventory use cases. They talk to the repository port, never to DynamoDB.

The reservation commands are idempotent: each is keyed by the order id, and a
reservation only moves forward (see inventory.domain), so a repeat finds it already
moved and changes nothing. What a repeat answers:

  reserve  RESERVED while the stock is held or committed (the first reserve took
           effect); RELEASED or RESTOCKED once the order's stock went back, so the
           caller never proceeds on a hold that has expired.
  release  NOTHING_TO_DO: nothing is held (never reserved, already released, or
           committed, which only restock undoes).
  commit   COMMITTED again, so a caller retrying after a lost answer learns it worked;
           NOTHING_TO_DO if nothing is held (never reserved, released or expired).
  restock  RESTOCKED again; NOTHING_TO_DO unless the order was committed.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from inventory.catalog import AbstractCatalog
from inventory.contracts import InventoryCommandResult
from inventory.domain import (
    COMMIT,
    RELEASE,
    RESTOCK,
    Line,
    OutOfStock,
    Reservation,
    ReservationExists,
    ReservationStatus,
    StockItem,
    Transition,
    UnknownProduct,
)
from inventory.repository import AbstractStockRepository
from shared.caller import Caller

# Outcome of a reserve repeated against the reservation the first one left.
_REPEATED_RESERVE_OUTCOME = {
    ReservationStatus.RESERVED: "RESERVED",
    ReservationStatus.COMMITTED: "RESERVED",
    ReservationStatus.RELEASED: "RELEASED",
    ReservationStatus.RESTOCKED: "RESTOCKED",
}
# Transitions whose repeat answers as the first did (rather than NOTHING_TO_DO).
_REPEAT_ANSWERS_AGAIN = frozenset({COMMIT.name, RESTOCK.name})


def set_stock(
    stock: AbstractStockRepository, catalog: AbstractCatalog, caller: Caller, product_id: str, on_hand: int
) -> StockItem:
    """Set what is on hand (staff only), for a product of the catalog only (nothing is stored otherwise)."""
    caller.require_staff()
    if not catalog.has_product(product_id):
        raise UnknownProduct(product_id)
    return stock.set_on_hand(product_id, on_hand)


def get_stock(stock: AbstractStockRepository, product_id: str) -> StockItem:
    return stock.get(product_id)


def reserve(
    stock: AbstractStockRepository, order_id: str, lines: Iterable[Line], *, now: datetime, ttl: timedelta
) -> InventoryCommandResult:
    # Hold first, read only if the order already has a reservation: the hold is conditioned
    # on there being none, so a first reserve (nearly every one) costs one write, no read.
    try:
        stock.hold(Reservation.hold(order_id, lines, now, ttl))
        return _result(order_id, "RESERVED")
    except OutOfStock as error:
        return _result(order_id, "OUT_OF_STOCK", error.product_ids)
    except ReservationExists:
        # A repeat, or a concurrent copy of this command got there first: answer from what it left.
        existing = stock.get_reservation(order_id)
        if existing is None:
            raise RuntimeError(f"Reservation {order_id} vanished right after it was made") from None
    return _result(order_id, _REPEATED_RESERVE_OUTCOME[existing.status])


def release(stock: AbstractStockRepository, order_id: str, *, now: datetime) -> InventoryCommandResult:
    return _move(stock, order_id, RELEASE, now)


def commit(stock: AbstractStockRepository, order_id: str, *, now: datetime) -> InventoryCommandResult:
    return _move(stock, order_id, COMMIT, now)


def restock(stock: AbstractStockRepository, order_id: str, *, now: datetime) -> InventoryCommandResult:
    return _move(stock, order_id, RESTOCK, now)


def release_expired(stock: AbstractStockRepository, *, now: datetime, limit: int) -> list[str]:
    """Release up to `limit` reservations past their expiry; the ids of the orders released.

    Exactly what `release` does, so a reservation committed or released meanwhile (by
    its order, or by a concurrent sweep) is left alone.
    """
    released = []
    for reservation in stock.expired_reservations(now, limit):
        if reservation.is_expired(now) and stock.move(reservation, RELEASE, now):
            released.append(reservation.order_id)
    return released


def _move(
    stock: AbstractStockRepository, order_id: str, transition: Transition, now: datetime
) -> InventoryCommandResult:
    # If another command moves the reservation between our read and our write, the next
    # pass sees where it went and answers from that. A reservation moves forward at most
    # twice, so a third pass is never needed.
    for _ in range(3):
        reservation = stock.get_reservation(order_id)
        if reservation is None:
            return _result(order_id, "NOTHING_TO_DO")
        if reservation.status is transition.target and transition.name in _REPEAT_ANSWERS_AGAIN:
            return _result(order_id, transition.target.value)
        if not reservation.can(transition):
            return _result(order_id, "NOTHING_TO_DO")
        if stock.move(reservation, transition, now):
            return _result(order_id, transition.target.value)
    raise RuntimeError(f"Reservation {order_id} keeps changing under {transition.name}")


def _result(order_id: str, outcome: str, unavailable: list[str] | None = None) -> InventoryCommandResult:
    return InventoryCommandResult(order_id=order_id, outcome=outcome,
                                  unavailable_product_ids=unavailable or [])
