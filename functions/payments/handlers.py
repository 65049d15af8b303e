"""Lambda entry points of payments, one per HTTP endpoint (see infra/template.yaml)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from payments import service
from payments.contracts import PaymentStatus
from payments.domain import Payment
from payments.bootstrap import create_services
from shared.http import ApiRequest, ApiResponse, lambda_endpoint
from shared.money import Money


class PaymentResponse(BaseModel):
    """A payment as clients see it: the processor's ids stay inside."""

    payment_id: str
    order_id: str
    status: PaymentStatus
    amount: Money
    decline_reason: str | None
    created_at: datetime
    updated_at: datetime
    refunded_at: datetime | None

    @classmethod
    def of(cls, payment: Payment) -> PaymentResponse:
        return cls.model_validate(payment, from_attributes=True)


@lambda_endpoint(responses={200: PaymentResponse}, errors=(404,))
def get_payment(request: ApiRequest) -> ApiResponse:
    payment = service.get_payment(create_services().payments, request.authenticated(),
                                  request.path_params["payment_id"])
    return ApiResponse(200, PaymentResponse.of(payment))
