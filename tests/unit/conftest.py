"""Unit tier: in-process, no network. DynamoDB is moto, tables are the template's."""
from __future__ import annotations

import os

# Set before any service module is imported: they read their table names at import,
# exactly as a cold-starting Lambda does.
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "PRODUCTS_TABLE": "test-products",
        "USERS_TABLE": "test-users",
        "HEALTH_TABLES": "test-products,test-users",
        "POWERTOOLS_SERVICE_NAME": "unit-tests",
    }
)

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from tests.template import resources_of_type  # noqa: E402

# Template table (logical id) -> the name the unit tier gives it.
TABLE_NAMES = {"ProductsTable": "test-products", "UsersTable": "test-users"}


@pytest.fixture
def aws():
    with mock_aws():
        yield


@pytest.fixture
def tables(aws):
    """Every service table, created from its definition in infra/template.yaml."""
    dynamodb = boto3.client("dynamodb")
    for logical_id, resource in resources_of_type("AWS::DynamoDB::Table").items():
        properties = dict(resource["Properties"])
        properties["TableName"] = TABLE_NAMES[logical_id]
        allowed = {"TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"}
        dynamodb.create_table(**{k: v for k, v in properties.items() if k in allowed})
    return TABLE_NAMES
