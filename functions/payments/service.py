"""Payment use cases. They talk to the repository and processor ports, never to AWS.

Both are safe to repeat, however often a command is redelivered and on whichever
worker: the payment record answers a repeat once it exists, and before it exists the
processor's idempotency key (derived from the order id) makes a retried call the
same charge or refund as the first.
"""
from __future__ import annotations

from payments.card_network import AbstractCardProcessor
from payments.domain import (
    Payment,
    PaymentAlreadyExists,
    PaymentModifiedConcurrently,
    PaymentNotFound,
    charge_key,
    order_id_of,
    refund_key,
)
from payments.repository import AbstractPaymentRepository
from shared.caller import Caller
from shared.money import Money
from shared.observability import count_by_reason


def charge_order(
    payments: AbstractPaymentRepository,
    processor: AbstractCardProcessor,
    *,
    order_id: str,
    customer_id: str | None,
    amount: Money,
    token: str,
) -> Payment:
    """Charge the order once. A charged (or declined) order answers with its payment unchanged.

    ProcessorUnavailable escapes: nothing is recorded, and the retry charges with the same key.
    """
    existing = payments.find(order_id)
    if existing is not None:
        return existing
    outcome = processor.charge(charge_key(order_id), amount, token)
    if outcome.status == "CAPTURED":
        payment = Payment.captured(order_id, customer_id, amount, outcome.processor_charge_id)
    else:
        payment = Payment.declined(order_id, customer_id, amount, outcome.decline_reason or "declined",
                                   outcome.processor_charge_id)
    try:
        payments.add(payment)
    except PaymentAlreadyExists:
        # A concurrent delivery of the same command recorded it first; the shared
        # idempotency key made both calls one charge at the processor.
        return payments.get(order_id)
    if payment.status == "DECLINED":
        # Counted where the decline is recorded: once per order, whatever the retries.
        count_by_reason("PaymentDeclines", payment.decline_reason or "declined")
    return payment


def refund_order(
    payments: AbstractPaymentRepository, processor: AbstractCardProcessor, order_id: str
) -> Payment:
    """Give a captured payment back, once.

    A refunded payment answers unchanged; so does a declined one, which took nothing
    (its status stays DECLINED). An order that was never charged raises PaymentNotFound.
    """
    payment = payments.get(order_id)
    if not payment.refundable:
        return payment
    refund = processor.refund(refund_key(order_id), payment.processor_charge_id, payment.amount)
    refunded = payment.refunded(refund.processor_refund_id)
    try:
        payments.replace(payment, refunded)
    except PaymentModifiedConcurrently:
        # A concurrent delivery refunded it first, with the same key: one refund.
        return payments.get(order_id)
    return refunded


def get_payment(payments: AbstractPaymentRepository, caller: Caller, payment_id: str) -> Payment:
    """The payment of one of the caller's orders, or any payment for staff.

    Another customer's payment is not found, exactly as an unknown id is: the answer does
    not tell a caller which ids exist."""
    order_id = order_id_of(payment_id)
    if order_id is None:
        raise PaymentNotFound(payment_id)
    payment = payments.get(order_id)
    if not caller.may_act_for(payment.customer_id):
        raise PaymentNotFound(payment_id)
    return payment
