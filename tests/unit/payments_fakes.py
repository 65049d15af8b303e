"""In-memory doubles of the payments ports, for service tests.

They keep the contracts the real adapters keep (see test_payments_repository.py and
test_payments_processor.py): one payment per order, conditional status changes, and a
processor that honours idempotency keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from shared.money import Money
from payments.domain import Payment, PaymentAlreadyExists, PaymentModifiedConcurrently
from payments.card_network import (
    AbstractCardProcessor,
    ChargeOutcome,
    ProcessorUnavailable,
    RefundOutcome,
    TOKEN_CAPTURED,
    TOKEN_DECLINED,
    TOKEN_UNAVAILABLE,
    RefundRejected,
)
from payments.repository import AbstractPaymentRepository


class FakePaymentRepository(AbstractPaymentRepository):
    def __init__(self) -> None:
        self.payments: dict[str, Payment] = {}

    def add(self, payment: Payment) -> None:
        if payment.order_id in self.payments:
            raise PaymentAlreadyExists(payment.order_id)
        self.payments[payment.order_id] = payment

    def find(self, order_id: str) -> Payment | None:
        return self.payments.get(order_id)

    def replace(self, current: Payment, updated: Payment) -> None:
        stored = self.payments.get(current.order_id)
        if stored is None or stored.status != current.status:
            raise PaymentModifiedConcurrently(current.payment_id)
        self.payments[updated.order_id] = updated


@dataclass(frozen=True)
class ChargeCall:
    idempotency_key: str
    amount: Money
    token: str


@dataclass(frozen=True)
class RefundCall:
    idempotency_key: str
    processor_charge_id: str
    amount: Money


@dataclass
class FakeCardProcessor(AbstractCardProcessor):
    """Captures everything unless told to decline; `outages` calls fail before any answer."""

    decline_reason: str | None = None
    outages: int = 0
    charge_calls: list[ChargeCall] = field(default_factory=list)
    refund_calls: list[RefundCall] = field(default_factory=list)
    # What actually happened at the "provider", by idempotency key.
    charges: dict[str, ChargeOutcome] = field(default_factory=dict)
    refunds: dict[str, RefundOutcome] = field(default_factory=dict)

    def charge(self, idempotency_key: str, amount: Money, token: str) -> ChargeOutcome:
        self.charge_calls.append(ChargeCall(idempotency_key, amount, token))
        self._maybe_fail()
        if idempotency_key not in self.charges:
            charge_id = f"ch_{len(self.charges) + 1}"
            if self.decline_reason is None:
                self.charges[idempotency_key] = ChargeOutcome("CAPTURED", charge_id)
            else:
                self.charges[idempotency_key] = ChargeOutcome("DECLINED", charge_id, self.decline_reason)
        return self.charges[idempotency_key]

    def refund(self, idempotency_key: str, processor_charge_id: str, amount: Money) -> RefundOutcome:
        self.refund_calls.append(RefundCall(idempotency_key, processor_charge_id, amount))
        self._maybe_fail()
        captured = {o.processor_charge_id for o in self.charges.values() if o.status == "CAPTURED"}
        if processor_charge_id not in captured:
            raise RefundRejected(processor_charge_id)
        if idempotency_key not in self.refunds:
            self.refunds[idempotency_key] = RefundOutcome(f"re_{len(self.refunds) + 1}")
        return self.refunds[idempotency_key]

    def _maybe_fail(self) -> None:
        if self.outages > 0:
            self.outages -= 1
            raise ProcessorUnavailable()


class TestCardProcessor(FakeCardProcessor):
    """The simulated provider's test cards, in memory (SimulatedCardProcessor keeps its
    records in DynamoDB): tok_visa captures, tok_declined is declined (card_declined),
    tok_unavailable is an outage, anything else is declined as invalid_token."""

    __test__ = False  # not a test class, whatever its name

    def charge(self, idempotency_key: str, amount: Money, token: str) -> ChargeOutcome:
        if token == TOKEN_UNAVAILABLE:
            raise ProcessorUnavailable()
        self.decline_reason = {TOKEN_CAPTURED: None, TOKEN_DECLINED: "card_declined"}.get(token, "invalid_token")
        return super().charge(idempotency_key, amount, token)
