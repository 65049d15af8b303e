"""Payments' Lambda handlers, invoked with the sample events in events/, against moto."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from payments.commands import handle_payment_command
from payments.domain import PaymentNotFound
from payments.handlers import get_payment
from payments.card_network import ProcessorUnavailable
from shared.caller import Caller
from tests.unit.callers import OTHER_CUSTOMER, STAFF, as_caller

EVENTS = Path(__file__).resolve().parents[2] / "events"
ORDER_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
PAYMENT_ID = f"pay_{ORDER_ID}"


def event(name: str, **changes: object) -> dict:
    return {**json.loads((EVENTS / name).read_text()), **changes}


def charge(**changes: object) -> dict:
    return handle_payment_command(event("PaymentCommandsFunction.charge.json", **changes), None)


def refund() -> dict:
    return handle_payment_command(event("PaymentCommandsFunction.refund.json"), None)


def fetch(payment_id: str = PAYMENT_ID, caller: Caller | None = None) -> dict:
    request = event("GetPaymentFunction.json", pathParameters={"payment_id": payment_id},
                    path=f"/payments/{payment_id}")
    return get_payment(as_caller(request, caller) if caller else request, None)


def test_sample_events_match_each_other():
    assert event("PaymentCommandsFunction.charge.json")["order_id"] == ORDER_ID
    assert event("PaymentCommandsFunction.refund.json") == {"action": "refund", "order_id": ORDER_ID}
    assert event("GetPaymentFunction.json")["pathParameters"] == {"payment_id": PAYMENT_ID}


def test_charge_command_answers_a_payment_result(tables):
    assert charge() == {
        "payment_id": PAYMENT_ID,
        "order_id": ORDER_ID,
        "status": "CAPTURED",
        "amount": {"amount": 4998, "currency": "EUR"},
        "decline_reason": None,
    }


def test_charge_command_twice_answers_the_same_payment(tables):
    first = charge()

    assert charge(payment_token="tok_declined") == first


def test_declined_charge_is_a_result_not_an_error(tables):
    result = charge(payment_token="tok_declined")

    assert (result["status"], result["decline_reason"]) == ("DECLINED", "card_declined")
    assert json.loads(fetch()["body"])["status"] == "DECLINED"


def test_unavailable_processor_makes_the_command_raise(tables):
    with pytest.raises(ProcessorUnavailable):
        charge(payment_token="tok_unavailable")

    assert fetch()["statusCode"] == 404


def test_flaky_processor_fails_the_first_delivery_and_the_redelivery_captures(tables):
    with pytest.raises(ProcessorUnavailable):
        charge(payment_token="tok_flaky")

    assert charge(payment_token="tok_flaky")["status"] == "CAPTURED"


def test_refund_command_refunds_once(tables):
    charge()

    refunded = refund()

    assert refunded == {**charge(), "status": "REFUNDED"}
    assert refund() == refunded


def test_refund_command_for_an_order_never_charged_raises(tables):
    with pytest.raises(PaymentNotFound):
        refund()


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "capture", "order_id": ORDER_ID},
        {"action": "refund"},
        {"action": "charge", "order_id": ORDER_ID, "amount": {"amount": 1.5, "currency": "EUR"},
         "payment_token": "tok_visa"},
        {"action": "refund", "order_id": ORDER_ID, "amount": {"amount": 1, "currency": "EUR"}},
    ],
    ids=["unknown action", "no order id", "fractional amount", "extra field"],
)
def test_command_outside_the_contract_raises(tables, payload):
    with pytest.raises(ValidationError):
        handle_payment_command(payload, None)


def test_get_payment_answers_the_payment(tables):
    charge()

    response = fetch()

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    assert {k: body[k] for k in ("payment_id", "order_id", "status", "amount", "decline_reason")} == charge()
    assert set(body) == {"payment_id", "order_id", "status", "amount", "decline_reason",
                         "created_at", "updated_at", "refunded_at"}
    assert body["refunded_at"] is None


def test_get_payment_after_refund_shows_when(tables):
    charge()
    refund()

    body = json.loads(fetch()["body"])

    assert body["status"] == "REFUNDED"
    assert body["refunded_at"] is not None and body["refunded_at"] >= body["created_at"]


@pytest.mark.parametrize("payment_id", [PAYMENT_ID, ORDER_ID, "pay_"])
def test_get_unknown_payment_is_404(tables, payment_id):
    response = fetch(payment_id)

    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"code": "not_found", "message": f"Payment {payment_id} not found"}


def test_the_charge_event_is_for_the_customer_of_the_get_payment_event():
    claims = event("GetPaymentFunction.json")["requestContext"]["authorizer"]["claims"]

    assert event("PaymentCommandsFunction.charge.json")["customer_id"] == claims["sub"]


def test_staff_read_any_payment(tables):
    charge()

    assert fetch(caller=STAFF)["statusCode"] == 200


def test_another_customers_payment_is_404_with_the_body_of_an_unknown_one(tables):
    charge()

    theirs, unknown = fetch(caller=OTHER_CUSTOMER), fetch(PAYMENT_ID + "0", caller=OTHER_CUSTOMER)

    assert theirs["statusCode"] == unknown["statusCode"] == 404
    assert json.loads(theirs["body"]) == {"code": "not_found", "message": f"Payment {PAYMENT_ID} not found"}
    assert json.loads(unknown["body"])["message"] == f"Payment {PAYMENT_ID}0 not found"
