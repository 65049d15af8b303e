"""The order saga's consumer: `order.created` and `order.cancelled` from the order events queue.

A record that fails (a dependency is down, a poison message) is reported on its own and
retried with backoff; after the queue's maxReceiveCount it moves to the DLQ, where an
operator can inspect and redrive it (`python -m infra.dlq`).
"""
from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import TypeAdapter

from orders import service
from orders.bootstrap import create_services
from orders.events import OrderCancelled, OrderCreated, ProcessorEvent
from shared.observability import log_scope
from shared.queues import sqs_consumer

logger = Logger()
_events = TypeAdapter(ProcessorEvent)


def process_record(record: SQSRecord) -> None:
    event = _events.validate_json(record.body)
    # Every line about this record, the invokes of inventory and payments included, carries
    # the order's correlation id, which the commands pass on to those functions.
    with log_scope(correlation_id=event.correlation_id, order_id=event.order_id):
        logger.info("event received", extra={"type": event.type,
                                             "receive_count": record.attributes.approximate_receive_count})
        if isinstance(event, OrderCreated):
            order = service.process_order(create_services(), event.order_id)
            logger.info("order processed", extra={"status": order.status.value})
        elif isinstance(event, OrderCancelled):
            service.compensate_cancelled(create_services(), event)
            logger.info("cancelled order compensated")


handle_order_events = sqs_consumer(process_record, queue_url_variable="ORDER_EVENTS_QUEUE_URL")
