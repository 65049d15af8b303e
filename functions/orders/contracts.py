"""Event contracts published by the orders service. Documented in docs/events.md.

Each event is one SQS message whose body is the JSON of one of these models. Consumers
must accept unknown fields (forward compatibility) and check `version`: a breaking
change gets a new version number and both are published during the migration.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from orders.domain import Order, OrderStatus
from shared.contracts import CorrelationId, OrderId
from shared.money import Money


class EventLine(BaseModel):
    product_id: str
    quantity: int = Field(ge=1)


class OrderCreated(BaseModel):
    """`order.created`: a PENDING order was recorded and awaits processing."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["order.created"] = "order.created"
    version: Literal[1] = 1
    event_id: str = Field(description="Unique per event; consumers deduplicate on it")
    occurred_at: datetime
    correlation_id: CorrelationId = Field(description="Follows one order across services and queues")
    order_id: OrderId
    user_id: str
    lines: list[EventLine]
    total: Money

    @classmethod
    def of(cls, order: Order) -> OrderCreated:
        return cls(
            event_id=f"{order.id}:created",
            occurred_at=datetime.now(timezone.utc),
            correlation_id=order.correlation_id,
            order_id=order.id,
            user_id=order.user_id,
            lines=[EventLine(product_id=line.product_id, quantity=line.quantity) for line in order.lines],
            total=order.total,
        )


class OrderUpdated(BaseModel):
    """`order.updated`: an order reached a new status (RESERVED is internal and not published)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["order.updated"] = "order.updated"
    version: Literal[1] = 1
    event_id: str = Field(description="`<order id>:<order version>`: the same change always has the same id")
    occurred_at: datetime
    correlation_id: CorrelationId
    order_id: OrderId
    user_id: str
    status: OrderStatus
    reason: str | None = None
    payment_id: str | None = None
    total: Money

    @classmethod
    def of(cls, order: Order) -> OrderUpdated:
        return cls(
            event_id=f"{order.id}:{order.version}",
            occurred_at=order.updated_at,
            correlation_id=order.correlation_id,
            order_id=order.id,
            user_id=order.user_id,
            status=order.status,
            reason=order.status_reason,
            payment_id=order.payment_id,
            total=order.total,
        )


class OrderCancelled(BaseModel):
    """`order.cancelled`: a customer cancelled; the processor gives back what the order holds.

    Compensation is a message, not a step of the HTTP call, so it is retried until it
    has happened (and lands in the DLQ if it never can).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["order.cancelled"] = "order.cancelled"
    version: Literal[1] = 1
    event_id: str
    occurred_at: datetime
    correlation_id: CorrelationId
    order_id: OrderId
    previous_status: OrderStatus | None = Field(
        default=None, description="What the order was before; null when a cancel is retried"
    )
    payment_id: str | None = None

    @classmethod
    def of(cls, order: Order, previous_status: OrderStatus | None) -> OrderCancelled:
        return cls(
            event_id=f"{order.id}:cancelled",
            occurred_at=order.updated_at,
            correlation_id=order.correlation_id,
            order_id=order.id,
            previous_status=previous_status,
            payment_id=order.payment_id,
        )


# What the order processor consumes from the order events queue.
ProcessorEvent = Annotated[OrderCreated | OrderCancelled, Field(discriminator="type")]
