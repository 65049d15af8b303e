"""Operator command: see what is in a dead-letter queue, and send it back for another try.

    python -m infra.dlq list                          # both DLQs of stack `shop`, local emulator
    python -m infra.dlq list --queue order-events --show-bodies
    python -m infra.dlq redrive --queue order-events  # back to the queue it died in
    python -m infra.dlq list --endpoint ''            # on AWS (your credentials)

Messages reach a DLQ after their queue's maxReceiveCount failed deliveries. Fix the
cause first (a dependency back up, a bug deployed), then redrive: consumers are
idempotent, so a message that partly succeeded before is safe to process again.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

from infra.deploy import DEFAULT_STACK, aws_session

# queue name (without stack prefix) -> (stack output of the queue, of its DLQ)
QUEUES = {
    "order-events": ("OrderEventsQueueUrl", "OrderEventsDLQUrl"),
    "order-updates": ("OrderUpdatesQueueUrl", "OrderUpdatesDLQUrl"),
}


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    receive_count: int
    body: str
    attributes: dict[str, Any]


def _sqs_and_outputs(endpoint: str, stack_name: str) -> tuple[Any, dict[str, str]]:
    session = aws_session(endpoint)
    stack = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
    return session.client("sqs"), outputs


def peek(sqs: Any, dlq_url: str, limit: int = 100, hide_seconds: int = 5) -> list[DeadLetter]:
    """Read up to `limit` messages without removing them (they reappear after `hide_seconds`)."""
    seen: dict[str, DeadLetter] = {}
    while len(seen) < limit:
        batch = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=hide_seconds, WaitTimeSeconds=0,
            AttributeNames=["All"], MessageAttributeNames=["All"],
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen[message["MessageId"]] = DeadLetter(
                message_id=message["MessageId"],
                receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
                body=message["Body"],
                attributes=message.get("MessageAttributes", {}),
            )
    return list(seen.values())


def redrive(sqs: Any, dlq_url: str, queue_url: str) -> int:
    """Move every message from the DLQ back to its queue; returns how many moved."""
    moved = 0
    while True:
        batch = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return moved
        for message in batch:
            # Send before delete: a crash in between duplicates a message, never loses one.
            sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"],
                             MessageAttributes=message.get("MessageAttributes", {}))
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["list", "redrive"])
    parser.add_argument("--queue", choices=sorted(QUEUES), help="default: every queue (list only)")
    parser.add_argument("--stack-name", default=DEFAULT_STACK)
    parser.add_argument("--endpoint", default="https://127.0.0.1:4566", help="'' for AWS")
    parser.add_argument("--show-bodies", action="store_true")
    args = parser.parse_args(argv)

    sqs, outputs = _sqs_and_outputs(args.endpoint, args.stack_name)
    if args.action == "redrive":
        if not args.queue:
            parser.error("redrive needs --queue")
        queue_output, dlq_output = QUEUES[args.queue]
        moved = redrive(sqs, outputs[dlq_output], outputs[queue_output])
        print(f"{args.queue}: moved {moved} message(s) from the DLQ back to the queue")
        return 0

    for name in [args.queue] if args.queue else sorted(QUEUES):
        letters = peek(sqs, outputs[QUEUES[name][1]])
        print(f"{name}-dlq: {len(letters)} message(s)")
        for letter in letters:
            summary = _summary(letter.body)
            print(f"  {letter.message_id}  receives={letter.receive_count}  {summary}")
            if args.show_bodies:
                print(f"    {letter.body}")
    return 0


def _summary(body: str) -> str:
    try:
        event = json.loads(body)
    except ValueError:
        return "(not JSON)"
    if not isinstance(event, dict):
        return "(not an event)"
    return f"type={event.get('type')} order_id={event.get('order_id')} correlation_id={event.get('correlation_id')}"


if __name__ == "__main__":
    sys.exit(main())
