"""Structured logs and EMF metrics of the order flow, read from what the real handlers print.

One order goes POST /orders -> order.created -> processor (-> inventory and payments
commands) -> order.updated -> notifications, and every line written on its behalf must
carry the request's correlation id and the order id; keys appended for one record or
invocation must not reach the next (warm workers are reused); the business metrics are
EMF lines with the right values, flushed once per invocation.
"""
from __future__ import annotations

import copy
import io
import json
import sys
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from inventory.commands import handle_inventory_command
from inventory import service as inventory_service
from inventory.bootstrap import create_services as inventory_services
from notifications.handlers import handle_order_updates
from orders.cancel_order import cancel_order
from orders.get_order import get_order
from orders.place_order import place_order
from orders import service
from orders.adapters import LambdaCatalog, LambdaInventory, LambdaPayments
from orders.bootstrap import override_services
from orders.contracts import OrderCreated, OrderUpdated
from orders.processor import handle_order_events
from orders.repository import DynamoDBOrderRepository
from payments.commands import handle_payment_command
from products.contracts import ProductSnapshot
from shared.money import Money
from shared import invocation
from shared.observability import NAMESPACE, log_scope, logger, metrics
from tests.unit.api_events import with_body, with_header, with_path_param
from tests.unit.callers import CUSTOMER
from tests.unit.order_fakes import InProcessCatalog, InProcessInventory, fake_services
from tests.unit.test_orders_handlers import PRODUCT_ID, LambdaContext, call, sample

CORRELATION_ID = "obs-corr-0001"
OTHER_PRODUCT = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


# ---------------------------------------------------------------- reading what was printed

class _Stdout:
    """Whatever sys.stdout is when a line is written (capsys's during a test)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def printed(capsys) -> Callable[[], list[dict]]:
    """The JSON lines printed since the last call: log lines and EMF lines, in order, as
    Lambda sees them on the function's stdout."""
    handler = logger.registered_handler
    previous = handler.setStream(_Stdout())
    metrics.clear_metrics()
    logger.clear_state()

    def read() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]

    yield read
    handler.setStream(previous)


def log_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if "_aws" not in line]


def emf_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if "_aws" in line]


def metric_values(lines: list[dict], name: str) -> list[tuple[list[list[str]], dict, list[float]]]:
    """(dimension sets, dimension values, values) of every EMF line holding metric `name`."""
    found = []
    for line in emf_lines(lines):
        [directive] = line["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE == "Shop"
        if name in {metric["Name"] for metric in directive["Metrics"]}:
            dimensions = {key for dimension_set in directive["Dimensions"] for key in dimension_set}
            found.append((directive["Dimensions"], {key: line[key] for key in dimensions}, line[name]))
    return found


# ---------------------------------------------------------------- SQS records and invokes

def sqs_record(event: OrderCreated | OrderUpdated) -> dict:
    template = "OrderProcessorFunction.order-created" if isinstance(event, OrderCreated) else "NotificationsFunction"
    record = copy.deepcopy(sample(template)["Records"][0])
    record["messageId"] = str(uuid.uuid4())
    record["body"] = event.model_dump_json()
    record["messageAttributes"]["correlation_id"]["stringValue"] = event.correlation_id
    return record


class InProcessLambda:
    """Lambda Invoke answered by the real handlers, each as if in its own worker process:
    the caller's log keys are as it left them when the call returns."""

    def __init__(self, handlers: dict[str, Callable[[dict, Any], dict]]) -> None:
        self.handlers = handlers
        self.payloads: list[tuple[str, dict]] = []

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict:  # noqa: N803
        payload = json.loads(Payload)
        self.payloads.append((FunctionName, payload))
        caller_keys = dict(logger.get_current_keys())
        try:
            result = self.handlers[FunctionName](payload, None)
        finally:
            logger.clear_state()
            logger.append_keys(**caller_keys)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


@pytest.fixture
def lambdas(tables, monkeypatch) -> InProcessLambda:
    fake = InProcessLambda({"inventory-fn": handle_inventory_command,
                            "payments-fn": handle_payment_command})
    monkeypatch.setattr(invocation, "_lambda_client", lambda: fake)
    inventory_services().stock.set_on_hand(PRODUCT_ID, 10)
    return fake


@pytest.fixture
def wired(tables, lambdas):
    """The orders service as deployed, but for the catalog and queues: the orders table
    (moto), and inventory and payments reached through their real command handlers."""
    catalog = InProcessCatalog(ProductSnapshot(id=PRODUCT_ID, sku="TSH-ORG-BLK-M", name="T-shirt",
                                          price=Money(amount=2499, currency="EUR")))
    services = fake_services(orders=DynamoDBOrderRepository(), catalog=catalog,
                             inventory=LambdaInventory("inventory-fn"), payments=LambdaPayments("payments-fn"))
    with override_services(services):
        yield services


def place(correlation_id: str = CORRELATION_ID, token: str = "tok_visa", quantity: int = 2) -> dict:
    event = with_header(sample("PlaceOrderFunction"), "x-correlation-id", correlation_id)
    event = with_header(event, "Idempotency-Key", uuid.uuid4().hex)
    event = with_body(event, {"payment_token": token,
                              "lines": [{"product_id": PRODUCT_ID, "quantity": quantity}]})
    status, _, body = call(place_order, event)
    assert status == 202, body
    return body


# ---------------------------------------------------------------- (a) one correlation id, end to end

def test_the_request_correlation_id_is_on_every_line_from_post_to_notification(wired, lambdas, printed):
    order = place()
    placing = log_lines(printed())
    assert placing, "place_order logged nothing"
    assert {line["correlation_id"] for line in placing} == {CORRELATION_ID}
    [access] = [line for line in placing if line["message"] == "request"]
    assert (access["status"], access["order_id"], access["path"]) == (202, order["id"], "/orders")

    [created] = wired.events.created
    assert created.correlation_id == CORRELATION_ID
    assert handle_order_events({"Records": [sqs_record(created)]}, None) == {"batchItemFailures": []}
    processing = log_lines(printed())

    assert wired.orders.get(order["id"]).status.value == "CONFIRMED"
    # The processor's lines and those of the inventory and payments commands it invoked.
    assert {(line["correlation_id"], line["order_id"]) for line in processing} == {(CORRELATION_ID, order["id"])}
    commands = [line["command"] for line in processing if line["message"] == "command handled"]
    assert commands == ["ReserveStock", "ChargeOrder", "CommitStock"]
    # The saga's steps go out as batches (one invoke per step and SQS batch), each command with its order's id.
    sent = [command for _, payload in lambdas.payloads for command in payload.get("commands", [payload])]
    assert {command["correlation_id"] for command in sent} == {CORRELATION_ID}
    assert any(line["message"] == "order processed" for line in processing)

    [updated] = wired.events.updated
    assert handle_order_updates({"Records": [sqs_record(updated)]}, None) == {"batchItemFailures": []}
    notifying = log_lines(printed())
    [recorded] = [line for line in notifying if line["message"] == "notification recorded"]
    assert (recorded["correlation_id"], recorded["order_id"], recorded["status"]) == (
        CORRELATION_ID, order["id"], "CONFIRMED")

    logger.info("between invocations")
    [idle] = log_lines(printed())
    assert not {"correlation_id", "order_id", "message_id"} & set(idle)


def test_a_command_handler_logs_under_the_correlation_id_it_is_given(tables, printed):
    command = {**sample("InventoryReservationsFunction.reserve"), "correlation_id": "from-the-caller"}
    handle_inventory_command(command, None)
    charge = {**sample("PaymentCommandsFunction.charge"), "correlation_id": "from-the-caller"}
    handle_payment_command(charge, None)

    lines = log_lines(printed())
    assert [line["command"] for line in lines if line["message"] == "command handled"] == [
        "ReserveStock", "ChargeOrder"]
    assert {(line["correlation_id"], line["order_id"]) for line in lines} == {
        ("from-the-caller", command["order_id"])}


def test_commands_without_a_correlation_id_are_still_valid(tables, printed):
    answer = handle_inventory_command(sample("InventoryReservationsFunction.release"), None)

    assert answer["outcome"] == "NOTHING_TO_DO"
    [line] = log_lines(printed())
    assert "correlation_id" not in line and line["order_id"] == answer["order_id"]


def test_only_commands_that_declare_it_are_sent_the_correlation_id(lambdas, monkeypatch):
    catalog_payloads = []

    class Catalog:
        def invoke(self, FunctionName, InvocationType, Payload):  # noqa: N803
            catalog_payloads.append(json.loads(Payload))
            return {"Payload": io.BytesIO(b'{"products": [], "missing_product_ids": ["p"]}')}

    with log_scope(correlation_id="c-42"):
        LambdaInventory("inventory-fn").release("order-1")
        monkeypatch.setattr(invocation, "_lambda_client", lambda: Catalog())
        LambdaCatalog("catalog-fn").lookup(["p"])

    assert lambdas.payloads == [("inventory-fn", {"action": "release", "order_id": "order-1",
                                                  "correlation_id": "c-42"})]
    assert catalog_payloads == [{"product_ids": ["p"]}]  # its contract has no such field


# ---------------------------------------------------------------- (c) nothing leaks

def test_keys_of_one_record_do_not_reach_the_next_record_or_the_next_invocation(printed, tables):
    services = fake_services(catalog=InProcessCatalog(),
                             inventory=InProcessInventory(**{PRODUCT_ID: 10}))
    services.catalog.add(PRODUCT_ID, 1000)
    with override_services(services):
        first = service.place_order(services, CUSTOMER, lines=[service.RequestedLine(PRODUCT_ID, 1)],
                                    payment_token="tok_visa", correlation_id="corr-first")
        second = service.place_order(services, CUSTOMER, lines=[service.RequestedLine(PRODUCT_ID, 1)],
                                     payment_token="tok_visa", correlation_id="corr-second")
        logger.clear_state()
        printed()
        poison = copy.deepcopy(sample("OrderProcessorFunction.order-created")["Records"][0])
        poison.update(messageId="poison", body="not an event")
        poison["messageAttributes"].pop("correlation_id")
        batch = {"Records": [sqs_record(OrderCreated.of(first)), poison, sqs_record(OrderCreated.of(second))]}

        assert handle_order_events(batch, None) == {"batchItemFailures": [{"itemIdentifier": "poison"}]}

    lines = log_lines(printed())
    by_order = {order.id: {line["correlation_id"] for line in lines if line.get("order_id") == order.id}
                for order in (first, second)}
    assert by_order == {first.id: {"corr-first"}, second.id: {"corr-second"}}
    [failed] = [line for line in lines if line["message"].startswith("Record failed")]
    assert failed["message_id"] == "poison"
    assert "order_id" not in failed and "correlation_id" not in failed

    logger.info("next invocation")
    [idle] = log_lines(printed())
    assert not {"correlation_id", "order_id", "message_id"} & set(idle)


def test_an_http_request_starts_without_the_keys_of_the_previous_one(wired, printed):
    order = place(correlation_id="corr-place")
    printed()

    event = with_path_param(sample("GetOrderFunction"), "order_id", order["id"])
    event = with_header(event, "x-correlation-id", None)
    status, _, _ = call(get_order, event)

    assert status == 200
    [access] = log_lines(printed())
    # API Gateway's request id, and no order id left over from placing one.
    assert access["correlation_id"] == event["requestContext"]["requestId"]
    assert "order_id" not in access


def test_a_failed_command_leaves_no_keys_behind(tables, printed):
    with pytest.raises(ValueError):
        handle_inventory_command({"action": "explode", "order_id": "o-1", "correlation_id": "c-1"}, None)
    handle_payment_command(sample("PaymentCommandsFunction.charge"), None)

    [line] = log_lines(printed())
    assert "correlation_id" not in line


# ---------------------------------------------------------------- (b) EMF business metrics

def test_placing_an_order_emits_orders_placed(wired, printed):
    place()

    lines = printed()
    assert metric_values(lines, "OrdersPlaced") == [([["service"]], {"service": "unit-tests"}, [1.0])]
    # The EMF line comes after the access line: flushed when the invocation ends.
    assert "_aws" in lines[-1] and lines[-2]["message"] == "request"


def test_a_batch_flushes_its_counts_once_and_each_failure_with_its_reason(printed, aws):
    services = fake_services(catalog=InProcessCatalog(),
                             inventory=InProcessInventory(**{PRODUCT_ID: 10, OTHER_PRODUCT: 1}))
    services.catalog.add(PRODUCT_ID, 1000)
    services.catalog.add(OTHER_PRODUCT, 1000)

    def new(token: str, product: str = PRODUCT_ID, quantity: int = 1):
        return service.place_order(services, CUSTOMER, lines=[service.RequestedLine(product, quantity)],
                                   payment_token=token, correlation_id=uuid.uuid4().hex)

    orders = [new("tok_visa"), new("tok_visa"), new("tok_declined"), new("tok_visa", OTHER_PRODUCT, 2)]
    metrics.clear_metrics()
    printed()

    with override_services(services):
        batch = {"Records": [sqs_record(OrderCreated.of(order)) for order in orders]}
        assert handle_order_events(batch, None) == {"batchItemFailures": []}

    lines = printed()
    assert [services.orders.get(o.id).status.value for o in orders] == ["CONFIRMED", "CONFIRMED", "FAILED", "FAILED"]
    assert metric_values(lines, "OrdersConfirmed") == [([["service"]], {"service": "unit-tests"}, [1.0, 1.0])]
    failed = metric_values(lines, "OrdersFailed")
    assert sorted(values["reason"] for _, values, _ in failed) == ["out_of_stock", "payment_declined"]
    for dimension_sets, _, value in failed:
        assert (dimension_sets, value) == ([["service"], ["service", "reason"]], [1.0])
    # The processor's own set is flushed once, at the end of the invocation.
    assert len([line for line in emf_lines(lines) if "OrdersConfirmed" in line]) == 1
    assert "_aws" in lines[-1]


def test_a_decline_is_counted_once_by_payments(tables, printed):
    declined = {**sample("PaymentCommandsFunction.charge"), "payment_token": "tok_declined"}

    assert handle_payment_command(declined, None)["status"] == "DECLINED"
    assert handle_payment_command(declined, None)["status"] == "DECLINED"  # a redelivery

    lines = printed()
    assert metric_values(lines, "PaymentDeclines") == [
        ([["service"], ["service", "reason"]], {"service": "unit-tests", "reason": "card_declined"}, [1.0])]


def test_a_cancel_emits_orders_cancelled(wired, printed):
    order = place()
    printed()

    status, _, body = call(cancel_order,
                           with_path_param(sample("CancelOrderFunction"), "order_id", order["id"]))

    assert (status, body["status"]) == (202, "CANCELLED")
    assert metric_values(printed(), "OrdersCancelled") == [([["service"]], {"service": "unit-tests"}, [1.0])]


def test_an_invocation_that_counts_nothing_prints_no_metrics(tables, printed):
    handle_inventory_command(sample("InventoryReservationsFunction.release"), None)

    assert emf_lines(printed()) == []


def test_a_lambda_context_is_accepted_too(wired, printed):
    event = with_path_param(sample("GetOrderFunction"), "order_id", str(uuid.uuid4()))
    assert get_order(event, LambdaContext("req-1"))["statusCode"] == 404
    assert log_lines(printed())[-1]["status"] == 404
