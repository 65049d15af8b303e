"""Catalog rules. Pure Python and pydantic: nothing here knows about AWS."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

from shared.errors import Conflict, NotFound
from shared.money import Money
from shared.text import MultiLineText, SingleLineText


def _normalize_sku(value: object) -> object:
    # Only ASCII is upper-cased: str.upper() maps "ß" to "SS" and "ﬀ" to "FF", which
    # would store another (possibly taken) SKU than the one sent. The rest fails the pattern.
    if isinstance(value, str) and value.isascii():
        return value.strip().upper()
    return value


# SKUs are unique regardless of case, so they are stored upper-case. Clients may send
# any case and surrounding blanks: the documented (validation) schema says so.
Sku = Annotated[
    str,
    BeforeValidator(_normalize_sku),
    StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,63}$"),
    WithJsonSchema({
        "type": "string",
        # str.strip()'s ASCII blanks around the SKU itself.
        "pattern": r"^[\t-\r\x1c-\x1f ]*[A-Za-z0-9][A-Za-z0-9_-]{0,63}[\t-\r\x1c-\x1f ]*$",
        "description": "Letters, digits, '-' and '_'; stored upper-case, without surrounding blanks",
        "examples": ["TSHIRT-RED-M"],
    }, mode="validation"),
]
ProductName = SingleLineText(max_length=200)
Description = MultiLineText(max_length=2000)
# The highest price a product may have (requests are held to it: products.handlers).
MAX_PRICE_CENTS = 100_000_000_00


class ProductNotFound(NotFound):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} not found")
        self.product_id = product_id


class SkuAlreadyExists(Conflict):
    def __init__(self, sku: str) -> None:
        super().__init__(f"A product with SKU {sku} already exists")
        self.sku = sku


class ProductModifiedConcurrently(Conflict):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} was modified concurrently, retry the request")


class ProductDetails(BaseModel):
    """What staff say about a product: the one list of its editable fields (a new field
    goes here, in ProductChanges and in the repository's entry; requests and responses
    take it from here)."""

    model_config = ConfigDict(frozen=True)

    sku: Sku
    name: ProductName
    description: Description = ""
    price: Money


class ProductChanges(BaseModel):
    """A partial update: only the fields that are set change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Sku | None = None
    name: ProductName | None = None
    description: Description | None = None
    price: Money | None = None


class Product(ProductDetails):
    id: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(ge=1)

    @classmethod
    def create(cls, details: ProductDetails) -> Product:
        now = _now()
        return cls(id=str(uuid.uuid4()), **dict(details), created_at=now, updated_at=now, version=1)

    def apply(self, changes: ProductChanges) -> Product:
        updates = {name: value for name, value in changes if value is not None}
        return self.model_copy(update={**updates, "updated_at": _now(), "version": self.version + 1})


def _now() -> datetime:
    return datetime.now(timezone.utc)
