"""The order saga's consumer: `order.created` and `order.cancelled` from the order events queue.

A record that fails (a dependency is down, a poison message) is reported on its own and
retried with backoff; after the queue's maxReceiveCount it moves to the DLQ, where an
operator can inspect and redrive it (`python -m infra.dlq`).
"""
from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import TypeAdapter

from orders import service
from orders.bootstrap import create_services
from orders.settings import OrderProcessorSettings
from orders.contracts import OrderCancelled, OrderCreated, ProcessorEvent
from shared.observability import log_scope
from shared.queues import sqs_batch_consumer
from shared.tracing import traced

logger = Logger()
settings = OrderProcessorSettings.from_environ()
_events = TypeAdapter(ProcessorEvent)


def prepare_batch(records: list[SQSRecord]) -> Callable[[SQSRecord], None]:
    """Take every `order.created` of the batch through the saga together (`service.process_orders`);
    the record handler then reports each record's outcome, so a failure stays its own."""
    created = []
    for record in records:
        try:
            event = _events.validate_json(record.body)
        except ValueError:  # pydantic's ValidationError, malformed JSON included
            continue  # fails on its own, in its record's handler
        with log_scope(message_id=record.message_id, correlation_id=event.correlation_id, order_id=event.order_id):
            logger.info("event received", extra={"type": event.type,
                                                 "receive_count": record.attributes.approximate_receive_count})
        if isinstance(event, OrderCreated):
            created.append(event.order_id)
    processed = service.process_orders(create_services(settings), created) if created else {}

    def process_record(record: SQSRecord) -> None:
        event = _events.validate_json(record.body)
        # The record's own lines carry its order's ids; the saga's steps (process_orders) sent
        # each order's correlation id on with its commands, so inventory and payments log it too.
        with log_scope(correlation_id=event.correlation_id, order_id=event.order_id):
            if isinstance(event, OrderCreated):
                outcome = processed[event.order_id]
                if isinstance(outcome, Exception):
                    raise outcome
                logger.info("order processed", extra={"status": outcome.status.value})
            elif isinstance(event, OrderCancelled):
                service.compensate_cancelled(create_services(settings), event)
                logger.info("cancelled order compensated")

    return process_record


handle_order_events = traced(sqs_batch_consumer(prepare_batch, queue_url_variable="ORDER_EVENTS_QUEUE_URL"))
