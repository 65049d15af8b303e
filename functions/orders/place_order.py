"""PlaceOrderFunction: `POST /orders`, once per customer and Idempotency-Key."""
from __future__ import annotations

import functools
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orders import idempotency, service
from orders.api import OrderResponse
from orders.bootstrap import create_services
from orders.settings import PlaceOrderSettings
from shared.caller import Caller
from shared.errors import Conflict, DependencyUnavailable, FieldError, InvalidInput, Unprocessable
from shared.http import ApiRequest, ApiResponse, lambda_endpoint
from shared.text import Identifier, SingleLineText
from shared.tracing import traced

IDEMPOTENCY_HEADER = "Idempotency-Key"

settings = PlaceOrderSettings.from_environ()


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


class IdempotentOrder(BaseModel):
    """What makes two requests the same order: Powertools hashes it as it dumps it (JSON mode).

    Keys are the caller's own: the same key and body from another customer is another
    order, never a replay of this one's (orders.idempotency)."""

    customer_id: str
    idempotency_key: str
    body: PlaceOrderRequest


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
    order = IdempotentOrder(customer_id=caller.user_id, idempotency_key=key, body=request.parse_body(PlaceOrderRequest))
    try:
        stored = _place_order_once(request=order, caller=caller, correlation_id=request.correlation_id)
    except idempotency.IdempotencyValidationError:
        raise Unprocessable(f"This {IDEMPOTENCY_HEADER} was used for a different request") from None
    except idempotency.IdempotencyAlreadyInProgressError:
        raise Conflict(f"A request with this {IDEMPOTENCY_HEADER} is in progress, retry shortly") from None
    except idempotency.IdempotencyPersistenceLayerError as error:
        raise DependencyUnavailable("orders table") from error
    # The first answer's very bytes, for the first request and every replay alike.
    location = OrderResponse.model_validate_json(stored).status_url
    return ApiResponse(202, stored, {"Content-Type": "application/json", "Location": location})


@idempotency.once
def _place_order_once(request: IdempotentOrder, caller: Caller, correlation_id: str) -> str:
    """Runs once per customer and Idempotency-Key; a repeat gets this return value back.

    The answer's JSON text, not a dict: the store keeps a dict as JSON with its keys
    sorted, so a replay would answer the same order in other bytes than the first time.
    A string is kept as it is."""
    order = service.place_order(
        create_services(settings),
        caller,
        lines=[service.RequestedLine(line.product_id, line.quantity) for line in request.body.lines],
        payment_token=request.body.payment_token,
        correlation_id=correlation_id,
    )
    return OrderResponse.of(order).model_dump_json()


# functools.wraps carries _place_order's contract (endpoint_doc) over to the deployed handler.
@traced
@functools.wraps(_place_order)
def place_order(event: dict, context: Any) -> dict:
    idempotency.register_lambda_context(context)
    return _place_order(event, context)
