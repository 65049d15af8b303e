"""Unit tier: in-process, no network. DynamoDB is moto, tables are the template's."""
from __future__ import annotations

import os

from infra.template import resources_of_type


def _table_names() -> dict[str, tuple[str, str]]:
    """Template table -> (environment variable, unit-tier name): ProductsTable -> PRODUCTS_TABLE."""
    names = {}
    for logical_id in resources_of_type("AWS::DynamoDB::Table"):
        service = logical_id.removesuffix("Table")
        names[logical_id] = (f"{service.upper()}_TABLE", f"test-{service.lower()}")
    return names


TABLES = _table_names()

# Set before any service module is imported: they read their settings at import,
# exactly as a cold-starting Lambda does.
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "HEALTH_TABLES": ",".join(name for _, name in TABLES.values()),
        "POWERTOOLS_SERVICE_NAME": "unit-tests",
        # The SQS consumers read their queue at import (moto's URL for a queue of that name).
        "ORDER_EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/test-order-events",
        "ORDER_UPDATES_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/test-order-updates",
        # The functions orders invokes, as the template names them to it (never called here).
        "PRODUCT_LOOKUP_FUNCTION": "test-product-lookup",
        "INVENTORY_FUNCTION": "test-inventory",
        "PAYMENTS_FUNCTION": "test-payments",
        **dict(TABLES.values()),
    }
)

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

# Template table (logical id) -> the name the unit tier gives it.
TABLE_NAMES = {logical_id: name for logical_id, (_, name) in TABLES.items()}
_CREATE_TABLE_PROPERTIES = {"AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"}


@pytest.fixture
def aws():
    with mock_aws():
        yield


@pytest.fixture
def tables(aws):
    """Every service table, created from its definition in infra/template.yaml."""
    dynamodb = boto3.client("dynamodb")
    for logical_id, resource in resources_of_type("AWS::DynamoDB::Table").items():
        properties = {k: v for k, v in resource["Properties"].items() if k in _CREATE_TABLE_PROPERTIES}
        dynamodb.create_table(TableName=TABLE_NAMES[logical_id], **properties)
    return TABLE_NAMES
