"""What the orders service needs from the outside world, as abstract ports.

The service talks only to these. `orders.adapters` implements them with Lambda
invocations of the other services' functions and SQS; tests use in-memory fakes.
"""
from __future__ import annotations

import abc

from inventory.contracts import InventoryCommandResult, StockLine
from orders.events import OrderCancelled, OrderCreated, OrderUpdated
from payments.contracts import ChargeAmount, PaymentResult
from products.contracts import LookupProductsResult


class AbstractCatalog(abc.ABC):
    @abc.abstractmethod
    def lookup(self, product_ids: list[str]) -> LookupProductsResult:
        """Current name, SKU and price of each product; unknown ids listed as missing."""


class AbstractUserDirectory(abc.ABC):
    @abc.abstractmethod
    def exists(self, user_id: str) -> bool: ...


class AbstractInventory(abc.ABC):
    @abc.abstractmethod
    def reserve(self, order_id: str, lines: list[StockLine]) -> InventoryCommandResult: ...

    @abc.abstractmethod
    def release(self, order_id: str) -> InventoryCommandResult: ...

    @abc.abstractmethod
    def commit(self, order_id: str) -> InventoryCommandResult: ...

    @abc.abstractmethod
    def restock(self, order_id: str) -> InventoryCommandResult: ...


class AbstractPayments(abc.ABC):
    @abc.abstractmethod
    def charge(self, order_id: str, amount: ChargeAmount, payment_token: str) -> PaymentResult: ...

    @abc.abstractmethod
    def refund(self, order_id: str) -> PaymentResult: ...


class AbstractEventPublisher(abc.ABC):
    @abc.abstractmethod
    def publish_created(self, event: OrderCreated) -> None: ...

    @abc.abstractmethod
    def publish_cancelled(self, event: OrderCancelled) -> None: ...

    @abc.abstractmethod
    def publish_updated(self, event: OrderUpdated) -> None: ...
