"""Payments table access: the port the service uses, and its DynamoDB adapter.

Table layout (one table for the service):
  pk = PAYMENT#<order_id>             the order's payment (one per order; its id is
                                      pay_<order_id>, see payments.domain)
  pk = SIMULATOR#CHARGE#<charge_id>   the simulated card processor's own records
                                      (payments.card_network); never read by this module
"""
from __future__ import annotations

import abc

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from payments.domain import (
    Payment,
    PaymentAlreadyExists,
    PaymentModifiedConcurrently,
    PaymentNotFound,
    payment_id_for,
)
from shared.dynamodb import ClientSettings, condition_failed, table_name_from_env, translate_outages
from shared.money import Money

TABLE_NAME = table_name_from_env("PAYMENTS_TABLE")
DEPENDENCY = "payments table"


class AbstractPaymentRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, payment: Payment) -> None:
        """Store a new payment; raise PaymentAlreadyExists if its order already has one."""

    @abc.abstractmethod
    def find(self, order_id: str) -> Payment | None:
        """The order's payment, or None if it was never charged."""

    @abc.abstractmethod
    def replace(self, current: Payment, updated: Payment) -> None:
        """Store `updated` if the stored payment is still in `current`'s status."""

    def get(self, order_id: str) -> Payment:
        """The order's payment, or raise PaymentNotFound."""
        payment = self.find(order_id)
        if payment is None:
            raise PaymentNotFound(payment_id_for(order_id))
        return payment


class PaymentEntry(Model):
    class Meta(ClientSettings):
        table_name = TABLE_NAME

    pk = UnicodeAttribute(hash_key=True)
    payment_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    decline_reason = UnicodeAttribute(null=True)
    processor_charge_id = UnicodeAttribute(null=True)
    processor_refund_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    refunded_at = UTCDateTimeAttribute(null=True)

    @classmethod
    def from_domain(cls, payment: Payment) -> PaymentEntry:
        return cls(
            pk=payment_key(payment.order_id),
            payment_id=payment.payment_id,
            order_id=payment.order_id,
            customer_id=payment.customer_id,
            status=payment.status,
            amount=payment.amount.amount,
            currency=payment.amount.currency,
            decline_reason=payment.decline_reason,
            processor_charge_id=payment.processor_charge_id,
            processor_refund_id=payment.processor_refund_id,
            created_at=payment.created_at,
            updated_at=payment.updated_at,
            refunded_at=payment.refunded_at,
        )

    def to_domain(self) -> Payment:
        return Payment(
            payment_id=self.payment_id,
            order_id=self.order_id,
            customer_id=self.customer_id,
            status=self.status,
            amount=Money(amount=int(self.amount), currency=self.currency),
            decline_reason=self.decline_reason,
            processor_charge_id=self.processor_charge_id,
            processor_refund_id=self.processor_refund_id,
            created_at=self.created_at,
            updated_at=self.updated_at,
            refunded_at=self.refunded_at,
        )


def payment_key(order_id: str) -> str:
    return f"PAYMENT#{order_id}"


class DynamoDBPaymentRepository(AbstractPaymentRepository):
    def add(self, payment: Payment) -> None:
        try:
            with translate_outages(DEPENDENCY):
                PaymentEntry.from_domain(payment).save(condition=PaymentEntry.pk.does_not_exist())
        except PutError as error:
            if condition_failed(error):
                raise PaymentAlreadyExists(payment.order_id) from error
            raise

    def find(self, order_id: str) -> Payment | None:
        with translate_outages(DEPENDENCY):
            try:
                return PaymentEntry.get(payment_key(order_id), consistent_read=True).to_domain()
            except DoesNotExist:
                return None

    def replace(self, current: Payment, updated: Payment) -> None:
        try:
            with translate_outages(DEPENDENCY):
                PaymentEntry.from_domain(updated).save(condition=PaymentEntry.status == current.status)
        except PutError as error:
            if condition_failed(error):
                raise PaymentModifiedConcurrently(current.payment_id) from error
            raise
