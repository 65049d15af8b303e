"""Look at a table behind the adapters' backs: plain boto3, no PynamoDB models."""
from __future__ import annotations

import functools

import boto3
from botocore.config import Config


@functools.cache
def _client():
    # One client for the whole run (moto's stubber serves any client while mock_aws is
    # active). It ignores AWS_ENDPOINT_URL: the outage tests point the services at a
    # closed port and must still read what moto holds.
    return boto3.session.Session().client("dynamodb", config=Config(ignore_configured_endpoint_urls=True))


def stored_items(table_name: str) -> dict[str, dict]:
    """Every item of the table, by its `pk`, read with a consistent scan."""
    items, start = [], {}
    while True:
        page = _client().scan(TableName=table_name, ConsistentRead=True, **start)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return {item["pk"]["S"]: item for item in items}
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
