"""Payment rules. Pure Python and pydantic: nothing here knows about AWS.

One payment per order. Its id is derived from the order id (`pay_<order_id>`), so the
id is known before the charge is made, never changes, and `GET /payments/{payment_id}`
finds the payment with one key lookup (no index).
"""
from __future__ import annotations

from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict, model_validator

from payments.contracts import PaymentStatus
from shared.errors import Conflict, NotFound
from shared.money import Money

PAYMENT_ID_PREFIX = "pay_"


def payment_id_for(order_id: str) -> str:
    return f"{PAYMENT_ID_PREFIX}{order_id}"


def order_id_of(payment_id: str) -> str | None:
    """The order a payment id belongs to, or None if it is not a payment id at all."""
    order_id = payment_id.removeprefix(PAYMENT_ID_PREFIX)
    return order_id if order_id and order_id != payment_id else None


def charge_key(order_id: str) -> str:
    """Idempotency key of an order's charge: a retried charge is the same charge."""
    return f"{order_id}:charge"


def refund_key(order_id: str) -> str:
    """Idempotency key of an order's refund: a retried refund is the same refund."""
    return f"{order_id}:refund"


class PaymentNotFound(NotFound):
    def __init__(self, payment_id: str) -> None:
        super().__init__(f"Payment {payment_id} not found")
        self.payment_id = payment_id


class PaymentAlreadyExists(Conflict):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} already has a payment")
        self.order_id = order_id


class PaymentModifiedConcurrently(Conflict):
    def __init__(self, payment_id: str) -> None:
        super().__init__(f"Payment {payment_id} was modified concurrently, retry the request")
        self.payment_id = payment_id


class Payment(BaseModel):
    model_config = ConfigDict(frozen=True)

    payment_id: str
    order_id: str
    # The order's customer; None on a payment charged before charges carried it (staff read those).
    customer_id: str | None = None
    status: PaymentStatus
    amount: Money
    decline_reason: str | None = None
    # The processor's ids: what a refund (or a support agent) needs to find the money.
    processor_charge_id: str | None = None
    processor_refund_id: str | None = None
    created_at: datetime
    updated_at: datetime
    refunded_at: datetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Payment:
        if self.payment_id != payment_id_for(self.order_id):
            raise ValueError("payment_id must be derived from order_id")
        if (self.status == "DECLINED") != (self.decline_reason is not None):
            raise ValueError("a declined payment, and only a declined one, has a decline_reason")
        if self.status != "DECLINED" and self.processor_charge_id is None:
            raise ValueError("a captured payment has a processor_charge_id")
        if (self.status == "REFUNDED") != (self.refunded_at is not None):
            raise ValueError("a refunded payment, and only a refunded one, has refunded_at")
        return self

    @classmethod
    def captured(cls, order_id: str, customer_id: str | None, amount: Money,
                 processor_charge_id: str) -> Payment:
        now = _now()
        return cls(payment_id=payment_id_for(order_id), order_id=order_id, customer_id=customer_id,
                   status="CAPTURED",
                   amount=amount, processor_charge_id=processor_charge_id,
                   created_at=now, updated_at=now)

    @classmethod
    def declined(cls, order_id: str, customer_id: str | None, amount: Money, reason: str,
                 processor_charge_id: str | None = None) -> Payment:
        now = _now()
        return cls(payment_id=payment_id_for(order_id), order_id=order_id, customer_id=customer_id,
                   status="DECLINED",
                   amount=amount, decline_reason=reason, processor_charge_id=processor_charge_id,
                   created_at=now, updated_at=now)

    @property
    def refundable(self) -> bool:
        """Only captured money can go back; a declined charge took nothing."""
        return self.status == "CAPTURED"

    def refunded(self, processor_refund_id: str) -> Payment:
        if not self.refundable:
            raise ValueError(f"a {self.status} payment cannot be refunded")
        now = _now()
        return self.model_copy(update={"status": "REFUNDED", "processor_refund_id": processor_refund_id,
                                       "refunded_at": now, "updated_at": now})


def _now() -> datetime:
    return datetime.now(timezone.utc)
