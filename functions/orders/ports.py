"""What the orders service needs from the outside world, as abstract ports.

The service talks only to these. `orders.adapters` implements them with Lambda
invocations of the other services' functions and SQS; tests use in-memory fakes.
"""
from __future__ import annotations

import abc
from collections.abc import Callable
from typing import TypeVar

from inventory.contracts import CommitStock, InventoryCommandResult, ReserveStock, StockLine
from orders.contracts import OrderCancelled, OrderCreated, OrderUpdated
from payments.contracts import ChargeOrder, PaymentResult
from products.contracts import LookupProductsResult

T = TypeVar("T")


def outcome_of(call: Callable[[], T]) -> T | Exception:
    """What a call came to: its result, or the exception it raised (one order's own)."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - kept for the order it belongs to, raised there
        return error


class AbstractCatalog(abc.ABC):
    @abc.abstractmethod
    def lookup(self, product_ids: list[str]) -> LookupProductsResult:
        """Current name, SKU and price of each product; unknown ids listed as missing."""


class AbstractInventory(abc.ABC):
    @abc.abstractmethod
    def reserve(self, order_id: str, lines: list[StockLine]) -> InventoryCommandResult: ...

    @abc.abstractmethod
    def release(self, order_id: str) -> InventoryCommandResult: ...

    @abc.abstractmethod
    def commit(self, order_id: str) -> InventoryCommandResult: ...

    @abc.abstractmethod
    def restock(self, order_id: str) -> InventoryCommandResult: ...

    # Many orders at once (the processor's SQS batch): per command, in order, its result
    # or the exception it came to.
    @abc.abstractmethod
    def reserve_each(self, commands: list[ReserveStock]) -> list[InventoryCommandResult | Exception]: ...

    @abc.abstractmethod
    def commit_each(self, commands: list[CommitStock]) -> list[InventoryCommandResult | Exception]: ...


class AbstractPayments(abc.ABC):
    @abc.abstractmethod
    def charge(self, command: ChargeOrder) -> PaymentResult: ...

    @abc.abstractmethod
    def refund(self, order_id: str) -> PaymentResult: ...

    @abc.abstractmethod
    def charge_each(self, commands: list[ChargeOrder]) -> list[PaymentResult | Exception]:
        """Many charges at once, as `AbstractInventory.reserve_each`."""


class AbstractEventPublisher(abc.ABC):
    @abc.abstractmethod
    def publish_created(self, event: OrderCreated) -> None: ...

    @abc.abstractmethod
    def publish_cancelled(self, event: OrderCancelled) -> None: ...

    @abc.abstractmethod
    def publish_updated(self, event: OrderUpdated) -> None: ...
