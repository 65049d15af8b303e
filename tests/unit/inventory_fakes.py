"""An in-memory inventory repository, for service tests.

It keeps the contract the DynamoDB adapter keeps: tests/unit/test_inventory_repository.py
runs the same tests against both.
"""
from __future__ import annotations

from datetime import datetime

from inventory.domain import (
    OnHandBelowReserved,
    OutOfStock,
    Reservation,
    ReservationExists,
    StockItem,
    StockNotFound,
    Transition,
)
from inventory.catalog import AbstractCatalog
from inventory.repository import AbstractStockRepository
from shared.errors import DependencyUnavailable


class FakeStockRepository(AbstractStockRepository):
    def __init__(self) -> None:
        self.items: dict[str, StockItem] = {}
        self.reservations: dict[str, Reservation] = {}

    def set_on_hand(self, product_id: str, on_hand: int) -> StockItem:
        # The adapter's conditional update: reserved units stay, available is recomputed.
        reserved = self.items[product_id].reserved if product_id in self.items else 0
        if on_hand < reserved:
            raise OnHandBelowReserved(product_id, on_hand, reserved)
        item = StockItem(product_id=product_id, on_hand=on_hand, reserved=reserved, available=on_hand - reserved)
        self.items[product_id] = item
        return item

    def get(self, product_id: str) -> StockItem:
        try:
            return self.items[product_id]
        except KeyError:
            raise StockNotFound(product_id) from None

    def get_reservation(self, order_id: str) -> Reservation | None:
        return self.reservations.get(order_id)

    def hold(self, reservation: Reservation) -> None:
        if reservation.order_id in self.reservations:
            raise ReservationExists(reservation.order_id)
        unavailable = [
            line.product_id
            for line in reservation.lines
            if line.product_id not in self.items or self.items[line.product_id].available < line.quantity
        ]
        if unavailable:
            raise OutOfStock(unavailable)
        self._change(reservation.holding_changes())
        self.reservations[reservation.order_id] = reservation

    def move(self, reservation: Reservation, transition: Transition, now: datetime) -> bool:
        stored = self.reservations.get(reservation.order_id)
        if stored is None or not stored.can(transition):
            return False
        self._change(stored.stock_changes(transition))
        self.reservations[reservation.order_id] = stored.moved(transition, now)
        return True

    def expired_reservations(self, now: datetime, limit: int) -> list[Reservation]:
        expired = [r for r in self.reservations.values() if r.is_expired(now)]
        return sorted(expired, key=lambda r: r.expires_at)[:limit]

    def _change(self, changes) -> None:
        for change in changes:
            # The adapter's counter updates (ADD on each attribute).
            item = self.items[change.product_id]
            self.items[change.product_id] = StockItem(
                product_id=item.product_id, on_hand=item.on_hand + change.on_hand,
                reserved=item.reserved + change.reserved, available=item.available + change.available)


class FakeCatalog(AbstractCatalog):
    """The catalog as inventory asks it: the products it has, or down (DependencyUnavailable)."""

    def __init__(self, *product_ids: str) -> None:
        self.product_ids = set(product_ids)
        self.down = False
        self.asked: list[str] = []

    def has_product(self, product_id: str) -> bool:
        self.asked.append(product_id)
        if self.down:
            raise DependencyUnavailable("catalog")
        return product_id in self.product_ids
