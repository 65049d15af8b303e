"""Products table access: the port the service uses, and its DynamoDB adapter.

Table layout (one table for the service):
  pk = PRODUCT#<id>  the product; `kind` + `listing_key` put it in the sparse
                     `by_creation` index that paginated listing reads in order.
  pk = SKU#<sku>     a claim on a SKU, written in the same transaction as the
                     product, so two products can never share a SKU.
"""
from __future__ import annotations

import abc

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from products.domain import Product, ProductModifiedConcurrently, ProductNotFound, SkuAlreadyExists
from shared.dynamodb import (
    ClientSettings,
    add_with_claim,
    carry_stored_version,
    failed_conditions,
    table_name_from_env,
    transact,
    translate_outages,
)
from shared.money import Money
from shared.pagination import Page, decode_cursor, encode_cursor

TABLE_NAME = table_name_from_env("PRODUCTS_TABLE")
DEPENDENCY = "products table"
PRODUCT_KIND = "PRODUCT"


ProductPage = Page[Product]


class AbstractProductRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, product: Product) -> None:
        """Store a new product; raise SkuAlreadyExists if its SKU is taken."""

    @abc.abstractmethod
    def get(self, product_id: str) -> Product:
        """Return the product or raise ProductNotFound."""

    @abc.abstractmethod
    def get_many(self, product_ids: list[str]) -> list[Product]:
        """The products among `product_ids` that exist, each once, in no particular order."""

    @abc.abstractmethod
    def list(self, limit: int, cursor: str | None) -> ProductPage:
        """Products in creation order, `limit` at a time."""

    @abc.abstractmethod
    def replace(self, current: Product, updated: Product) -> None:
        """Store `updated` if the stored product is still `current` (same version)."""

    @abc.abstractmethod
    def remove(self, product: Product) -> None:
        """Delete the product and release its SKU."""


class ProductsByCreation(GlobalSecondaryIndex["ProductEntry"]):
    class Meta:
        index_name = "by_creation"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class ProductEntry(Model):
    class Meta(ClientSettings):
        table_name = TABLE_NAME

    pk = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    listing_key = UnicodeAttribute()
    id = UnicodeAttribute()
    sku = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    price_amount = NumberAttribute()
    price_currency = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # PynamoDB adds `version = :expected` to every save and delete: optimistic locking.
    version = VersionAttribute()

    by_creation = ProductsByCreation()

    @classmethod
    def from_domain(cls, product: Product) -> ProductEntry:
        entry = cls(
            pk=product_key(product.id),
            kind=PRODUCT_KIND,
            listing_key=f"{product.created_at.isoformat()}#{product.id}",
            id=product.id,
            sku=product.sku,
            name=product.name,
            description=product.description,
            price_amount=product.price.amount,
            price_currency=product.price.currency,
            created_at=product.created_at,
            updated_at=product.updated_at,
        )
        carry_stored_version(entry, product.version)
        return entry

    def to_domain(self) -> Product:
        return Product(
            id=self.id,
            sku=self.sku,
            name=self.name,
            description=self.description,
            price=Money(amount=int(self.price_amount), currency=self.price_currency),
            created_at=self.created_at,
            updated_at=self.updated_at,
            version=self.version,
        )


class SkuClaim(Model):
    class Meta(ClientSettings):
        table_name = TABLE_NAME

    pk = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute()


def product_key(product_id: str) -> str:
    return f"PRODUCT#{product_id}"


def sku_key(sku: str) -> str:
    return f"SKU#{sku}"


class DynamoDBProductRepository(AbstractProductRepository):
    _CURSOR_KEYS = frozenset({"pk", "kind", "listing_key"})

    def add(self, product: Product) -> None:
        claim = SkuClaim(pk=sku_key(product.sku), product_id=product.id)
        add_with_claim(ProductEntry.from_domain(product), claim, DEPENDENCY,
                       claim_taken=SkuAlreadyExists(product.sku))

    def get(self, product_id: str) -> Product:
        with translate_outages(DEPENDENCY):
            try:
                return ProductEntry.get(product_key(product_id), consistent_read=True).to_domain()
            except DoesNotExist:
                raise ProductNotFound(product_id) from None

    def get_many(self, product_ids: list[str]) -> list[Product]:
        # BatchGetItem, 100 keys a call; PynamoDB drops duplicate keys and re-asks for
        # any the table left unprocessed.
        keys = [product_key(product_id) for product_id in product_ids]
        with translate_outages(DEPENDENCY):
            return [entry.to_domain() for entry in ProductEntry.batch_get(keys, consistent_read=True)]

    def list(self, limit: int, cursor: str | None) -> ProductPage:
        start = decode_cursor(cursor, self._CURSOR_KEYS, fixed={"kind": PRODUCT_KIND})
        with translate_outages(DEPENDENCY):
            results = ProductEntry.by_creation.query(PRODUCT_KIND, limit=limit, last_evaluated_key=start)
            items = [entry.to_domain() for entry in results]
            return ProductPage(items, encode_cursor(results.last_evaluated_key))

    def replace(self, current: Product, updated: Product) -> None:
        entry = ProductEntry.from_domain(updated)
        sku_changed = updated.sku != current.sku
        # PynamoDB sends a transaction's deletes before its puts, whatever the order of the
        # calls. Written in that order, the position of each item here is its position in
        # the cancellation reasons: [old SKU's claim, product, new SKU's claim].
        new_claim = 2

        def write(tx: TransactWrite) -> None:
            if sku_changed:
                tx.delete(SkuClaim(pk=sku_key(current.sku)), condition=SkuClaim.product_id == current.id)
            tx.save(entry)
            if sku_changed:
                tx.save(SkuClaim(pk=sku_key(updated.sku), product_id=updated.id),
                        condition=SkuClaim.pk.does_not_exist())

        try:
            transact(write, DEPENDENCY)
        except TransactWriteError as error:
            failed = failed_conditions(error)
            if sku_changed and new_claim in failed:
                raise SkuAlreadyExists(updated.sku) from error
            if failed:
                raise ProductModifiedConcurrently(updated.id) from error
            raise

    def remove(self, product: Product) -> None:
        entry = ProductEntry.from_domain(product)
        entry.version = product.version

        def write(tx: TransactWrite) -> None:
            tx.delete(entry)
            tx.delete(SkuClaim(pk=sku_key(product.sku)), condition=SkuClaim.product_id == product.id)

        try:
            transact(write, DEPENDENCY)
        except TransactWriteError as error:
            if failed_conditions(error):
                raise ProductModifiedConcurrently(product.id) from error
            raise
