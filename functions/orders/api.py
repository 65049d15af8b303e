"""The orders API's request and response models that more than one orders function answers with."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from orders.domain import Order, OrderLine, OrderStatus
from orders.repository import OrderPage
from shared.http import ApiResponse
from shared.money import Money


class UserOrdersQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: Annotated[int, Field(ge=1, le=100)] = 20
    cursor: str | None = None


class OrderResponse(BaseModel):
    id: str
    user_id: str
    status: OrderStatus
    status_reason: str | None
    lines: list[OrderLine]
    total: Money
    payment_id: str | None
    created_at: datetime
    updated_at: datetime
    status_url: str

    @classmethod
    def of(cls, order: Order) -> OrderResponse:
        return cls(**order.model_dump(include=set(cls.model_fields) - {"status_url"}),
                   status_url=f"/orders/{order.id}")


class OrderPageResponse(BaseModel):
    items: list[OrderResponse]
    next_cursor: str | None


def page_response(page: OrderPage) -> ApiResponse:
    return ApiResponse(200, OrderPageResponse(items=[OrderResponse.of(o) for o in page.items],
                                              next_cursor=page.next_cursor))
