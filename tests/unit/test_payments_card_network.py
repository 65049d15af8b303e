"""The simulated card processor, against the moto payments table built from the template.

Every test that checks persistence uses a NEW simulator instance for the later call:
that is what a retry landing on another Lambda worker (or after a cold start) sees.
"""
from __future__ import annotations

import boto3
import pytest

from shared.money import Money
from payments.card_network import (
    ProcessorUnavailable,
    RefundRejected,
    SimulatedCardProcessor,
)
from shared.errors import DependencyUnavailable

EUR_50 = Money(amount=5000, currency="EUR")


@pytest.fixture
def processor(tables) -> SimulatedCardProcessor:
    return SimulatedCardProcessor()


def stored_items(tables) -> dict[str, dict]:
    """Every item of the payments table, by primary key, read with a plain boto3 scan."""
    page = boto3.client("dynamodb").scan(TableName=tables["PaymentsTable"], ConsistentRead=True)
    return {item["pk"]["S"]: item for item in page["Items"]}


def test_tok_visa_is_captured_and_recorded_under_the_simulator_prefix(processor, tables):
    outcome = processor.charge("order-1:charge", EUR_50, "tok_visa")

    assert outcome.status == "CAPTURED"
    assert outcome.decline_reason is None
    assert outcome.processor_charge_id.startswith("ch_sim_")
    items = stored_items(tables)
    assert list(items) == [f"SIMULATOR#CHARGE#{outcome.processor_charge_id}"]
    record = items[f"SIMULATOR#CHARGE#{outcome.processor_charge_id}"]
    assert (record["status"], record["amount"], record["currency"], record["attempts"]) == (
        {"S": "CAPTURED"}, {"N": "5000"}, {"S": "EUR"}, {"N": "1"})
    # The provider never keeps the card token.
    assert "tok_visa" not in str(record)


def test_tok_declined_is_declined_as_card_declined(processor):
    outcome = processor.charge("order-1:charge", EUR_50, "tok_declined")

    assert (outcome.status, outcome.decline_reason) == ("DECLINED", "card_declined")


@pytest.mark.parametrize("token", ["tok_mastercard", "", "TOK_VISA", "4242424242424242"])
def test_unknown_tokens_are_declined_as_invalid_token(processor, token):
    outcome = processor.charge("order-1:charge", EUR_50, token)

    assert (outcome.status, outcome.decline_reason) == ("DECLINED", "invalid_token")


def test_tok_unavailable_fails_every_time_and_records_no_outcome(tables):
    for _ in range(3):
        with pytest.raises(ProcessorUnavailable) as raised:
            SimulatedCardProcessor().charge("order-1:charge", EUR_50, "tok_unavailable")
        assert isinstance(raised.value, DependencyUnavailable)
        assert raised.value.dependency == "card processor"

    [record] = stored_items(tables).values()
    assert record["attempts"] == {"N": "3"}
    assert "status" not in record


def test_tok_flaky_fails_first_then_succeeds_on_a_new_instance(processor):
    with pytest.raises(ProcessorUnavailable):
        processor.charge("order-1:charge", EUR_50, "tok_flaky")

    # A fresh instance (another worker, a cold start) knows about the first attempt.
    outcome = SimulatedCardProcessor().charge("order-1:charge", EUR_50, "tok_flaky")

    assert outcome.status == "CAPTURED"


def test_tok_flaky_fails_first_for_every_new_key(processor):
    with pytest.raises(ProcessorUnavailable):
        processor.charge("order-1:charge", EUR_50, "tok_flaky")
    processor.charge("order-1:charge", EUR_50, "tok_flaky")

    with pytest.raises(ProcessorUnavailable):
        processor.charge("order-2:charge", EUR_50, "tok_flaky")


def test_a_repeated_key_replays_the_first_outcome_without_charging_again(processor, tables):
    first = processor.charge("order-1:charge", EUR_50, "tok_visa")

    # Same key from another worker, even with another token: the same charge.
    again = SimulatedCardProcessor().charge("order-1:charge", EUR_50, "tok_declined")

    assert again == first
    [record] = stored_items(tables).values()
    assert record["status"] == {"S": "CAPTURED"}
    assert record["attempts"] == {"N": "2"}


def test_a_repeated_decline_replays_the_decline(processor):
    first = processor.charge("order-1:charge", EUR_50, "tok_declined")

    assert SimulatedCardProcessor().charge("order-1:charge", EUR_50, "tok_visa") == first


def test_different_keys_are_different_charges(processor, tables):
    one = processor.charge("order-1:charge", EUR_50, "tok_visa")
    two = processor.charge("order-2:charge", EUR_50, "tok_visa")

    assert one.processor_charge_id != two.processor_charge_id
    assert len(stored_items(tables)) == 2


def test_refund_of_a_captured_charge_is_idempotent_by_key(processor, tables):
    charge = processor.charge("order-1:charge", EUR_50, "tok_visa")

    refund = processor.refund("order-1:refund", charge.processor_charge_id, EUR_50)
    again = SimulatedCardProcessor().refund("order-1:refund", charge.processor_charge_id, EUR_50)

    assert refund.processor_refund_id.startswith("re_sim_")
    assert again == refund
    record = stored_items(tables)[f"SIMULATOR#CHARGE#{charge.processor_charge_id}"]
    assert (record["refund_key"], record["refunded_amount"]) == ({"S": "order-1:refund"}, {"N": "5000"})


def test_a_charge_is_refunded_only_once(processor):
    charge = processor.charge("order-1:charge", EUR_50, "tok_visa")
    processor.refund("order-1:refund", charge.processor_charge_id, EUR_50)

    with pytest.raises(RefundRejected):
        processor.refund("another-key", charge.processor_charge_id, EUR_50)


@pytest.mark.parametrize(
    "amount",
    [Money(amount=5001, currency="EUR"), Money(amount=5000, currency="USD")],
    ids=["more than captured", "other currency"],
)
def test_refund_of_another_amount_is_rejected(processor, amount):
    charge = processor.charge("order-1:charge", EUR_50, "tok_visa")

    with pytest.raises(RefundRejected):
        processor.refund("order-1:refund", charge.processor_charge_id, amount)


def test_refund_of_a_declined_or_unknown_charge_is_rejected(processor, tables):
    declined = processor.charge("order-1:charge", EUR_50, "tok_declined")

    with pytest.raises(RefundRejected):
        processor.refund("order-1:refund", declined.processor_charge_id, EUR_50)
    with pytest.raises(RefundRejected) as raised:
        processor.refund("order-2:refund", "ch_sim_nope", EUR_50)

    assert raised.value.processor_charge_id == "ch_sim_nope"
    assert "refund_key" not in stored_items(tables)[f"SIMULATOR#CHARGE#{declined.processor_charge_id}"]

