"""The card processor: the port payments use, and a simulated provider behind it.

A real provider (Stripe, Adyen, ...) plugs in as another `AbstractCardProcessor`:
it must treat the idempotency key as the provider's own (a retried call with the same
key returns the first call's outcome and never moves money twice), raise
`ProcessorUnavailable` when it cannot answer, and return a decline as an outcome.
"""
from __future__ import annotations

import abc
import hashlib
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from shared.dynamodb import ClientSettings, condition_failed, table_name_from_env, translate_outages
from shared.errors import Conflict, DependencyUnavailable
from shared.money import Money

TABLE_NAME = table_name_from_env("PAYMENTS_TABLE")

# The simulator's test cards: its behaviour depends on the token alone.
TOKEN_CAPTURED = "tok_visa"
TOKEN_DECLINED = "tok_declined"
TOKEN_UNAVAILABLE = "tok_unavailable"
TOKEN_FLAKY = "tok_flaky"


class ProcessorUnavailable(DependencyUnavailable):
    """The processor did not answer. Transient: retrying with the same key is safe."""

    def __init__(self, dependency: str = "card processor") -> None:
        super().__init__(dependency)


class RefundRejected(Conflict):
    """The processor will not refund this charge (unknown, declined, or other amount)."""

    def __init__(self, processor_charge_id: str) -> None:
        super().__init__(f"Charge {processor_charge_id} cannot be refunded")
        self.processor_charge_id = processor_charge_id


@dataclass(frozen=True)
class ChargeOutcome:
    status: Literal["CAPTURED", "DECLINED"]
    processor_charge_id: str
    decline_reason: str | None = None


@dataclass(frozen=True)
class RefundOutcome:
    processor_refund_id: str


class AbstractCardProcessor(abc.ABC):
    @abc.abstractmethod
    def charge(self, idempotency_key: str, amount: Money, token: str) -> ChargeOutcome:
        """Capture `amount` from the card behind `token`, once per key.

        A decline is an outcome; raise ProcessorUnavailable if the processor cannot answer.
        """

    @abc.abstractmethod
    def refund(self, idempotency_key: str, processor_charge_id: str, amount: Money) -> RefundOutcome:
        """Give `amount` of a captured charge back, once per key.

        Raise RefundRejected if the charge cannot be refunded, ProcessorUnavailable if
        the processor cannot answer.
        """


class SimulatedChargeEntry(Model):
    """The simulated provider's record of one charge, and of its refund.

    pk = SIMULATOR#CHARGE#<processor_charge_id>; the charge id is derived from the
    idempotency key, so a retried charge lands on the same item.
    """

    class Meta(ClientSettings):
        table_name = TABLE_NAME

    pk = UnicodeAttribute(hash_key=True)
    idempotency_key = UnicodeAttribute()
    # Every charge call with this key, failed ones included.
    attempts = NumberAttribute(default=0)
    # Set once the charge is decided; a later call with the key replays it.
    status = UnicodeAttribute(null=True)
    amount = NumberAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    decline_reason = UnicodeAttribute(null=True)
    refund_key = UnicodeAttribute(null=True)
    refund_id = UnicodeAttribute(null=True)
    refunded_amount = NumberAttribute(null=True)

    def outcome(self) -> ChargeOutcome:
        return ChargeOutcome(status=self.status, processor_charge_id=charge_id_of(self.pk),
                             decline_reason=self.decline_reason)


SIMULATOR_CHARGE_PREFIX = "SIMULATOR#CHARGE#"


def simulated_charge_key(processor_charge_id: str) -> str:
    return f"{SIMULATOR_CHARGE_PREFIX}{processor_charge_id}"


def charge_id_of(pk: str) -> str:
    return pk.removeprefix(SIMULATOR_CHARGE_PREFIX)


def _derived_id(prefix: str, idempotency_key: str) -> str:
    return prefix + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


class SimulatedCardProcessor(AbstractCardProcessor):
    """A card processor that behaves the same on every Lambda worker, cold start or not.

    Its behaviour depends only on the token:
      tok_visa         captured
      tok_declined     declined, reason "card_declined"
      tok_unavailable  ProcessorUnavailable on every call (an outage)
      tok_flaky        ProcessorUnavailable on the first call for an idempotency key,
                       captured on every later one (a blip that a retry gets past)
      anything else    declined, reason "invalid_token"

    Its state stands in for the provider's own records, so it lives in DynamoDB, not in
    memory: in the payments table, under its own key prefix (pk = SIMULATOR#CHARGE#...,
    see `SimulatedChargeEntry`), which no payment key can collide with. A retry that
    lands on another worker therefore sees the earlier attempt, and a charge or refund
    repeated with its idempotency key replays the recorded outcome, as a real provider's
    idempotency keys do. A real provider keeps these records itself and needs no table.
    """

    def charge(self, idempotency_key: str, amount: Money, token: str) -> ChargeOutcome:
        entry = SimulatedChargeEntry(pk=simulated_charge_key(_derived_id("ch_sim_", idempotency_key)))
        with _provider_outages():
            # Counts the attempt and reads what the provider already knows, in one call.
            entry.update(actions=[SimulatedChargeEntry.attempts.add(1),
                                  SimulatedChargeEntry.idempotency_key.set(idempotency_key)])
        if entry.status is not None:
            return entry.outcome()
        if token == TOKEN_UNAVAILABLE or (token == TOKEN_FLAKY and entry.attempts == 1):
            raise ProcessorUnavailable()
        if token in (TOKEN_CAPTURED, TOKEN_FLAKY):
            status, reason = "CAPTURED", None
        else:
            status, reason = "DECLINED", "card_declined" if token == TOKEN_DECLINED else "invalid_token"
        return self._decide(entry, amount, status, reason)

    def refund(self, idempotency_key: str, processor_charge_id: str, amount: Money) -> RefundOutcome:
        refund_id = _derived_id("re_sim_", idempotency_key)
        entry = SimulatedChargeEntry(pk=simulated_charge_key(processor_charge_id))
        fields = SimulatedChargeEntry
        # One refund per charge, of at most what was captured; the same key replays it.
        condition = (
            (fields.status == "CAPTURED")
            & (fields.currency == amount.currency)
            & (fields.amount >= amount.amount)
            & (fields.refund_key.does_not_exist() | (fields.refund_key == idempotency_key))
        )
        try:
            with _provider_outages():
                entry.update(actions=[fields.refund_key.set(idempotency_key), fields.refund_id.set(refund_id),
                                      fields.refunded_amount.set(amount.amount)],
                             condition=condition)
        except UpdateError as error:
            if condition_failed(error):
                raise RefundRejected(processor_charge_id) from error
            raise
        return RefundOutcome(processor_refund_id=refund_id)

    @staticmethod
    def _decide(entry: SimulatedChargeEntry, amount: Money, status: str,
                reason: str | None) -> ChargeOutcome:
        fields = SimulatedChargeEntry
        actions = [fields.status.set(status), fields.amount.set(amount.amount),
                   fields.currency.set(amount.currency)]
        if reason is not None:
            actions.append(fields.decline_reason.set(reason))
        try:
            with _provider_outages():
                entry.update(actions=actions, condition=fields.status.does_not_exist())
        except UpdateError as error:
            if not condition_failed(error):
                raise
            # Another worker decided this charge first: its outcome is the outcome.
            with _provider_outages():
                entry.refresh(consistent_read=True)
        return entry.outcome()


def _provider_outages() -> AbstractContextManager[None]:
    """The simulator's storage failing is the provider failing: a transient outage."""
    return translate_outages("card processor", ProcessorUnavailable)
