"""Consumer of `order.updated`: records the message a customer would be sent.

A real deployment would send an email here; recording it keeps the flow observable
in tests. Duplicate deliveries are absorbed by a conditional put keyed by event id.
"""
from __future__ import annotations

from datetime import datetime, timezone

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from notifications.repository import NotificationEntry, record_once
from orders.contracts import OrderUpdated
from shared.observability import log_scope
from shared.queues import sqs_consumer

logger = Logger()

_SUBJECTS = {
    "CONFIRMED": "Your order is confirmed",
    "FAILED": "We could not complete your order",
    "CANCELLED": "Your order was cancelled",
}


def record_notification(record: SQSRecord) -> None:
    event = OrderUpdated.model_validate_json(record.body)
    with log_scope(correlation_id=event.correlation_id, order_id=event.order_id):
        _record(event)


def _record(event: OrderUpdated) -> None:
    entry = NotificationEntry(
        pk=f"NOTIFICATION#{event.event_id}",
        order_id=event.order_id,
        user_id=event.user_id,
        subject=_SUBJECTS.get(event.status.value, f"Your order is {event.status.value.lower()}"),
        correlation_id=event.correlation_id,
        recorded_at=datetime.now(timezone.utc),
    )
    if not record_once(entry):
        logger.info("duplicate order.updated ignored", extra={"event_id": event.event_id})
        return
    logger.info("notification recorded", extra={"event_id": event.event_id, "status": event.status.value})


handle_order_updates = sqs_consumer(record_notification, queue_url_variable="ORDER_UPDATES_QUEUE_URL")
