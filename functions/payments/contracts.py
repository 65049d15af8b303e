"""What other services may ask of payments, through `PaymentCommandsFunction`.

The orders processor invokes that function (Lambda Invoke, RequestResponse) with one
`PaymentCommand` and gets a `PaymentResult` back. Charges and refunds are keyed by the
order id: charging an order twice charges it once, refunding twice refunds once.
A transient processor failure makes the function raise (the invoke reports a
FunctionError), so the caller retries; a decline is a normal result.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import CorrelationId, OrderId
from shared.money import Money
# The person the order is for (their `sub`): the one customer who may read the payment.
CustomerId = Annotated[str, Field(min_length=1, max_length=64)]


class ChargeOrder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["charge"] = "charge"
    order_id: OrderId
    amount: Money
    payment_token: Annotated[str, Field(min_length=1, max_length=128)]
    # Optional: one stack update replaces the orders processor and this function in no
    # set order, so a charge may still come from a processor that did not send it. Its
    # payment has no customer, and only staff read it.
    customer_id: CustomerId | None = None
    correlation_id: CorrelationId | None = None


class RefundOrder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["refund"] = "refund"
    order_id: OrderId
    correlation_id: CorrelationId | None = None


PaymentCommand = Annotated[ChargeOrder | RefundOrder, Field(discriminator="action")]

PaymentStatus = Literal["CAPTURED", "DECLINED", "REFUNDED"]


class PaymentResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    payment_id: str
    order_id: OrderId
    status: PaymentStatus
    amount: Money
    decline_reason: str | None = None
