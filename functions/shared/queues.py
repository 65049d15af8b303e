"""SQS consumers: partial batch responses and retry backoff, shared by every consumer.

A failed record is reported in `batchItemFailures` (only real message ids), so only
it is retried; the rest of the batch is deleted. Before reporting it, its visibility
is shortened to an exponential backoff, so a transient failure is retried in seconds
rather than after the queue's full visibility timeout, and reaches the DLQ after
`maxReceiveCount` receives either way.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import BotoCoreError, ClientError

from shared.aws_clients import sqs_client
from shared.observability import invocation_scope, log_scope

logger = Logger()

MAX_BACKOFF_SECONDS = 60


def backoff_seconds(receive_count: int, base: float) -> int:
    return int(min(base * 2 ** max(receive_count - 1, 0), MAX_BACKOFF_SECONDS))


def correlation_id_of(record: SQSRecord) -> str | None:
    """The `correlation_id` message attribute the orders service sets on every event."""
    attribute = (record.raw_event.get("messageAttributes") or {}).get("correlation_id") or {}
    value = attribute.get("stringValue")
    return value[:128] if isinstance(value, str) and value else None


class BackoffBatchProcessor(BatchProcessor):
    def __init__(self, queue_url: str, base_backoff_seconds: float = 1.0) -> None:
        # A batch in which every record failed is reported like any other, record by
        # record, so each still gets its backoff instead of failing the invocation.
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.queue_url = queue_url
        self.base_backoff_seconds = base_backoff_seconds

    def failure_handler(self, record: Any, exception: Any) -> Any:
        sqs_record = SQSRecord(record)
        receive_count = int(sqs_record.attributes.approximate_receive_count or 1)
        logger.warning(
            "Record failed; it will be retried, or moved to the DLQ after maxReceiveCount",
            extra={"message_id": sqs_record.message_id, "receive_count": receive_count,
                   "correlation_id": correlation_id_of(sqs_record),
                   "error": f"{exception[0].__name__}: {exception[1]}"},
        )
        delay = backoff_seconds(receive_count, self.base_backoff_seconds)
        try:
            sqs_client().change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=sqs_record.receipt_handle, VisibilityTimeout=delay
            )
        except (BotoCoreError, ClientError):
            # The queue's own visibility timeout still retries it, only later.
            logger.warning("Could not shorten the retry delay", extra={"message_id": sqs_record.message_id})
        return super().failure_handler(record, exception)


def sqs_consumer(
    record_handler: Callable[[SQSRecord], None], queue_url_variable: str
) -> Callable[[dict, Any], dict]:
    """A Lambda handler for an SQS event-source mapping with ReportBatchItemFailures."""
    return sqs_batch_consumer(lambda records: record_handler, queue_url_variable)


def sqs_batch_consumer(
    prepare: Callable[[list[SQSRecord]], Callable[[SQSRecord], None]], queue_url_variable: str
) -> Callable[[dict, Any], dict]:
    """`sqs_consumer` for a consumer that does a batch's work together.

    `prepare(records)` runs once per batch, first, and answers the handler of each
    record, which raises if that record failed; so failures are still reported (and
    backed off) record by record. `prepare` must not raise for one record's sake.
    """
    processor = BackoffBatchProcessor(
        queue_url=os.environ[queue_url_variable],
        base_backoff_seconds=float(os.environ.get("RETRY_BASE_SECONDS", "1")),
    )

    def handler(event: dict, context: Any) -> dict:
        if not event.get("Records"):
            # No record, nothing to fail (Powertools would refuse the event as not SQS's):
            # a worker started ahead of the first batch (the local emulator's warm-up,
            # infra/deploy.py) is invoked with such an event.
            return {"batchItemFailures": []}
        # The metrics of the whole batch are flushed once, when the invocation ends.
        with invocation_scope():
            record_handler = prepare([SQSRecord(record) for record in event.get("Records", [])])

            def handle_record(record: SQSRecord) -> None:
                # Whatever a record appends to the log (its correlation and order ids) ends with it.
                with log_scope(message_id=record.message_id, correlation_id=correlation_id_of(record)):
                    record_handler(record)

            return process_partial_response(
                event=event, record_handler=handle_record, processor=processor, context=context
            )

    return handler
