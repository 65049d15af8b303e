"""Catalog use cases. They talk to the repository port, never to DynamoDB.

Anyone with an API key reads the catalog; only staff change it, checked before anything is written.
"""
from __future__ import annotations

from products.domain import Product, ProductChanges, ProductDetails
from products.repository import AbstractProductRepository, ProductPage
from shared.caller import Caller


def create_product(products: AbstractProductRepository, caller: Caller, details: ProductDetails) -> Product:
    caller.require_staff()
    product = Product.create(details)
    products.add(product)
    return product


def get_product(products: AbstractProductRepository, product_id: str) -> Product:
    return products.get(product_id)


def list_products(products: AbstractProductRepository, limit: int, cursor: str | None) -> ProductPage:
    return products.list(limit, cursor)


def update_product(
    products: AbstractProductRepository, caller: Caller, product_id: str, changes: ProductChanges
) -> Product:
    caller.require_staff()
    current = products.get(product_id)
    updated = current.apply(changes)
    products.replace(current, updated)
    return updated


def delete_product(products: AbstractProductRepository, caller: Caller, product_id: str) -> None:
    caller.require_staff()
    products.remove(products.get(product_id))


def find_products(
    products: AbstractProductRepository, product_ids: list[str]
) -> tuple[list[Product], list[str]]:
    """The products that exist, in the order first asked for, and the ids that do not."""
    wanted = list(dict.fromkeys(product_ids))
    found = {product.id: product for product in products.get_many(wanted)}
    return [found[i] for i in wanted if i in found], [i for i in wanted if i not in found]
