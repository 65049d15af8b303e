"""The DynamoDB adapter of payments, against moto tables built from the template."""
from __future__ import annotations

import boto3
import pytest

from shared.money import Money
from payments.domain import Payment, PaymentAlreadyExists, PaymentModifiedConcurrently, PaymentNotFound
from payments.repository import DynamoDBPaymentRepository

EUR_50 = Money(amount=5000, currency="EUR")


@pytest.fixture
def payments(tables) -> DynamoDBPaymentRepository:
    return DynamoDBPaymentRepository()


def stored_items(tables) -> dict[str, dict]:
    page = boto3.client("dynamodb").scan(TableName=tables["PaymentsTable"], ConsistentRead=True)
    return {item["pk"]["S"]: item for item in page["Items"]}


def test_captured_payment_reads_back_unchanged(payments, tables):
    payment = Payment.captured("order-1", "customer-1", EUR_50, "ch_1")

    payments.add(payment)

    assert payments.find("order-1") == payment
    assert payments.get("order-1") == payment
    item = stored_items(tables)["PAYMENT#order-1"]
    assert (item["payment_id"], item["status"], item["amount"], item["currency"], item["customer_id"]) == (
        {"S": "pay_order-1"}, {"S": "CAPTURED"}, {"N": "5000"}, {"S": "EUR"}, {"S": "customer-1"})


def test_a_payment_without_a_customer_reads_back_without_one(payments, tables):
    # Charged by a processor that did not send the customer yet (payments.contracts).
    payment = Payment.captured("order-1", None, EUR_50, "ch_1")

    payments.add(payment)

    assert payments.get("order-1").customer_id is None
    assert "customer_id" not in stored_items(tables)["PAYMENT#order-1"]


def test_declined_payment_reads_back_with_its_reason(payments):
    payment = Payment.declined("order-1", "customer-1", EUR_50, "card_declined", "ch_1")

    payments.add(payment)

    assert payments.get("order-1") == payment
    assert payments.get("order-1").decline_reason == "card_declined"


def test_unknown_order_has_no_payment(payments):
    assert payments.find("order-1") is None
    with pytest.raises(PaymentNotFound) as raised:
        payments.get("order-1")
    assert raised.value.payment_id == "pay_order-1"


def test_second_payment_for_an_order_is_refused_and_the_first_kept(payments, tables):
    first = Payment.captured("order-1", "customer-1", EUR_50, "ch_1")
    payments.add(first)

    with pytest.raises(PaymentAlreadyExists) as raised:
        payments.add(Payment.declined("order-1", "customer-1", EUR_50, "card_declined"))

    assert raised.value.order_id == "order-1"
    assert payments.get("order-1") == first
    assert list(stored_items(tables)) == ["PAYMENT#order-1"]


def test_replace_stores_the_refund(payments):
    captured = Payment.captured("order-1", "customer-1", EUR_50, "ch_1")
    payments.add(captured)
    refunded = captured.refunded("re_1")

    payments.replace(captured, refunded)

    stored = payments.get("order-1")
    assert stored == refunded
    assert (stored.status, stored.processor_refund_id, stored.created_at) == (
        "REFUNDED", "re_1", captured.created_at)


def test_replace_refuses_when_the_stored_status_moved_on(payments):
    captured = Payment.captured("order-1", "customer-1", EUR_50, "ch_1")
    payments.add(captured)
    first = captured.refunded("re_1")
    payments.replace(captured, first)

    with pytest.raises(PaymentModifiedConcurrently):
        payments.replace(captured, captured.refunded("re_2"))

    assert payments.get("order-1") == first


def test_replace_of_a_missing_payment_is_refused(payments):
    captured = Payment.captured("order-1", "customer-1", EUR_50, "ch_1")

    with pytest.raises(PaymentModifiedConcurrently):
        payments.replace(captured, captured.refunded("re_1"))

    assert payments.find("order-1") is None

