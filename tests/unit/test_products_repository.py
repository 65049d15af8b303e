"""The DynamoDB adapter of the catalog, against moto tables built from the template."""
from __future__ import annotations

import pytest

from products.domain import (
    Money,
    Product,
    ProductChanges,
    ProductDetails,
    ProductModifiedConcurrently,
    ProductNotFound,
    SkuAlreadyExists,
)
from products.repository import DynamoDBProductRepository
from tests.unit import stored

EUR_20 = Money(amount=2000, currency="EUR")


@pytest.fixture
def products(tables) -> DynamoDBProductRepository:
    return DynamoDBProductRepository()


def new_product(sku: str = "WID-1", name: str = "Widget") -> Product:
    return Product.create(ProductDetails(sku=sku, name=name, description="", price=EUR_20))


def stored_items(tables) -> dict[str, dict]:
    return stored.stored_items(tables["ProductsTable"])


def test_added_product_reads_back_unchanged(products):
    product = Product.create(ProductDetails(sku="wid-1", name="Widget", description="Blue and round",
                             price=Money(amount=1999, currency="USD")))

    products.add(product)

    assert products.get(product.id) == product


def test_add_writes_the_product_and_a_claim_on_its_sku(products, tables):
    product = new_product()

    products.add(product)

    items = stored_items(tables)
    assert set(items) == {f"PRODUCT#{product.id}", "SKU#WID-1"}
    assert items["SKU#WID-1"]["product_id"] == {"S": product.id}
    assert items[f"PRODUCT#{product.id}"]["kind"] == {"S": "PRODUCT"}
    assert items[f"PRODUCT#{product.id}"]["price_amount"] == {"N": "2000"}


def test_get_unknown_product_raises_not_found(products):
    with pytest.raises(ProductNotFound):
        products.get("does-not-exist")


def test_duplicate_sku_raises_and_writes_nothing(products, tables):
    first = new_product(sku="WID-1")
    products.add(first)
    before = stored_items(tables)

    duplicate = new_product(sku="wid-1", name="Copy")
    with pytest.raises(SkuAlreadyExists) as raised:
        products.add(duplicate)

    assert raised.value.sku == "WID-1"
    assert stored_items(tables) == before
    assert len(before) == 2
    with pytest.raises(ProductNotFound):
        products.get(duplicate.id)


@pytest.mark.parametrize(("count", "limit"), [(7, 3), (6, 3), (3, 5), (1, 1)])
def test_list_pages_through_every_product_once_in_creation_order(products, count, limit):
    created = []
    for n in range(count):
        product = new_product(sku=f"SKU-{n}")
        products.add(product)
        created.append(product)

    pages, cursor = [], None
    for _ in range(count + 2):  # more pages than that would mean the cursor never ends
        page = products.list(limit, cursor)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert cursor is None, "listing never ended"
    seen = [product for items in pages for product in items]
    assert [p.id for p in seen] == [p.id for p in created]
    assert seen == created  # whole products, not only ids, and no SKU claims
    assert all(len(items) == limit for items in pages[:-1])
    assert len(pages[-1]) <= limit


def test_list_of_an_empty_catalog_is_one_empty_page(products):
    page = products.list(20, None)

    assert (page.items, page.next_cursor) == ([], None)


def test_changing_the_sku_frees_the_old_one_and_claims_the_new_one(products, tables):
    current = new_product(sku="OLD-1")
    products.add(current)

    updated = current.apply(ProductChanges(sku="new-1"))
    products.replace(current, updated)

    items = stored_items(tables)
    assert "SKU#OLD-1" not in items
    assert items["SKU#NEW-1"]["product_id"] == {"S": current.id}
    assert products.get(current.id) == updated

    with pytest.raises(SkuAlreadyExists):
        products.add(new_product(sku="NEW-1"))
    reuse = new_product(sku="OLD-1")
    products.add(reuse)
    assert products.get(reuse.id).sku == "OLD-1"


def test_changing_to_a_taken_sku_raises_and_changes_nothing(products, tables):
    products.add(new_product(sku="TAKEN"))
    current = new_product(sku="MINE")
    products.add(current)
    before = stored_items(tables)

    with pytest.raises(SkuAlreadyExists):
        products.replace(current, current.apply(ProductChanges(sku="TAKEN", name="Renamed")))

    assert stored_items(tables) == before
    assert products.get(current.id) == current


def test_replace_without_sku_change_keeps_the_claim(products, tables):
    current = new_product(sku="WID-1")
    products.add(current)

    updated = current.apply(ProductChanges(name="Gadget", price=Money(amount=1, currency="EUR")))
    products.replace(current, updated)

    assert products.get(current.id) == updated
    assert stored_items(tables)["SKU#WID-1"]["product_id"] == {"S": current.id}


def test_successive_replacements_each_bump_the_version(products):
    product = new_product()
    products.add(product)

    for name in ("Two", "Three", "Four"):
        updated = product.apply(ProductChanges(name=name))
        products.replace(product, updated)
        product = products.get(product.id)
        assert product == updated

    assert (product.name, product.version) == ("Four", 4)


def test_replace_from_a_stale_version_raises_and_keeps_the_newer_write(products):
    current = new_product()
    products.add(current)
    first = current.apply(ProductChanges(name="First"))
    products.replace(current, first)

    with pytest.raises(ProductModifiedConcurrently):
        products.replace(current, current.apply(ProductChanges(name="Second")))

    assert products.get(current.id) == first


def test_stale_replace_with_sku_change_claims_nothing(products, tables):
    current = new_product(sku="OLD-1")
    products.add(current)
    products.replace(current, current.apply(ProductChanges(name="First")))
    before = stored_items(tables)

    with pytest.raises(ProductModifiedConcurrently):
        products.replace(current, current.apply(ProductChanges(sku="NEW-1")))

    assert stored_items(tables) == before
    assert "SKU#NEW-1" not in before


def test_replace_of_a_removed_product_raises(products, tables):
    current = new_product()
    products.add(current)
    products.remove(current)

    with pytest.raises(ProductModifiedConcurrently):
        products.replace(current, current.apply(ProductChanges(name="Ghost")))

    assert stored_items(tables) == {}


def test_remove_deletes_the_product_and_frees_its_sku(products, tables):
    keep = new_product(sku="KEEP")
    gone = new_product(sku="GONE")
    products.add(keep)
    products.add(gone)

    products.remove(gone)

    assert set(stored_items(tables)) == {f"PRODUCT#{keep.id}", "SKU#KEEP"}
    with pytest.raises(ProductNotFound):
        products.get(gone.id)
    assert [p.id for p in products.list(10, None).items] == [keep.id]
    again = new_product(sku="GONE")
    products.add(again)
    assert products.get(again.id) == again


def test_remove_of_a_stale_version_raises_and_deletes_nothing(products, tables):
    current = new_product()
    products.add(current)
    products.replace(current, current.apply(ProductChanges(name="Newer")))
    before = stored_items(tables)

    with pytest.raises(ProductModifiedConcurrently):
        products.remove(current)

    assert stored_items(tables) == before
