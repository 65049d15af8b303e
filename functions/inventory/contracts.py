"""What other services may ask of inventory, through `InventoryReservationsFunction`.

The orders processor invokes that function (Lambda Invoke, RequestResponse) with one
`InventoryCommand` and gets an `InventoryCommandResult` back. Every command is keyed by
the order id and idempotent: sending it twice has the effect of sending it once.
A transient failure makes the function raise (the invoke reports a FunctionError),
so the caller retries; a business outcome (out of stock) is a normal result.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import CorrelationId, OrderId


class StockLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    product_id: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=1000)]


class ReserveStock(BaseModel):
    """Hold stock for every line, all or nothing. Available stock never goes below zero."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["reserve"] = "reserve"
    order_id: OrderId
    lines: Annotated[list[StockLine], Field(min_length=1, max_length=50)]
    correlation_id: CorrelationId | None = None


class ReleaseStock(BaseModel):
    """Give back what the order holds (payment declined, order cancelled before confirmation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["release"] = "release"
    order_id: OrderId
    correlation_id: CorrelationId | None = None


class CommitStock(BaseModel):
    """The order is confirmed: its held stock leaves the warehouse (on hand goes down)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["commit"] = "commit"
    order_id: OrderId
    correlation_id: CorrelationId | None = None


class RestockOrder(BaseModel):
    """A confirmed order was cancelled: its committed stock returns to on hand."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["restock"] = "restock"
    order_id: OrderId
    correlation_id: CorrelationId | None = None


InventoryCommand = Annotated[
    ReserveStock | ReleaseStock | CommitStock | RestockOrder, Field(discriminator="action")
]

Outcome = Literal["RESERVED", "OUT_OF_STOCK", "RELEASED", "COMMITTED", "RESTOCKED", "NOTHING_TO_DO"]


class InventoryCommandResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_id: OrderId
    outcome: Outcome
    # With OUT_OF_STOCK: the products that could not be held (unknown products included).
    unavailable_product_ids: list[str] = []
