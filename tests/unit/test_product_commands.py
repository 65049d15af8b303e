"""The catalog's lookup function other services invoke, with the sample events in events/, against moto."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from products.contracts import LookupProductsResult
from products.commands import lookup_products
from products.domain import Product
from products.repository import DynamoDBProductRepository
from shared.money import Money

EVENTS = Path(__file__).resolve().parents[2] / "events"
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)


def event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def product(product_id: str, sku: str, amount: int = 1999) -> Product:
    return Product(id=product_id, sku=sku, name=f"Product {sku}", description="secret notes",
                   price=Money(amount=amount, currency="EUR"), created_at=NOW, updated_at=NOW, version=1)


@pytest.fixture
def products(tables) -> DynamoDBProductRepository:
    return DynamoDBProductRepository()


def test_product_lookup_event_returns_found_and_missing(products):
    known, unknown = event("ProductLookupFunction.json")["product_ids"]
    products.add(product(known, "WID-1"))

    result = lookup_products(event("ProductLookupFunction.json"), None)

    assert result == {
        "products": [{"id": known, "sku": "WID-1", "name": "Product WID-1",
                      "price": {"amount": 1999, "currency": "EUR"}}],
        "missing_product_ids": [unknown],
    }
    assert LookupProductsResult.model_validate(result).missing_product_ids == [unknown]


def test_product_lookup_keeps_the_asked_order_and_asks_for_duplicates_once(products):
    for n in range(3):
        products.add(product(f"p{n}", f"SKU-{n}", amount=100 * n))

    result = lookup_products({"product_ids": ["p2", "nope", "p0", "p2", "p1", "nope"]}, None)

    assert [p["id"] for p in result["products"]] == ["p2", "p0", "p1"]
    assert [p["price"]["amount"] for p in result["products"]] == [200, 0, 100]
    assert result["missing_product_ids"] == ["nope"]


def test_product_lookup_of_a_hundred_ids_reads_every_one(products):
    for n in range(60):
        products.add(product(f"p{n:03}", f"SKU-{n}"))
    ids = [f"p{n:03}" for n in range(100)]

    result = lookup_products({"product_ids": ids}, None)

    assert [p["id"] for p in result["products"]] == ids[:60]
    assert result["missing_product_ids"] == ids[60:]


def test_get_many_reads_only_products(products):
    first, second = product("p1", "SKU-1"), product("p2", "SKU-2")
    products.add(first)
    products.add(second)

    found = products.get_many(["p2", "SKU-1", "p1", "p2", "missing"])

    assert sorted(found, key=lambda p: p.id) == [first, second]


@pytest.mark.parametrize(
    "payload",
    [{"product_ids": []}, {"product_ids": [""]}, {"product_ids": ["a"] * 101}, {"ids": ["a"]}],
    ids=["empty", "blank id", "over 100", "wrong field"],
)
def test_product_lookup_outside_the_contract_raises(tables, payload):
    with pytest.raises(ValidationError):
        lookup_products(payload, None)

