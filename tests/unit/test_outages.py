"""DynamoDB does not answer: every endpoint says 503, retryable, and writes nothing.

The outage is real, not a mock: botocore is pointed (AWS_ENDPOINT_URL) at a loopback
port that was bound and closed, so every request gets "connection refused" from the
kernel. PynamoDB caches a connection per model (`Model._connection`) and the services
cache their transaction connection (`shared.dynamodb.create_connection`), so those are
reset to make the services build clients that read the new endpoint.
"""
from __future__ import annotations

import socket

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from health import handlers as health_handlers
from products.domain import Product, ProductDetails
from shared.money import Money
from products.repository import DynamoDBProductRepository, ProductEntry, SkuClaim
from shared.dynamodb import create_connection
from shared.errors import DependencyUnavailable
from tests.unit.api_events import (
    FUNCTIONS,
    call_on_product,
    covered_functions,
    create_product,
    invoke,
    sample_event,
)
from tests.unit.stored import stored_items
from users.domain import User
from users.repository import DynamoDBUserRepository, EmailClaim, UserEntry

MODELS = (ProductEntry, SkuClaim, UserEntry, EmailClaim)
DEPENDENCY_OF = {"products": "products table", "users": "users table"}


@pytest.fixture
def refused_endpoint() -> str:
    """A loopback URL nothing listens on: connecting to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the closed port is in use again"
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def transactions_down(tables, monkeypatch, refused_endpoint):
    """New DynamoDB clients get 'connection refused'; clients already built still answer."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", refused_endpoint)
    create_connection.cache_clear()
    yield refused_endpoint
    create_connection.cache_clear()  # the next test builds one against moto again


@pytest.fixture
def dynamodb_down(transactions_down, monkeypatch):
    """Every DynamoDB client of the services, reads and writes and health, is refused."""
    for model in MODELS:
        monkeypatch.setattr(model, "_connection", None)
    monkeypatch.setattr(
        health_handlers, "dynamodb", boto3.client("dynamodb", config=health_handlers._CLIENT_CONFIG)
    )
    assert health_handlers.dynamodb.meta.endpoint_url == transactions_down
    return transactions_down


def assert_unavailable(result, dependency: str, endpoint: str) -> None:
    assert result.status == 503, result.body
    assert result.headers["Retry-After"] == "1"
    assert result.json == {
        "code": "dependency_unavailable",
        "message": f"{dependency} is unavailable, try again later",
    }
    for internal in ("Traceback", "EndpointConnectionError", endpoint, "127.0.0.1", "botocore"):
        assert internal not in result.body


def test_botocore_and_pynamodb_really_follow_the_refused_endpoint(tables, dynamodb_down):
    # The premise of this file: the services' new clients talk to the closed port.
    assert create_connection().client.meta.endpoint_url == dynamodb_down
    assert ProductEntry._get_connection().connection.client.meta.endpoint_url == dynamodb_down

    with pytest.raises(DependencyUnavailable) as raised:
        DynamoDBProductRepository().get("any")

    assert raised.value.dependency == "products table"
    assert isinstance(raised.value.__cause__.cause, EndpointConnectionError)


def test_get_product_during_an_outage_is_503(tables, refused_endpoint, request):
    product = create_product()  # stored while DynamoDB still answers
    request.getfixturevalue("dynamodb_down")

    result = call_on_product("GetProductFunction", product["id"])

    assert_unavailable(result, "products table", refused_endpoint)


def test_create_product_during_an_outage_is_503_and_writes_nothing(tables, dynamodb_down):
    result = invoke("CreateProductFunction", sample_event("CreateProductFunction"))

    assert_unavailable(result, "products table", dynamodb_down)
    assert stored_items(tables["ProductsTable"]) == {}


def test_a_first_profile_during_an_outage_is_503_and_writes_nothing(tables, dynamodb_down):
    result = invoke("GetMyProfileFunction", sample_event("GetMyProfileFunction"))

    assert_unavailable(result, "users table", dynamodb_down)
    assert stored_items(tables["UsersTable"]) == {}


@pytest.mark.parametrize(
    "function_id", [name for name in covered_functions() if name != "HealthFunction"]
)
def test_every_endpoint_is_503_during_an_outage(tables, dynamodb_down, function_id):
    service_tables = [tables["ProductsTable"], tables["UsersTable"]]
    before = [stored_items(table) for table in service_tables]

    result = invoke(function_id, sample_event(function_id))

    dependency = "users table" if FUNCTIONS[function_id]["Properties"]["Handler"].startswith("users.") \
        else "products table"
    assert_unavailable(result, dependency, dynamodb_down)
    assert [stored_items(table) for table in service_tables] == before


@pytest.mark.parametrize(
    ("function_id", "payload"),
    [("UpdateProductFunction", {"name": "Renamed", "sku": "NEW-SKU-1"}), ("DeleteProductFunction", None)],
)
def test_write_refused_after_a_successful_read_is_503_and_changes_nothing(
    tables, request, function_id, payload
):
    product = create_product()
    assert call_on_product("GetProductFunction", product["id"]).status == 200  # the model's client is built
    before = stored_items(tables["ProductsTable"])
    endpoint = request.getfixturevalue("transactions_down")

    result = call_on_product(function_id, product["id"], payload)

    assert_unavailable(result, "products table", endpoint)
    assert stored_items(tables["ProductsTable"]) == before
    assert call_on_product("GetProductFunction", product["id"]).json == product  # reads still work


def test_health_is_503_naming_every_unreachable_table(tables, dynamodb_down):
    result = invoke("HealthFunction", sample_event("HealthFunction"))

    assert result.status == 503
    body = result.json
    assert body["status"] == "unavailable"
    expected = sorted(f"table:{name}" for name in tables.values())
    assert [name for name in body["failing"] if name.startswith("table:")] == expected
    assert {name: body["checks"][name] for name in expected} == dict.fromkeys(
        expected, "unreachable: EndpointConnectionError"
    )
    assert "Traceback" not in result.body


def test_adapters_raise_dependency_unavailable_not_a_pynamodb_error(tables, dynamodb_down):
    products, users = DynamoDBProductRepository(), DynamoDBUserRepository()
    product = Product.create(ProductDetails(sku="X-1", name="X", price=Money(amount=1, currency="EUR")))
    user = User.register("sub-1", email="ada@example.com", name="Ada")

    calls = {
        "products.add": lambda: products.add(product),
        "products.get": lambda: products.get(product.id),
        "products.list": lambda: products.list(10, None),
        "products.replace": lambda: products.replace(product, product),
        "products.remove": lambda: products.remove(product),
        "users.add": lambda: users.add(user),
        "users.get": lambda: users.get(user.id),
        "users.replace": lambda: users.replace(user),
    }
    for name, call in calls.items():
        with pytest.raises(DependencyUnavailable) as raised:
            call()
        assert raised.value.dependency == DEPENDENCY_OF[name.split(".")[0]], name


def test_service_answers_again_once_dynamodb_is_back(tables, request, monkeypatch):
    product = create_product()
    request.getfixturevalue("dynamodb_down")
    assert call_on_product("GetProductFunction", product["id"]).status == 503

    monkeypatch.delenv("AWS_ENDPOINT_URL")
    for model in MODELS:
        monkeypatch.setattr(model, "_connection", None)
    create_connection.cache_clear()

    assert call_on_product("GetProductFunction", product["id"]).json == product
    assert invoke("GetMyProfileFunction", sample_event("GetMyProfileFunction")).status == 200
