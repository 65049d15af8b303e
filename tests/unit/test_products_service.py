"""Catalog use cases against the in-memory repository (tests/unit/fakes.py)."""
from __future__ import annotations

import pytest

from products import service
from products.domain import (
    Money,
    Product,
    ProductChanges,
    ProductDetails,
    ProductModifiedConcurrently,
    ProductNotFound,
    SkuAlreadyExists,
)
from shared.errors import Forbidden, InvalidInput
from tests.unit.callers import CUSTOMER, STAFF
from tests.unit.fakes import FakeProductRepository

EUR_20 = Money(amount=2000, currency="EUR")


@pytest.fixture
def products() -> FakeProductRepository:
    return FakeProductRepository()


def create(products: FakeProductRepository, sku: str = "wid-1", name: str = "Widget") -> Product:
    return service.create_product(products, STAFF, ProductDetails(sku=sku, name=name, price=EUR_20))


def test_create_product_stores_and_returns_the_new_product(products):
    product = service.create_product(products, STAFF, ProductDetails(
        sku="wid-1", name="Widget", description="Blue", price=Money(amount=1999, currency="EUR")))

    assert products.products == {product.id: product}
    assert (product.sku, product.name, product.description) == ("WID-1", "Widget", "Blue")
    assert product.price == Money(amount=1999, currency="EUR")
    assert product.version == 1


def test_create_product_with_a_taken_sku_fails_and_keeps_the_first(products):
    first = create(products, sku="WID-1")

    with pytest.raises(SkuAlreadyExists) as raised:
        create(products, sku="wid-1", name="Copy")

    assert raised.value.sku == "WID-1"
    assert list(products.products.values()) == [first]


def test_get_product_returns_the_stored_product(products):
    product = create(products)

    assert service.get_product(products, product.id) == product


def test_get_unknown_product_raises_not_found(products):
    with pytest.raises(ProductNotFound) as raised:
        service.get_product(products, "nope")
    assert raised.value.product_id == "nope"


def test_list_products_pages_in_creation_order(products):
    created = [create(products, sku=f"SKU-{n}").id for n in range(5)]

    first = service.list_products(products, 2, None)
    second = service.list_products(products, 2, first.next_cursor)
    third = service.list_products(products, 2, second.next_cursor)

    assert [[p.id for p in page.items] for page in (first, second, third)] == [
        created[0:2], created[2:4], created[4:5]
    ]
    assert third.next_cursor is None


def test_list_products_passes_cursor_errors_through(products):
    with pytest.raises(InvalidInput):
        service.list_products(products, 2, "garbage")


def test_update_product_applies_changes_and_stores_them(products):
    product = create(products)

    updated = service.update_product(products, STAFF, product.id, ProductChanges(name="Gadget", sku="gad-1"))

    assert products.get(product.id) == updated
    assert (updated.name, updated.sku, updated.version) == ("Gadget", "GAD-1", 2)
    assert updated.price == product.price
    assert updated.updated_at >= product.updated_at
    assert products.sku_owners == {"GAD-1": product.id}


def test_update_product_to_a_taken_sku_changes_nothing(products):
    create(products, sku="TAKEN")
    product = create(products, sku="MINE")

    with pytest.raises(SkuAlreadyExists):
        service.update_product(products, STAFF, product.id, ProductChanges(sku="taken", name="Renamed"))

    assert products.get(product.id) == product


def test_update_unknown_product_raises_not_found_and_stores_nothing(products):
    with pytest.raises(ProductNotFound):
        service.update_product(products, STAFF, "nope", ProductChanges(name="Gadget"))
    assert products.products == {}


class ConcurrentWriterRepository(FakeProductRepository):
    """Another request updates the product between the service's read and its write."""

    def get(self, product_id: str) -> Product:
        product = super().get(product_id)
        super().replace(product, product.apply(ProductChanges(name="Theirs")))
        return product


def test_update_does_not_overwrite_a_concurrent_change():
    products = ConcurrentWriterRepository()
    product = create(products)

    with pytest.raises(ProductModifiedConcurrently):
        service.update_product(products, STAFF, product.id, ProductChanges(name="Mine"))

    stored = products.products[product.id]
    assert (stored.name, stored.version) == ("Theirs", 2)


def test_delete_product_removes_it_and_frees_its_sku(products):
    product = create(products, sku="WID-1")

    service.delete_product(products, STAFF, product.id)

    assert products.products == {}
    with pytest.raises(ProductNotFound):
        service.get_product(products, product.id)
    assert create(products, sku="WID-1").sku == "WID-1"


def test_delete_unknown_product_raises_not_found(products):
    other = create(products)

    with pytest.raises(ProductNotFound):
        service.delete_product(products, STAFF, "nope")

    assert list(products.products) == [other.id]


def test_delete_does_not_remove_a_concurrently_changed_product():
    products = ConcurrentWriterRepository()
    product = create(products)

    with pytest.raises(ProductModifiedConcurrently):
        service.delete_product(products, STAFF, product.id)

    assert products.products[product.id].name == "Theirs"


def test_a_customer_may_not_create_products_and_nothing_is_stored(products):
    with pytest.raises(Forbidden) as raised:
        service.create_product(products, CUSTOMER, ProductDetails(sku="wid-1", name="Widget", price=EUR_20))

    assert raised.value.code == "forbidden"
    assert products.products == {} and products.sku_owners == {}


def test_a_customer_may_not_change_or_delete_a_product_and_nothing_changes(products):
    product = create(products)

    with pytest.raises(Forbidden):
        service.update_product(products, CUSTOMER, product.id, ProductChanges(name="Mine"))
    with pytest.raises(Forbidden):
        service.delete_product(products, CUSTOMER, product.id)

    assert products.products == {product.id: product}


def test_a_customer_is_refused_before_an_unknown_product_is_looked_for(products):
    # 403, not 404: the answer to a customer does not depend on what the catalog holds.
    with pytest.raises(Forbidden):
        service.update_product(products, CUSTOMER, "nope", ProductChanges(name="Mine"))
    with pytest.raises(Forbidden):
        service.delete_product(products, CUSTOMER, "nope")
