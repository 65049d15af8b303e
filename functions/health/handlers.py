"""`GET /health`: 200 when every dependency answers, 503 naming the ones that don't.

It only describes resources (metadata), so its policy grants `DescribeTable` and
nothing that reads or writes another service's data.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.http import ApiRequest, ApiResponse, lambda_endpoint

# A health check must answer fast even when a dependency hangs.
_CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})
TABLES = [name for name in os.environ.get("HEALTH_TABLES", "").split(",") if name]
dynamodb = boto3.client("dynamodb", config=_CLIENT_CONFIG)


def _check_table(table_name: str) -> str:
    try:
        status = dynamodb.describe_table(TableName=table_name)["Table"]["TableStatus"]
    except (BotoCoreError, ClientError) as error:
        return f"unreachable: {type(error).__name__}"
    return "ok" if status in ("ACTIVE", "UPDATING") else f"not ready: {status}"


@lambda_endpoint
def check_health(request: ApiRequest) -> ApiResponse:
    names = [f"table:{table}" for table in TABLES]
    with ThreadPoolExecutor(max_workers=max(len(TABLES), 1)) as pool:
        results = dict(zip(names, pool.map(_check_table, TABLES)))
    failing = sorted(name for name, result in results.items() if result != "ok")
    if failing:
        return ApiResponse(503, {"status": "unavailable", "failing": failing, "checks": results})
    return ApiResponse(200, {"status": "ok", "checks": results})
