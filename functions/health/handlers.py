"""`GET /health`: 200 when every dependency answers, 503 naming the ones that don't.

It only describes resources (metadata), so its policy grants `DescribeTable` and
`GetQueueAttributes`, nothing that reads or writes another service's data.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from shared.aws_clients import create_client
from shared.http import ApiRequest, ApiResponse, lambda_endpoint

# A health check must answer fast even when a dependency hangs.
_CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})
TABLES = [name for name in os.environ.get("HEALTH_TABLES", "").split(",") if name]
QUEUES = [url for url in os.environ.get("HEALTH_QUEUES", "").split(",") if url]
# Every check uses both: created at import, with the rest of the cold start.
dynamodb = create_client("dynamodb", _CLIENT_CONFIG)
sqs = create_client("sqs", _CLIENT_CONFIG)


def _check_table(table_name: str) -> str:
    try:
        status = dynamodb.describe_table(TableName=table_name)["Table"]["TableStatus"]
    except (BotoCoreError, ClientError) as error:
        return _unreachable(error)
    return "ok" if status in ("ACTIVE", "UPDATING") else f"not ready: {status}"


def _check_queue(queue_url: str) -> str:
    try:
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    except (BotoCoreError, ClientError) as error:
        return _unreachable(error)
    return "ok"


def _unreachable(error: BotoCoreError | ClientError) -> str:
    # The AWS error code (ResourceNotFoundException, AccessDenied...) or the transport
    # failure (EndpointConnectionError...): enough to act on, nothing internal.
    if isinstance(error, ClientError):
        return f"unreachable: {error.response.get('Error', {}).get('Code', 'ClientError')}"
    return f"unreachable: {type(error).__name__}"


def _checks() -> dict[str, Callable[[], str]]:
    checks: dict[str, Callable[[], str]] = {}
    for table in TABLES:
        checks[f"table:{table}"] = lambda table=table: _check_table(table)
    for url in QUEUES:
        checks[f"queue:{url.rsplit('/', 1)[-1]}"] = lambda url=url: _check_queue(url)
    return checks


class HealthReport(BaseModel):
    """200 when every check is "ok"; 503 lists the failing ones."""

    status: Literal["ok", "unavailable"]
    failing: list[str] | None = None
    checks: dict[str, str]


@lambda_endpoint(responses={200: HealthReport, 503: HealthReport})
def check_health(request: ApiRequest) -> ApiResponse:
    checks = _checks()
    with ThreadPoolExecutor(max_workers=max(len(checks), 1)) as pool:
        futures = {name: pool.submit(check) for name, check in checks.items()}
        results = {name: future.result() for name, future in futures.items()}
    failing = sorted(name for name, result in results.items() if result != "ok")
    if failing:
        return ApiResponse(503, {"status": "unavailable", "failing": failing, "checks": results})
    return ApiResponse(200, {"status": "ok", "checks": results})
