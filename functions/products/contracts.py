"""What other services may ask of the catalog, through `ProductLookupFunction`.

The orders API invokes it to price an order from the catalog (never from the client).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.money import Money


class LookupProducts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    product_ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(min_length=1, max_length=100)]


class ProductSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    sku: str
    name: str
    price: Money


class LookupProductsResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    products: list[ProductSnapshot]
    missing_product_ids: list[str]

    @classmethod
    def of(cls, found: Sequence[object], missing: list[str]) -> LookupProductsResult:
        """The answer for the catalog's products `found` (read by their attributes: this
        contract is what other services ship, the catalog's domain stays out of it)."""
        return cls(products=[ProductSnapshot.model_validate(product, from_attributes=True) for product in found],
                   missing_product_ids=missing)
