"""The order and its state machine. Pure Python and pydantic: nothing here knows about AWS.

    PENDING ──reserve──▶ RESERVED ──confirm──▶ CONFIRMED
       │                    │                      │
       └──fail──▶ FAILED ◀──┘                      │
    PENDING / RESERVED / CONFIRMED ──cancel──▶ CANCELLED

Every transition bumps `version`; the repository saves only if the stored version is
the one this order was read at (optimistic locking), so two writers can't both win.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Conflict, NotFound
from shared.money import Money


class OrderStatus(str, Enum):
    PENDING = "PENDING"
    RESERVED = "RESERVED"
    CONFIRMED = "CONFIRMED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


_ALLOWED = {
    OrderStatus.PENDING: {OrderStatus.RESERVED, OrderStatus.FAILED, OrderStatus.CANCELLED},
    OrderStatus.RESERVED: {OrderStatus.CONFIRMED, OrderStatus.FAILED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.CANCELLED},
    OrderStatus.FAILED: set(),
    OrderStatus.CANCELLED: set(),
}
TERMINAL = frozenset({OrderStatus.CONFIRMED, OrderStatus.FAILED, OrderStatus.CANCELLED})


class OrderNotFound(NotFound):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} not found")
        self.order_id = order_id


class IllegalTransition(Conflict):
    def __init__(self, order_id: str, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(f"Order {order_id} is {current.value} and cannot become {target.value}")
        self.current = current
        self.target = target


class OrderModifiedConcurrently(Conflict):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} was modified concurrently, retry the request")
        self.order_id = order_id


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: str
    sku: str
    name: str
    quantity: Annotated[int, Field(ge=1)]
    unit_price: Money

    @property
    def subtotal(self) -> int:
        return self.unit_price.amount * self.quantity


class Order(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    user_id: str
    lines: list[OrderLine]
    total: Money
    payment_token: str
    status: OrderStatus
    status_reason: str | None = None
    payment_id: str | None = None
    # The id of the request that placed the order: every log line and event about the
    # order carries it, so one order can be followed across functions and queues.
    correlation_id: str
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @classmethod
    def place(cls, user_id: str, lines: list[OrderLine], payment_token: str, correlation_id: str) -> Order:
        """A new PENDING order priced from its lines; all lines share one currency."""
        currencies = {line.unit_price.currency for line in lines}
        if len(currencies) != 1:
            raise ValueError("all lines of an order must be priced in one currency")
        now = datetime.now(timezone.utc)
        return cls(
            id=str(uuid.uuid4()),
            user_id=user_id,
            lines=lines,
            total=Money(amount=sum(line.subtotal for line in lines), currency=currencies.pop()),
            payment_token=payment_token,
            status=OrderStatus.PENDING,
            correlation_id=correlation_id,
            created_at=now,
            updated_at=now,
        )

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def reserve(self) -> Order:
        return self._become(OrderStatus.RESERVED)

    def confirm(self, payment_id: str) -> Order:
        return self._become(OrderStatus.CONFIRMED, payment_id=payment_id)

    def fail(self, reason: str, payment_id: str | None = None) -> Order:
        return self._become(OrderStatus.FAILED, status_reason=reason, payment_id=payment_id or self.payment_id)

    def cancel(self, reason: str = "cancelled by customer") -> Order:
        return self._become(OrderStatus.CANCELLED, status_reason=reason)

    def _become(self, target: OrderStatus, **changes: object) -> Order:
        if target not in _ALLOWED[self.status]:
            raise IllegalTransition(self.id, self.status, target)
        return self.model_copy(
            update={**changes, "status": target, "updated_at": datetime.now(timezone.utc),
                    "version": self.version + 1}
        )
