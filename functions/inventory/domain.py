"""Stock rules. Pure Python and pydantic: nothing here knows about AWS.

Per product: `on_hand` units in the warehouse, `reserved` of them held for open orders,
and `available = on_hand - reserved` free to sell. None of them ever goes below zero.

An order's hold is a `Reservation` that only moves forward:

    RESERVED --release--> RELEASED          (payment declined, cancelled, or expired)
    RESERVED --commit---> COMMITTED --restock--> RESTOCKED

Each move changes the stock of every line by a fixed amount per unit (`Transition`),
and happens at most once: a repeated command finds the reservation already moved on.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.contracts import OrderId
from shared.errors import Conflict, NotFound

ProductId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MAX_ON_HAND = 1_000_000_000

# An order that never completes gives its stock back after this long.
DEFAULT_RESERVATION_TTL = timedelta(minutes=15)
# Finished reservations (released, restocked) are kept this long, then purged: a command
# repeated within it is still recognised as a repeat.
FINISHED_RESERVATION_RETENTION = timedelta(days=30)


class StockNotFound(NotFound):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"No stock recorded for product {product_id}")
        self.product_id = product_id


class UnknownProduct(NotFound):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} is not in the catalog: stock is kept for catalog products only")
        self.product_id = product_id


class OnHandBelowReserved(Conflict):
    def __init__(self, product_id: str, on_hand: int, reserved: int) -> None:
        super().__init__(
            f"Cannot set on hand of product {product_id} to {on_hand}: "
            f"{reserved} units are reserved for open orders"
        )
        self.product_id = product_id
        self.on_hand = on_hand
        self.reserved = reserved


class OutOfStock(Conflict):
    """Some lines of a reservation cannot be held: nothing was held."""

    def __init__(self, product_ids: Iterable[str]) -> None:
        self.product_ids = sorted(set(product_ids))
        super().__init__(f"Not enough stock for products {', '.join(self.product_ids)}")


class ReservationExists(Conflict):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} already has a reservation")
        self.order_id = order_id


class StockItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: ProductId
    on_hand: int = Field(ge=0)
    reserved: int = Field(ge=0)
    available: int = Field(ge=0)

    @model_validator(mode="after")
    def _balanced(self) -> StockItem:
        if self.available != self.on_hand - self.reserved:
            raise ValueError("available must equal on_hand - reserved")
        return self


class Line(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: ProductId
    quantity: int = Field(ge=1)


@dataclass(frozen=True)
class StockChange:
    """How much one product's counters move (signed deltas)."""

    product_id: str
    on_hand: int
    reserved: int
    available: int


@dataclass(frozen=True)
class Movement:
    """What one unit of a line does to the stock counters."""

    on_hand: int
    reserved: int
    available: int

    def changes(self, lines: Iterable[Line]) -> list[StockChange]:
        return [
            StockChange(
                product_id=line.product_id,
                on_hand=self.on_hand * line.quantity,
                reserved=self.reserved * line.quantity,
                available=self.available * line.quantity,
            )
            for line in lines
        ]


# Holding stock takes it from available into reserved; only this one can fail
# (when available would go below zero).
HOLD = Movement(on_hand=0, reserved=+1, available=-1)


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"
    RELEASED = "RELEASED"
    COMMITTED = "COMMITTED"
    RESTOCKED = "RESTOCKED"


_FINISHED = frozenset({ReservationStatus.RELEASED, ReservationStatus.RESTOCKED})


@dataclass(frozen=True)
class Transition:
    name: str
    source: ReservationStatus
    target: ReservationStatus
    movement: Movement


# The order gives its held stock back.
RELEASE = Transition("release", ReservationStatus.RESERVED, ReservationStatus.RELEASED,
                     Movement(on_hand=0, reserved=-1, available=+1))
# The held stock leaves the warehouse; available was already reduced when it was held.
COMMIT = Transition("commit", ReservationStatus.RESERVED, ReservationStatus.COMMITTED,
                    Movement(on_hand=-1, reserved=-1, available=0))
# Stock that left with a cancelled order comes back and can be sold again.
RESTOCK = Transition("restock", ReservationStatus.COMMITTED, ReservationStatus.RESTOCKED,
                     Movement(on_hand=+1, reserved=0, available=+1))


class Reservation(BaseModel):
    """The stock one order holds, keyed by the order id (at most one per order)."""

    model_config = ConfigDict(frozen=True)

    order_id: OrderId
    lines: tuple[Line, ...] = Field(min_length=1)
    status: ReservationStatus
    reserved_at: datetime
    updated_at: datetime
    # Meaningful while RESERVED: past it, the sweep releases the reservation.
    expires_at: datetime
    # Set once the reservation is finished: the table may delete it after this.
    purge_at: datetime | None = None

    @model_validator(mode="after")
    def _one_line_per_product(self) -> Reservation:
        product_ids = [line.product_id for line in self.lines]
        if len(product_ids) != len(set(product_ids)):
            raise ValueError("a reservation holds one line per product")
        return self

    @classmethod
    def hold(cls, order_id: str, lines: Iterable[Line], now: datetime, ttl: timedelta) -> Reservation:
        """A new reservation. Lines for the same product are merged (one stock update each)."""
        quantities: dict[str, int] = {}
        for line in lines:
            quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
        return cls(
            order_id=order_id,
            lines=tuple(Line(product_id=p, quantity=q) for p, q in quantities.items()),
            status=ReservationStatus.RESERVED,
            reserved_at=now,
            updated_at=now,
            expires_at=now + ttl,
        )

    @property
    def product_ids(self) -> list[str]:
        return [line.product_id for line in self.lines]

    def holding_changes(self) -> list[StockChange]:
        return HOLD.changes(self.lines)

    def is_expired(self, now: datetime) -> bool:
        return self.status is ReservationStatus.RESERVED and self.expires_at <= now

    def can(self, transition: Transition) -> bool:
        return self.status is transition.source

    def moved(self, transition: Transition, now: datetime) -> Reservation:
        """The reservation after `transition`; ValueError if it is not in the transition's source state."""
        if not self.can(transition):
            raise ValueError(f"cannot {transition.name} a {self.status} reservation")
        target = transition.target
        purge_at = now + FINISHED_RESERVATION_RETENTION if target in _FINISHED else None
        return self.model_copy(update={"status": target, "updated_at": now, "purge_at": purge_at})

    def stock_changes(self, transition: Transition) -> list[StockChange]:
        return transition.movement.changes(self.lines)
