"""Wires the catalog's use cases to their adapters, once per process, from the environment."""
from __future__ import annotations

from dataclasses import dataclass

from products.repository import AbstractProductRepository, DynamoDBProductRepository
from shared.bootstrap import Wiring


@dataclass(frozen=True)
class ProductServices:
    products: AbstractProductRepository


def _services_from_environ() -> ProductServices:
    # The table's name (PRODUCTS_TABLE) is read where its model is declared, at import.
    return ProductServices(products=DynamoDBProductRepository())


_wiring = Wiring(_services_from_environ)
create_services = _wiring.create_services
override_services = _wiring.override_services
