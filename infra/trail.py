"""One order's trail: every log line the stack's functions wrote about it, in time order.

    python -m infra.trail ORDER_ID                                   # MiniStack on :4566
    python -m infra.trail ORDER_ID --endpoint https://127.0.0.1:4577 --stack-name shop
    python -m infra.trail ORDER_ID --endpoint ''                     # AWS (your credentials)
    make trail ORDER=...

Reads CloudWatch Logs (each function logs to /aws/lambda/<function name>), in two passes:
1. the lines that mention the order id and carry it as `order_id`: they give the
   order's correlation id(s) (the POST that placed it; a later cancel has its own);
2. every line carrying one of those correlation ids, in any function of the stack: the
   lines of the same requests written before the order existed (user and product
   lookups), those of the inventory and payments commands, and the notification.
Both passes ask CloudWatch for a quoted term (`"<id>"`), a filter pattern AWS and
MiniStack both apply, and check the JSON of each line on this side. See
docs/observability.md for the equivalent CloudWatch Logs Insights query.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import ClientError

from infra.deploy import DEFAULT_STACK, aws_session

POWERTOOLS_TIME_FORMAT = "%Y-%m-%d %H:%M:%S,%f%z"  # 2026-11-25 14:51:03,747+0000


@dataclass(frozen=True, order=True)
class TrailLine:
    timestamp: datetime  # when the line was written (the line's own timestamp)
    ingested_ms: int  # CloudWatch's timestamp of the event: ties are broken by it
    function: str  # the function's logical id in the stack: PlaceOrderFunction, ...
    message: str
    level: str = ""
    status: str = ""
    correlation_id: str = ""
    order_id: str = ""
    fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def render(self) -> str:
        details = [f"{name}={self.fields[name]}" for name in ("command", "method", "path", "reason")
                   if self.fields.get(name) not in (None, "")]
        result = self.fields.get("result")
        if isinstance(result, dict) and (result.get("outcome") or result.get("status")):
            details.append(f"result={result.get('outcome') or result.get('status')}")
        when = self.timestamp.astimezone(timezone.utc).isoformat(timespec="milliseconds")
        return (f"{when}  {self.function:<32} {self.level:<7} {self.message:<28} "
                f"{self.status or '-':<10} {' '.join(details)}").rstrip()


def stack_functions(session: Any, stack_name: str) -> dict[str, str]:
    """Logical id -> function name of every Lambda function of the stack."""
    cloudformation = session.client("cloudformation")
    resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    return {resource["LogicalResourceId"]: resource["PhysicalResourceId"] for resource in resources
            if resource["ResourceType"] == "AWS::Lambda::Function" and resource.get("PhysicalResourceId")}


def parse_line(function: str, event: dict) -> TrailLine | None:
    """A structured (Powertools JSON) log line; None for platform lines and EMF metric lines."""
    try:
        line = json.loads(event.get("message", ""))
    except ValueError:
        return None
    if not isinstance(line, dict) or "_aws" in line or "message" not in line:
        return None
    ingested_ms = int(event.get("timestamp", 0))
    try:
        timestamp = datetime.strptime(str(line.get("timestamp")), POWERTOOLS_TIME_FORMAT)
    except ValueError:
        timestamp = datetime.fromtimestamp(ingested_ms / 1000, tz=timezone.utc)
    return TrailLine(
        timestamp=timestamp, ingested_ms=ingested_ms, function=function,
        message=str(line.get("message")), level=str(line.get("level", "")),
        status=str(line.get("status", "") or ""), correlation_id=str(line.get("correlation_id", "") or ""),
        order_id=str(line.get("order_id", "") or ""), fields=line,
    )


def search(logs: Any, functions: dict[str, str], term: str, start_time: datetime | None) -> list[TrailLine]:
    """Structured lines of the functions' log groups that contain `term`."""
    found = []
    paginator = logs.get_paginator("filter_log_events")
    for logical_id, function_name in functions.items():
        arguments: dict[str, Any] = {"logGroupName": f"/aws/lambda/{function_name}",
                                     "filterPattern": f'"{term}"'}
        if start_time is not None:
            arguments["startTime"] = int(start_time.timestamp() * 1000)
        try:
            for page in paginator.paginate(**arguments):
                for event in page.get("events", []):
                    line = parse_line(logical_id, event)
                    if line is not None:
                        found.append(line)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise  # a function that never ran has no log group yet
    return found


def order_trail(logs: Any, functions: dict[str, str], order_id: str,
                start_time: datetime | None = None) -> list[TrailLine]:
    about_order = [line for line in search(logs, functions, order_id, start_time) if line.order_id == order_id]
    correlation_ids = sorted({line.correlation_id for line in about_order if line.correlation_id})
    lines = {_identity(line): line for line in about_order}
    for correlation_id in correlation_ids:
        for line in search(logs, functions, correlation_id, start_time):
            if line.correlation_id == correlation_id:
                lines.setdefault(_identity(line), line)
    return sorted(lines.values())


def _identity(line: TrailLine) -> tuple:
    return line.function, line.ingested_ms, json.dumps(line.fields, sort_keys=True)


def render(order_id: str, lines: Iterable[TrailLine]) -> str:
    lines = list(lines)
    if not lines:
        return f"No log lines found for order {order_id}"
    correlation_ids = sorted({line.correlation_id for line in lines if line.correlation_id})
    header = [f"order {order_id}", f"correlation id(s): {', '.join(correlation_ids) or '-'}",
              f"{len(lines)} line(s) from {len({line.function for line in lines})} function(s)", ""]
    return "\n".join(header + [line.render() for line in lines])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("order_id")
    parser.add_argument("--endpoint", default="https://127.0.0.1:4566", help="'' for AWS")
    parser.add_argument("--stack-name", default=DEFAULT_STACK)
    parser.add_argument("--hours", type=float, default=24.0, help="how far back to look (default 24)")
    parser.add_argument("--json", action="store_true", help="print the raw JSON lines instead")
    args = parser.parse_args(argv)

    session = aws_session(args.endpoint)
    functions = stack_functions(session, args.stack_name)
    start_time = datetime.now(timezone.utc) - timedelta(hours=args.hours)
    lines = order_trail(session.client("logs"), functions, args.order_id, start_time)
    if args.json:
        for line in lines:
            print(json.dumps({"function": line.function, **line.fields}))
    else:
        print(render(args.order_id, lines))
    return 0 if lines else 1


if __name__ == "__main__":
    sys.exit(main())
