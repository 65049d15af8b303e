"""Wires inventory's use cases to their adapters, once per process, from the environment."""
from __future__ import annotations

from dataclasses import dataclass

from inventory.catalog import AbstractCatalog, LambdaCatalog
from inventory.repository import AbstractStockRepository, DynamoDBStockRepository
from shared.bootstrap import Setting, Settings, Wiring


class InventorySettings(Settings):
    # Only SetStockFunction asks the catalog, and only it has the variable (and the
    # right to invoke the lookup). The table's name (INVENTORY_TABLE) is read where its
    # models are declared, at import.
    product_lookup_function: Setting | None = None


@dataclass(frozen=True)
class InventoryServices:
    stock: AbstractStockRepository
    catalog: AbstractCatalog | None  # None where the template gives no lookup function


def _services_from_environ() -> InventoryServices:
    settings = InventorySettings.from_environ()
    lookup = settings.product_lookup_function
    return InventoryServices(stock=DynamoDBStockRepository(), catalog=LambdaCatalog(lookup) if lookup else None)


_wiring = Wiring(_services_from_environ)
create_services = _wiring.create_services
override_services = _wiring.override_services
