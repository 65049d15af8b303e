"""Payment use cases against in-memory doubles (tests/unit/payments_fakes.py)."""
from __future__ import annotations

import pytest

from payments import service
from shared.money import Money
from payments.domain import Payment, PaymentNotFound
from payments.card_network import ProcessorUnavailable, RefundRejected
from tests.unit.callers import CUSTOMER, OTHER_CUSTOMER, STAFF
from tests.unit.payments_fakes import FakeCardProcessor, FakePaymentRepository

EUR_50 = Money(amount=5000, currency="EUR")


@pytest.fixture
def payments() -> FakePaymentRepository:
    return FakePaymentRepository()


@pytest.fixture
def processor() -> FakeCardProcessor:
    return FakeCardProcessor()


def charge(payments, processor, order_id: str = "order-1", amount: Money = EUR_50,
           token: str = "tok_visa") -> Payment:
    return service.charge_order(payments, processor, order_id=order_id, customer_id=CUSTOMER.user_id,
                                amount=amount, token=token)


def test_charge_captures_and_records_the_payment(payments, processor):
    payment = charge(payments, processor)

    assert (payment.payment_id, payment.order_id, payment.status) == ("pay_order-1", "order-1", "CAPTURED")
    assert payment.amount == EUR_50
    assert payment.decline_reason is None
    assert payment.processor_charge_id == "ch_1"
    assert payments.payments == {"order-1": payment}
    assert [(c.idempotency_key, c.amount, c.token) for c in processor.charge_calls] == [
        ("order-1:charge", EUR_50, "tok_visa")
    ]


def test_charging_an_order_again_returns_the_same_payment_and_charges_once(payments, processor):
    first = charge(payments, processor)

    again = charge(payments, processor, amount=Money(amount=1, currency="USD"), token="tok_other")

    assert again == first
    assert len(processor.charge_calls) == 1
    assert list(processor.charges) == ["order-1:charge"]


def test_decline_is_recorded_with_its_reason_and_not_retried(payments):
    processor = FakeCardProcessor(decline_reason="card_declined")

    payment = charge(payments, processor)
    again = charge(payments, FakeCardProcessor())

    assert (payment.status, payment.decline_reason) == ("DECLINED", "card_declined")
    assert payments.payments["order-1"] == payment
    # The order keeps its declined payment: a second charge never reaches the processor.
    assert again == payment


def test_processor_outage_raises_and_records_nothing_then_the_retry_charges_once(payments):
    processor = FakeCardProcessor(outages=1)

    with pytest.raises(ProcessorUnavailable):
        charge(payments, processor)
    assert payments.payments == {}

    payment = charge(payments, processor)

    assert payment.status == "CAPTURED"
    assert [c.idempotency_key for c in processor.charge_calls] == ["order-1:charge", "order-1:charge"]
    assert len(processor.charges) == 1


def test_a_concurrent_delivery_that_recorded_first_wins(payments, processor):
    class RacingRepository(FakePaymentRepository):
        """Another worker records the same charge between our read and our write."""

        def find(self, order_id: str) -> Payment | None:
            found = super().find(order_id)
            if found is None:
                self.payments[order_id] = Payment.captured(order_id, "customer-1", EUR_50, "ch_1")
            return found

    racing = RacingRepository()

    payment = charge(racing, processor)

    assert payment == racing.payments["order-1"]
    assert len(processor.charges) == 1


def test_refund_refunds_a_captured_payment_once(payments, processor):
    captured = charge(payments, processor)

    refunded = service.refund_order(payments, processor, "order-1")
    again = service.refund_order(payments, processor, "order-1")

    assert refunded.status == "REFUNDED"
    assert refunded.processor_refund_id == "re_1"
    assert refunded.refunded_at is not None and refunded.refunded_at >= captured.created_at
    assert (refunded.payment_id, refunded.amount, refunded.created_at) == (
        captured.payment_id, captured.amount, captured.created_at)
    assert again == refunded
    assert payments.payments["order-1"] == refunded
    assert [(c.idempotency_key, c.processor_charge_id, c.amount) for c in processor.refund_calls] == [
        ("order-1:refund", "ch_1", EUR_50)
    ]


def test_refunding_a_declined_payment_leaves_it_declined(payments):
    processor = FakeCardProcessor(decline_reason="card_declined")
    declined = charge(payments, processor)

    result = service.refund_order(payments, processor, "order-1")

    assert result == declined
    assert result.status == "DECLINED"
    assert processor.refund_calls == []


def test_refunding_an_order_never_charged_raises_not_found(payments, processor):
    with pytest.raises(PaymentNotFound) as raised:
        service.refund_order(payments, processor, "order-1")

    assert raised.value.payment_id == "pay_order-1"
    assert processor.refund_calls == []


def test_refund_outage_raises_and_keeps_the_payment_captured(payments, processor):
    captured = charge(payments, processor)
    processor.outages = 1

    with pytest.raises(ProcessorUnavailable):
        service.refund_order(payments, processor, "order-1")
    assert payments.payments["order-1"] == captured

    assert service.refund_order(payments, processor, "order-1").status == "REFUNDED"
    assert list(processor.refunds) == ["order-1:refund"]


def test_refund_the_processor_rejects_raises_and_changes_nothing(payments, processor):
    payments.add(Payment.captured("order-1", "customer-1", EUR_50, "ch_unknown"))

    with pytest.raises(RefundRejected):
        service.refund_order(payments, processor, "order-1")

    assert payments.payments["order-1"].status == "CAPTURED"


def test_charge_records_the_orders_customer(payments, processor):
    assert charge(payments, processor).customer_id == CUSTOMER.user_id


@pytest.mark.parametrize("caller", [CUSTOMER, STAFF], ids=["its customer", "staff"])
def test_get_payment_by_its_id(payments, processor, caller):
    payment = charge(payments, processor)

    assert service.get_payment(payments, caller, "pay_order-1") == payment


def test_another_customers_payment_is_not_found_exactly_as_an_unknown_one(payments, processor):
    charge(payments, processor)

    with pytest.raises(PaymentNotFound) as theirs:
        service.get_payment(payments, OTHER_CUSTOMER, "pay_order-1")
    with pytest.raises(PaymentNotFound) as unknown:
        service.get_payment(payments, OTHER_CUSTOMER, "pay_order-2")

    assert theirs.value.message == "Payment pay_order-1 not found"
    assert theirs.value.message.replace("order-1", "order-2") == unknown.value.message


def test_a_payment_without_a_customer_is_for_staff_only(payments):
    payment = Payment.captured("order-1", None, EUR_50, "ch_1")
    payments.add(payment)

    assert service.get_payment(payments, STAFF, "pay_order-1") == payment
    with pytest.raises(PaymentNotFound):
        service.get_payment(payments, CUSTOMER, "pay_order-1")


@pytest.mark.parametrize("payment_id", ["pay_order-2", "order-1", "pay_", "PAY_order-1"])
def test_get_unknown_payment_raises_not_found(payments, processor, payment_id):
    charge(payments, processor)

    with pytest.raises(PaymentNotFound) as raised:
        service.get_payment(payments, STAFF, payment_id)

    assert raised.value.payment_id == payment_id
