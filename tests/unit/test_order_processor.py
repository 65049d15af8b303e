"""The SQS consumers: the order processor (with the saga's fakes wired in) and the
notifications consumer (moto), fed the sample events in events/.

Every test runs under moto (`aws`/`tables`): a failed record makes the consumer call
ChangeMessageVisibility, which must never reach a real endpoint.
"""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import boto3
import pytest

from notifications.handlers import handle_order_updates
from orders import service
from orders.adapters import SqsEventPublisher
from orders.bootstrap import override_services
from orders.domain import Order, OrderLine, OrderStatus
from shared.money import Money
from orders.contracts import OrderCancelled, OrderCreated, OrderUpdated
from orders.processor import handle_order_events
from orders.service import OrderServices
from shared.errors import DependencyUnavailable
from shared.queues import MAX_BACKOFF_SECONDS, backoff_seconds
from tests.unit.callers import STAFF
from tests.unit.order_fakes import FakeOrderRepository, InProcessInventory, fake_services, process_order
from tests.unit.stored import stored_items

EVENTS = Path(__file__).resolve().parents[2] / "events"
PRODUCT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
S = OrderStatus


def sample(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


def records(name: str) -> list[dict]:
    return sample(name)["Records"]


def failures(response: dict) -> list[str]:
    assert set(response) == {"batchItemFailures"}
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def pending_order_of(event: OrderCreated, token: str = "tok_visa") -> Order:
    """The PENDING order an `order.created` announces, as the orders table holds it."""
    lines = [OrderLine(product_id=line.product_id, sku="TSH-ORG-BLK-M", name="T-shirt",
                       quantity=line.quantity,
                       unit_price=Money(amount=event.total.amount // line.quantity,
                                        currency=event.total.currency))
             for line in event.lines]
    return Order(id=event.order_id, user_id=event.user_id, lines=lines, total=event.total,
                 payment_token=token,
                 status=S.PENDING, correlation_id=event.correlation_id, created_at=event.occurred_at,
                 updated_at=event.occurred_at)


def created_events(name: str) -> list[OrderCreated]:
    found = []
    for record in records(name):
        try:
            found.append(OrderCreated.model_validate_json(record["body"]))
        except ValueError:
            pass
    return found


@pytest.fixture
def services(aws) -> OrderServices:
    orders = FakeOrderRepository()
    for event in created_events("OrderProcessorFunction.batch-with-poison"):
        orders.put(pending_order_of(event))
    wired = fake_services(orders=orders, inventory=InProcessInventory(**{PRODUCT_ID: 10}))
    with override_services(wired):
        yield wired


def status_of(services: OrderServices, order_id: str) -> OrderStatus:
    return services.orders.get(order_id).status


# ---------------------------------------------------------------- the sample events


def test_sample_events_are_what_the_orders_service_publishes():
    [created] = records("OrderProcessorFunction.order-created")
    [cancelled] = records("OrderProcessorFunction.order-cancelled")
    [updated] = records("NotificationsFunction")

    for record, model in ((created, OrderCreated), (cancelled, OrderCancelled), (updated, OrderUpdated)):
        event = model.model_validate_json(record["body"])
        assert {name: a["stringValue"] for name, a in record["messageAttributes"].items()} == {
            "type": event.type, "version": "1", "correlation_id": event.correlation_id}
        assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == "us-east-1"
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert created["eventSourceARN"].endswith("-order-events")
    assert cancelled["eventSourceARN"].endswith("-order-events")
    assert updated["eventSourceARN"].endswith("-order-updates")


def test_the_batch_with_poison_holds_two_orders_and_one_record_that_is_no_event():
    batch = records("OrderProcessorFunction.batch-with-poison")

    assert len(batch) == 3
    assert len(created_events("OrderProcessorFunction.batch-with-poison")) == 2
    assert len({record["messageId"] for record in batch}) == 3


# ---------------------------------------------------------------- the order processor


def test_batch_with_poison_reports_only_the_poison_and_processes_the_rest(services):
    batch = sample("OrderProcessorFunction.batch-with-poison")
    poison = batch["Records"][1]

    response = handle_order_events(batch, None)

    assert failures(response) == [poison["messageId"]]
    orders = created_events("OrderProcessorFunction.batch-with-poison")
    assert [status_of(services, o.order_id) for o in orders] == [S.CONFIRMED, S.CONFIRMED]
    assert sorted(services.payments.captured) == sorted(o.order_id for o in orders)
    assert services.inventory.on_hand[PRODUCT_ID] == 10 - sum(o.lines[0].quantity for o in orders)
    assert sorted(e.order_id for e in services.events.updated) == sorted(o.order_id for o in orders)


def test_a_batch_of_good_records_reports_no_failure(services):
    event = sample("OrderProcessorFunction.order-created")
    [created] = created_events("OrderProcessorFunction.order-created")

    assert handle_order_events(event, None) == {"batchItemFailures": []}

    order = services.orders.get(created.order_id)
    assert (order.status, order.payment_id) == (S.CONFIRMED, f"pay_{created.order_id}")


def test_the_same_batch_delivered_twice_charges_each_order_once(services):
    event = sample("OrderProcessorFunction.batch-with-poison")

    handle_order_events(event, None)
    handle_order_events(copy.deepcopy(event), None)

    assert len(services.payments.charge_calls) == 2
    assert services.inventory.count("reserve") == 2
    # The redelivery republished each outcome under the same event id.
    ids = [e.event_id for e in services.events.updated]
    assert len(ids) == 4 and len(set(ids)) == 2


def test_a_transient_failure_fails_only_its_record(services):
    event = sample("OrderProcessorFunction.batch-with-poison")
    first, second = created_events("OrderProcessorFunction.batch-with-poison")
    services.orders.put(pending_order_of(second, token="tok_unavailable"))

    response = handle_order_events(event, None)

    assert failures(response) == [event["Records"][1]["messageId"], event["Records"][2]["messageId"]]
    assert status_of(services, first.order_id) is S.CONFIRMED
    assert status_of(services, second.order_id) is S.RESERVED  # the stock stays held for the retry


@pytest.mark.parametrize(
    "body",
    [
        "",
        "{\"type\": \"order.created\"}",
        json.dumps({"type": "order.shipped", "version": 1, "order_id": "x"}),
        json.dumps({**json.loads(records("OrderProcessorFunction.order-created")[0]["body"]), "version": 2}),
        records("NotificationsFunction")[0]["body"],
    ],
    ids=["empty", "incomplete", "unknown type", "unknown version", "order.updated on the wrong queue"],
)
def test_records_that_are_not_processor_events_fail(services, body):
    [good] = records("OrderProcessorFunction.order-created")
    bad = copy.deepcopy(good) | {"messageId": "bad-message", "body": body}

    response = handle_order_events({"Records": [bad, good]}, None)

    assert failures(response) == ["bad-message"]
    assert services.payments.charge_calls == [OrderCreated.model_validate_json(good["body"]).order_id]


def test_an_event_of_an_order_that_does_not_exist_fails(services):
    event = sample("OrderProcessorFunction.batch-with-poison")
    first, second = created_events("OrderProcessorFunction.batch-with-poison")
    del services.orders.orders[second.order_id]

    response = handle_order_events(event, None)

    assert failures(response) == [event["Records"][1]["messageId"], event["Records"][2]["messageId"]]
    assert status_of(services, first.order_id) is S.CONFIRMED


def test_a_batch_whose_every_record_fails_reports_each_record(services):
    # Reported record by record, like a partial failure, so each record gets its backoff.
    event = sample("OrderProcessorFunction.order-created")
    event["Records"][0]["body"] = "not an event"

    response = handle_order_events(event, None)

    assert failures(response) == [event["Records"][0]["messageId"]]


def test_order_cancelled_sample_event_restocks_and_refunds(services):
    [cancelled] = [OrderCancelled.model_validate_json(r["body"])
                   for r in records("OrderProcessorFunction.order-cancelled")]
    process_order(services, cancelled.order_id)
    service.cancel_order(services, STAFF, cancelled.order_id)
    assert services.inventory.on_hand[PRODUCT_ID] == 8
    assert cancelled.payment_id == services.orders.get(cancelled.order_id).payment_id

    response = handle_order_events(sample("OrderProcessorFunction.order-cancelled"), None)

    assert failures(response) == []
    assert services.inventory.on_hand[PRODUCT_ID] == 10
    assert services.inventory.reserved[PRODUCT_ID] == 0
    assert services.payments.refunded == [cancelled.order_id]


# ---------------------------------------------------------------- retry backoff


@pytest.mark.parametrize(
    ("receive_count", "base", "seconds"),
    [(1, 1.0, 1), (2, 1.0, 2), (3, 1.0, 4), (4, 1.0, 8), (6, 1.0, 32), (7, 1.0, 60), (50, 1.0, 60),
     (0, 1.0, 1), (1, 5.0, 5), (3, 5.0, 20), (5, 5.0, 60), (1, 0.5, 0), (2, 0.5, 1), (3, 1.5, 6)],
)
def test_backoff_doubles_per_receive_up_to_a_minute(receive_count, base, seconds):
    assert backoff_seconds(receive_count, base) == seconds
    assert MAX_BACKOFF_SECONDS == 60


def test_a_failing_record_is_reported_even_when_its_queue_cannot_be_reached(services):
    # No queue exists in moto: ChangeMessageVisibility fails, and the batch still answers.
    assert boto3.client("sqs").list_queues().get("QueueUrls", []) == []
    event = sample("OrderProcessorFunction.batch-with-poison")

    response = handle_order_events(event, None)

    assert failures(response) == [event["Records"][1]["messageId"]]


def lambda_record(message: dict, queue_arn: str) -> dict:
    """An SQS message received from the queue, in the shape Lambda's event source mapping passes it."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message["Attributes"],
        "messageAttributes": {
            name: {"stringValue": a["StringValue"], "stringListValues": [], "binaryListValues": [],
                   "dataType": a["DataType"]}
            for name, a in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def receive(sqs, queue_url: str) -> list[dict]:
    return sqs.receive_message(QueueUrl=queue_url, AttributeNames=["All"], MessageAttributeNames=["All"],
                               MaxNumberOfMessages=10).get("Messages", [])


def test_a_failed_record_comes_back_after_its_backoff_not_the_queue_timeout(services):
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName="test-order-events",
                                 Attributes={"VisibilityTimeout": "180"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url,
                                         AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    poison_id = sqs.send_message(QueueUrl=queue_url, MessageBody="hello from the SQS console")["MessageId"]
    good_body = records("OrderProcessorFunction.order-created")[0]["body"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=good_body)
    received = receive(sqs, queue_url)
    assert len(received) == 2

    response = handle_order_events({"Records": [lambda_record(m, queue_arn) for m in received]}, None)

    assert failures(response) == [poison_id]
    assert receive(sqs, queue_url) == []
    time.sleep(backoff_seconds(1, 1.0) + 0.3)  # RETRY_BASE_SECONDS is 1 in the unit tier
    # Only the failed record is back, long before the queue's 180 s visibility timeout.
    [again] = receive(sqs, queue_url)
    assert again["MessageId"] == poison_id
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


# ---------------------------------------------------------------- what the publisher sends


def test_published_messages_carry_the_attributes_the_sample_events_show(aws):
    sqs = boto3.client("sqs")
    events_url = sqs.create_queue(QueueName="events")["QueueUrl"]
    updates_url = sqs.create_queue(QueueName="updates")["QueueUrl"]
    publisher = SqsEventPublisher(events_url, updates_url)
    [sample_record] = records("OrderProcessorFunction.order-created")
    created = OrderCreated.model_validate_json(sample_record["body"])
    order = pending_order_of(created)

    publisher.publish_created(OrderCreated.of(order))
    publisher.publish_cancelled(OrderCancelled.of(order.cancel(), previous_status=S.PENDING))
    publisher.publish_updated(OrderUpdated.of(order.cancel()))

    on_events, on_updates = receive(sqs, events_url), receive(sqs, updates_url)
    assert [json.loads(m["Body"])["type"] for m in on_events] == ["order.created", "order.cancelled"]
    assert [json.loads(m["Body"])["type"] for m in on_updates] == ["order.updated"]
    record = lambda_record(on_events[0], sample_record["eventSourceARN"])
    assert set(record) == set(sample_record)
    assert record["messageAttributes"] == sample_record["messageAttributes"]
    assert record["md5OfMessageAttributes"] == sample_record["md5OfMessageAttributes"]
    assert json.loads(record["body"]) == {**json.loads(sample_record["body"]),
                                          "occurred_at": json.loads(record["body"])["occurred_at"]}


def test_publishing_to_a_queue_that_is_gone_is_dependency_unavailable(aws):
    publisher = SqsEventPublisher("https://sqs.us-east-1.amazonaws.com/123456789012/gone",
                                  "https://sqs.us-east-1.amazonaws.com/123456789012/gone-too")
    order = pending_order_of(created_events("OrderProcessorFunction.order-created")[0])

    with pytest.raises(DependencyUnavailable):
        publisher.publish_created(OrderCreated.of(order))


# ---------------------------------------------------------------- the notifications consumer


def notifications(tables) -> dict[str, dict]:
    return stored_items(tables["NotificationsTable"])


def test_notifications_records_one_message_per_order_update(tables):
    event = sample("NotificationsFunction")
    update = OrderUpdated.model_validate_json(event["Records"][0]["body"])

    assert handle_order_updates(event, None) == {"batchItemFailures": []}

    [(pk, item)] = notifications(tables).items()
    assert pk == f"NOTIFICATION#{update.event_id}"
    assert (item["order_id"], item["user_id"], item["correlation_id"], item["subject"]) == (
        {"S": update.order_id}, {"S": update.user_id}, {"S": update.correlation_id},
        {"S": "Your order is confirmed"})
    assert "recorded_at" in item


def test_notifications_absorbs_a_redelivery(tables):
    event = sample("NotificationsFunction")
    handle_order_updates(event, None)

    assert handle_order_updates(copy.deepcopy(event), None) == {"batchItemFailures": []}
    # The same message twice in one batch, too.
    doubled = {"Records": event["Records"] * 2}
    assert handle_order_updates(doubled, None) == {"batchItemFailures": []}

    assert len(notifications(tables)) == 1


@pytest.mark.parametrize(("status", "subject"), [("FAILED", "We could not complete your order"),
                                                 ("CANCELLED", "Your order was cancelled")])
def test_notifications_subject_follows_the_status(tables, status, subject):
    event = sample("NotificationsFunction")
    body = json.loads(event["Records"][0]["body"]) | {"status": status, "event_id": f"o:{status}"}
    event["Records"][0]["body"] = json.dumps(body)

    handle_order_updates(event, None)

    assert notifications(tables)[f"NOTIFICATION#o:{status}"]["subject"] == {"S": subject}


def test_notifications_reads_past_fields_it_does_not_know(tables):
    event = sample("NotificationsFunction")
    body = json.loads(event["Records"][0]["body"]) | {"loyalty_points": 12}
    event["Records"][0]["body"] = json.dumps(body)

    assert handle_order_updates(event, None) == {"batchItemFailures": []}
    assert len(notifications(tables)) == 1


@pytest.mark.parametrize(
    "body",
    ["not json", "{}", json.dumps({**json.loads(records("NotificationsFunction")[0]["body"]), "version": 2}),
     records("OrderProcessorFunction.order-created")[0]["body"]],
    ids=["not json", "empty object", "unknown version", "order.created on the wrong queue"],
)
def test_notifications_reports_a_bad_body_and_records_the_rest(tables, body):
    good = records("NotificationsFunction")[0]
    bad = copy.deepcopy(good) | {"messageId": "bad-message", "body": body}

    response = handle_order_updates({"Records": [bad, good]}, None)

    assert failures(response) == ["bad-message"]
    assert len(notifications(tables)) == 1
