"""Lambda entry points of the orders API, one per HTTP endpoint (see infra/template.yaml)."""
from __future__ import annotations

from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orders import queries
from orders.domain import Order, OrderLine, OrderStatus, Price
from orders.repository import DynamoDBOrderRepository, OrderPage
from shared.caller import Caller
from shared.errors import Conflict, DependencyUnavailable, FieldError, InvalidInput, Unprocessable
from shared.http import ApiRequest, ApiResponse, lambda_endpoint
from shared.text import Identifier, SingleLineText
from shared.tracing import traced

if TYPE_CHECKING:
    from orders.service import OrderServices

IDEMPOTENCY_HEADER = "Idempotency-Key"

orders = DynamoDBOrderRepository()


class OrderLineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Identifier
    quantity: Annotated[int, Field(ge=1, le=1000, strict=True)]


class PlaceOrderRequest(BaseModel):
    # No customer field: the order is the caller's (a `user_id` sent is an unknown field, 400).
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "lines": [{"product_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "quantity": 2}],
        "payment_token": "tok_visa",
    }]})

    lines: Annotated[list[OrderLineRequest], Field(min_length=1, max_length=50)]
    payment_token: SingleLineText(max_length=128, strip=False)  # type: ignore[valid-type]

    @field_validator("lines")
    @classmethod
    def _one_line_per_product(cls, lines: list[OrderLineRequest]) -> list[OrderLineRequest]:
        products = [line.product_id for line in lines]
        if len(products) != len(set(products)):
            raise ValueError("each product may appear on one line only")
        return lines


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
    total: Price
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


@traced
def place_order(event: dict, context: Any) -> dict:
    # Imported by the one function that places orders, not at import (see orders.idempotency).
    from orders import idempotency

    idempotency.register_lambda_context(context)
    return _place_order(event, context)


@lambda_endpoint(
    body=PlaceOrderRequest,
    headers={IDEMPOTENCY_HEADER: "A unique key of 1 to 255 characters per order: a retry with the "
                                 "same key and body gets the first answer back"},
    responses={202: OrderResponse},
    errors=(409, 422),
)
def _place_order(request: ApiRequest) -> ApiResponse:
    key = request.header(IDEMPOTENCY_HEADER)
    if not key or len(key) > 255:
        raise InvalidInput(f"{IDEMPOTENCY_HEADER} header required",
                           [FieldError(IDEMPOTENCY_HEADER, "A unique key of 1 to 255 characters per order")])
    caller = request.authenticated()
    body = request.parse_body(PlaceOrderRequest)
    from orders import idempotency  # already loaded by place_order

    try:
        stored = idempotency.once(_place_order_once)(
            # Keys are the caller's own: the same key and body from another customer is
            # another order, never a replay of this one's.
            request={"customer_id": caller.user_id, "idempotency_key": key, "body": body.model_dump(mode="json")},
            caller=caller,
            correlation_id=request.correlation_id,
        )
    except idempotency.IdempotencyValidationError:
        raise Unprocessable(f"This {IDEMPOTENCY_HEADER} was used for a different request") from None
    except idempotency.IdempotencyAlreadyInProgressError:
        raise Conflict(f"A request with this {IDEMPOTENCY_HEADER} is in progress, retry shortly") from None
    except idempotency.IdempotencyPersistenceLayerError as error:
        raise DependencyUnavailable("orders table") from error
    # The first answer's very bytes, for the first request and every replay alike.
    location = OrderResponse.model_validate_json(stored).status_url
    return ApiResponse(202, stored, {"Content-Type": "application/json", "Location": location})


# The deployed handler is place_order: it answers with _place_order's contract.
place_order.endpoint_doc = _place_order.endpoint_doc  # type: ignore[attr-defined]


def _use_cases() -> tuple[ModuleType, OrderServices]:
    """orders.service and the services it is wired to, for the functions that change orders.

    Imported on first use, not at import: GetOrder and ListUserOrders, which load this
    module too, only read the orders table and never need the saga's events, the other
    services' contracts or the adapters that call them.
    """
    from orders import service
    from orders.bootstrap import create_services

    return service, create_services()


def _place_order_once(request: dict, caller: Caller, correlation_id: str) -> str:
    """Runs once per customer and Idempotency-Key (`orders.idempotency.once`); a repeat gets this
    return value back.

    The answer's JSON text, not a dict: the store keeps a dict as JSON with its keys
    sorted, so a replay would answer the same order in other bytes than the first time.
    A string is kept as it is."""
    body = PlaceOrderRequest.model_validate(request["body"])
    service, services = _use_cases()
    order = service.place_order(
        services,
        caller,
        lines=[service.RequestedLine(line.product_id, line.quantity) for line in body.lines],
        payment_token=body.payment_token,
        correlation_id=correlation_id,
    )
    return OrderResponse.of(order).model_dump_json()


@lambda_endpoint(responses={200: OrderResponse}, errors=(404,))
def get_order(request: ApiRequest) -> ApiResponse:
    order = queries.get_order(orders, request.authenticated(), request.path_params["order_id"])
    return ApiResponse(200, OrderResponse.of(order))


@lambda_endpoint(query=UserOrdersQuery, responses={200: OrderPageResponse})
def list_my_orders(request: ApiRequest) -> ApiResponse:
    query = request.parse_query(UserOrdersQuery)
    return _page(queries.list_my_orders(orders, request.authenticated(), query.limit, query.cursor))


@lambda_endpoint(query=UserOrdersQuery, responses={200: OrderPageResponse}, errors=(403,))
def list_user_orders(request: ApiRequest) -> ApiResponse:
    caller = request.authenticated()
    query = request.parse_query(UserOrdersQuery)
    return _page(queries.list_orders_of(orders, caller, request.path_params["user_id"], query.limit, query.cursor))


def _page(page: OrderPage) -> ApiResponse:
    return ApiResponse(200, OrderPageResponse(items=[OrderResponse.of(o) for o in page.items],
                                              next_cursor=page.next_cursor))


@lambda_endpoint(responses={202: OrderResponse}, errors=(404, 409))
def cancel_order(request: ApiRequest) -> ApiResponse:
    service, services = _use_cases()
    order = service.cancel_order(services, request.authenticated(), request.path_params["order_id"])
    return ApiResponse(202, OrderResponse.of(order))
