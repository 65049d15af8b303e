"""In-memory implementations of the repository ports, for service tests.

They keep the contract the DynamoDB adapters keep (see test_*_repository.py):
unique SKUs and emails, optimistic locking on the version, creation-order pages.
"""
from __future__ import annotations

from products.domain import Product, ProductModifiedConcurrently, ProductNotFound, SkuAlreadyExists
from products.repository import AbstractProductRepository, ProductPage
from shared.errors import FieldError, InvalidInput
from users.domain import EmailAlreadyRegistered, User, UserAlreadyExists, UserNotFound
from users.repository import AbstractUserRepository


class FakeProductRepository(AbstractProductRepository):
    def __init__(self) -> None:
        self.products: dict[str, Product] = {}
        self.sku_owners: dict[str, str] = {}

    def add(self, product: Product) -> None:
        if product.sku in self.sku_owners:
            raise SkuAlreadyExists(product.sku)
        self.products[product.id] = product
        self.sku_owners[product.sku] = product.id

    def get(self, product_id: str) -> Product:
        try:
            return self.products[product_id]
        except KeyError:
            raise ProductNotFound(product_id) from None

    def get_many(self, product_ids: list[str]) -> list[Product]:
        return [self.products[product_id] for product_id in dict.fromkeys(product_ids)
                if product_id in self.products]

    def list(self, limit: int, cursor: str | None) -> ProductPage:
        ordered = sorted(self.products.values(), key=lambda p: (p.created_at, p.id))
        start = self._position(cursor, len(ordered))
        items = ordered[start:start + limit]
        end = start + len(items)
        return ProductPage(items, str(end) if end < len(ordered) else None)

    def replace(self, current: Product, updated: Product) -> None:
        self._check_version(current)
        if updated.sku != current.sku:
            if updated.sku in self.sku_owners:
                raise SkuAlreadyExists(updated.sku)
            del self.sku_owners[current.sku]
            self.sku_owners[updated.sku] = updated.id
        self.products[updated.id] = updated

    def remove(self, product: Product) -> None:
        self._check_version(product)
        del self.products[product.id]
        del self.sku_owners[product.sku]

    def _check_version(self, expected: Product) -> None:
        stored = self.products.get(expected.id)
        if stored is None or stored.version != expected.version:
            raise ProductModifiedConcurrently(expected.id)

    @staticmethod
    def _position(cursor: str | None, size: int) -> int:
        if cursor is None:
            return 0
        if not cursor.isdigit() or int(cursor) > size:
            raise InvalidInput("Invalid cursor", [FieldError("cursor", "Not a cursor returned by this API")])
        return int(cursor)


class FakeUserRepository(AbstractUserRepository):
    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.email_owners: dict[str, str] = {}

    def add(self, user: User) -> None:
        if user.id in self.users:
            raise UserAlreadyExists(user.id)
        if user.email_key in self.email_owners:
            raise EmailAlreadyRegistered(user.email)
        self.users[user.id] = user
        self.email_owners[user.email_key] = user.id

    def get(self, user_id: str) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise UserNotFound(user_id) from None

    def replace(self, user: User) -> None:
        if user.id not in self.users:
            raise UserNotFound(user.id)
        self.users[user.id] = user
