"""In-memory doubles of the orders service's ports, for service, processor and handler tests.

Each keeps the contract of what it stands in for:
- FakeOrderRepository: the DynamoDB adapter's optimistic locking (a save succeeds only
  if the stored version is `order.version - 1`), its newest-first listing and its cursors
  (test_orders_repository.py runs the same tests against both).
- InProcessCatalog, InProcessInventory, InProcessPayments: not re-implementations of
  those services' rules but products.service, inventory.service and payments.service
  themselves, over their in-memory storage, failing the way the Lambda adapters
  report a callee's error.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TypeVar

from inventory import service as inventory_service
from inventory.contracts import CommitStock, InventoryCommandResult, ReserveStock, StockLine
from inventory.domain import DEFAULT_RESERVATION_TTL, Line, Reservation
from orders.domain import Order, OrderModifiedConcurrently, OrderNotFound
from orders.contracts import OrderCancelled, OrderCreated, OrderUpdated
from orders.ports import (
    AbstractCatalog,
    AbstractEventPublisher,
    AbstractInventory,
    AbstractPayments,
    outcome_of,
)
from orders.repository import AbstractOrderRepository, OrderPage
from orders import service
from orders.service import OrderServices
from payments import service as payments_service
from payments.commands import result_of
from payments.contracts import ChargeOrder, PaymentResult
from products.contracts import LookupProductsResult, ProductSnapshot
from products import service as products_service
from products.domain import Product
from shared.money import Money
from shared.errors import DependencyUnavailable, FieldError, InvalidInput
from shared.pagination import decode_cursor, encode_cursor
from tests.unit.fakes import FakeProductRepository
from tests.unit.inventory_fakes import FakeStockRepository
from tests.unit.payments_fakes import FakePaymentRepository, TestCardProcessor

T = TypeVar("T")


class FakeOrderRepository(AbstractOrderRepository):
    """Orders by id. `before_save`, if set, runs at the start of every save with the order
    being saved: a test uses it to play another writer between the service's read and write."""

    def __init__(self, *orders: Order) -> None:
        self.orders: dict[str, Order] = {order.id: order for order in orders}
        self.before_save: Callable[[Order], None] | None = None
        self.saved: list[Order] = []
        self.discarded: list[str] = []

    def add(self, order: Order) -> None:
        if order.id in self.orders:
            raise AssertionError(f"order {order.id} added twice")
        self.orders[order.id] = order

    def get(self, order_id: str) -> Order:
        try:
            return self.orders[order_id]
        except KeyError:
            raise OrderNotFound(order_id) from None

    def save(self, order: Order) -> None:
        if self.before_save is not None:
            self.before_save(order)
        stored = self.orders.get(order.id)
        # Exactly the adapter's condition: the stored version is the one before this change
        # (no stored order counts as version 0).
        if (stored.version if stored else 0) != order.version - 1:
            raise OrderModifiedConcurrently(order.id)
        self.orders[order.id] = order
        self.saved.append(order)

    def discard_unpublished(self, order: Order) -> None:
        stored = self.orders.get(order.id)
        if stored is None or stored.version != order.version or stored.status != order.status:
            raise OrderModifiedConcurrently(order.id)
        del self.orders[order.id]
        self.discarded.append(order.id)

    def list_for_user(self, user_id: str, limit: int, cursor: str | None) -> OrderPage:
        start = decode_cursor(cursor, frozenset({"pk", "user_id", "created_key"}))
        if start and start["user_id"]["S"] != user_id:
            raise InvalidInput("Invalid cursor", [FieldError("cursor", "Not a cursor of this user's orders")])
        newest_first = sorted((o for o in self.orders.values() if o.user_id == user_id),
                              key=_created_key, reverse=True)
        if start:
            newest_first = [o for o in newest_first if _created_key(o) < start["created_key"]["S"]]
        items = newest_first[:limit]
        # Like a DynamoDB query with Limit: a full page always carries a cursor.
        last = items[-1] if len(items) == limit else None
        return OrderPage(items, encode_cursor(_key_of(last)) if last else None)

    def get_each(self, order_ids: list[str]) -> dict[str, Order | Exception]:
        return {order_id: outcome_of(lambda order_id=order_id: self.get(order_id)) for order_id in order_ids}

    def put(self, order: Order) -> Order:
        """Store an order as it is, whatever is stored: the state a test starts from."""
        self.orders[order.id] = order
        return order


def _created_key(order: Order) -> str:
    return f"{order.created_at.isoformat()}#{order.id}"


def _key_of(order: Order) -> dict:
    return {"pk": {"S": f"ORDER#{order.id}"}, "user_id": {"S": order.user_id},
            "created_key": {"S": _created_key(order)}}


class InProcessCatalog(AbstractCatalog):
    """The catalog's own lookup (products.service) over its in-memory repository, behind
    the port orders uses: what LambdaCatalog reaches when deployed, without the invoke.
    `lookups` lists the ids of every call."""

    def __init__(self, *products: ProductSnapshot) -> None:
        self.repository = FakeProductRepository()
        self.lookups: list[list[str]] = []
        for product in products:
            self.put(product)

    @property
    def products(self) -> dict[str, ProductSnapshot]:
        return {product.id: ProductSnapshot.model_validate(product, from_attributes=True)
                for product in self.repository.products.values()}

    def put(self, snapshot: ProductSnapshot) -> ProductSnapshot:
        """A product in the catalog, as staff would have created it."""
        now = datetime.now(timezone.utc)
        self.repository.add(Product(**snapshot.model_dump(), created_at=now, updated_at=now, version=1))
        return snapshot

    def add(self, product_id: str, amount: int, currency: str = "EUR") -> ProductSnapshot:
        return self.put(ProductSnapshot(id=product_id, sku=f"SKU-{product_id.upper()}", name=f"Product {product_id}",
                                        price=Money(amount=amount, currency=currency)))

    def lookup(self, product_ids: list[str]) -> LookupProductsResult:
        self.lookups.append(list(product_ids))
        return callee(lambda: LookupProductsResult.of(*products_service.find_products(self.repository, product_ids)),
                      "catalog")()


class InProcessInventory(AbstractInventory):
    """Inventory's own service over its in-memory stock repository, behind the port orders
    uses: what LambdaInventory reaches when deployed, without the invoke. Stock is counted
    from `on_hand`; `calls` lists every (action, order id)."""

    def __init__(self, **on_hand: int) -> None:
        self.stock = FakeStockRepository()
        for product_id, count in on_hand.items():
            self.stock.set_on_hand(product_id, count)
        self.calls: list[tuple[str, str]] = []

    @property
    def on_hand(self) -> dict[str, int]:
        return {product_id: item.on_hand for product_id, item in self.stock.items.items()}

    @property
    def reserved(self) -> dict[str, int]:
        return {product_id: item.reserved for product_id, item in self.stock.items.items()}

    @property
    def holds(self) -> dict[str, Reservation]:
        return self.stock.reservations

    def available(self, product_id: str) -> int:
        return self.stock.get(product_id).available

    def count(self, action: str) -> int:
        return sum(1 for called, _ in self.calls if called == action)

    def reserve(self, order_id: str, lines: list[StockLine]) -> InventoryCommandResult:
        held = [Line(product_id=line.product_id, quantity=line.quantity) for line in lines]
        return self._call("reserve", order_id, lambda now: inventory_service.reserve(
            self.stock, order_id, held, now=now, ttl=DEFAULT_RESERVATION_TTL))

    def release(self, order_id: str) -> InventoryCommandResult:
        return self._call("release", order_id,
                          lambda now: inventory_service.release(self.stock, order_id, now=now))

    def commit(self, order_id: str) -> InventoryCommandResult:
        return self._call("commit", order_id, lambda now: inventory_service.commit(self.stock, order_id, now=now))

    def restock(self, order_id: str) -> InventoryCommandResult:
        return self._call("restock", order_id,
                          lambda now: inventory_service.restock(self.stock, order_id, now=now))

    # One command at a time: the Lambda adapter's one invoke per batch is shared.invocation's.
    def reserve_each(self, commands: list[ReserveStock]) -> list[InventoryCommandResult | Exception]:
        return [outcome_of(lambda c=c: self.reserve(c.order_id, list(c.lines))) for c in commands]

    def commit_each(self, commands: list[CommitStock]) -> list[InventoryCommandResult | Exception]:
        return [outcome_of(lambda c=c: self.commit(c.order_id)) for c in commands]

    def expire(self, order_id: str) -> None:
        """What inventory's sweep does to a hold past its expiry, a release (not a call)."""
        inventory_service.release(self.stock, order_id, now=datetime.now(timezone.utc))

    def _call(self, action: str, order_id: str,
              command: Callable[[datetime], InventoryCommandResult]) -> InventoryCommandResult:
        self.calls.append((action, order_id))
        return callee(command, "inventory service")(datetime.now(timezone.utc))


class InProcessPayments(AbstractPayments):
    """Payments' own service over its in-memory repository and the simulator's test cards
    (`TestCardProcessor`), behind the port orders uses: what LambdaPayments reaches when
    deployed, without the invoke."""

    def __init__(self) -> None:
        self.repository = FakePaymentRepository()
        self.processor = TestCardProcessor()
        self.charge_calls: list[str] = []
        # The customer each order's charge named (payments keeps it for who may read the payment).
        self.customers: dict[str, str | None] = {}
        self.refund_calls: list[str] = []

    @property
    def payments(self) -> dict[str, PaymentResult]:
        return {order_id: result_of(payment) for order_id, payment in self.repository.payments.items()}

    @property
    def captured(self) -> list[str]:
        """Orders charged at the card processor (captured, refunded or not since)."""
        return [order_id for order_id, p in self.repository.payments.items() if p.decline_reason is None]

    @property
    def refunded(self) -> list[str]:
        return [order_id for order_id, p in self.repository.payments.items() if p.status == "REFUNDED"]

    def charge(self, command: ChargeOrder) -> PaymentResult:
        self.charge_calls.append(command.order_id)
        self.customers[command.order_id] = command.customer_id
        return callee(lambda: result_of(payments_service.charge_order(
            self.repository, self.processor, order_id=command.order_id, customer_id=command.customer_id,
            amount=command.amount, token=command.payment_token)), "payments service")()

    def charge_each(self, commands: list[ChargeOrder]) -> list[PaymentResult | Exception]:
        return [outcome_of(lambda c=c: self.charge(c)) for c in commands]

    def refund(self, order_id: str) -> PaymentResult:
        self.refund_calls.append(order_id)
        return callee(lambda: result_of(payments_service.refund_order(self.repository, self.processor, order_id)),
                      "payments service")()


def callee(command: Callable[..., T], dependency: str) -> Callable[..., T]:
    """`command` as the Lambda adapters see it: any exception the callee raises comes back
    as a FunctionError, which they report as DependencyUnavailable."""

    def invoked(*args: object) -> T:
        try:
            return command(*args)
        except Exception as error:
            raise DependencyUnavailable(dependency) from error

    return invoked


@dataclass
class FakeEventPublisher(AbstractEventPublisher):
    """Records what was published, in order. While `unavailable`, every publish raises."""

    unavailable: bool = False
    published: list[OrderCreated | OrderCancelled | OrderUpdated] = field(default_factory=list)

    @property
    def created(self) -> list[OrderCreated]:
        return [e for e in self.published if isinstance(e, OrderCreated)]

    @property
    def cancelled(self) -> list[OrderCancelled]:
        return [e for e in self.published if isinstance(e, OrderCancelled)]

    @property
    def updated(self) -> list[OrderUpdated]:
        return [e for e in self.published if isinstance(e, OrderUpdated)]

    def publish_created(self, event: OrderCreated) -> None:
        self._publish(event)

    def publish_cancelled(self, event: OrderCancelled) -> None:
        self._publish(event)

    def publish_updated(self, event: OrderUpdated) -> None:
        self._publish(event)

    def _publish(self, event: OrderCreated | OrderCancelled | OrderUpdated) -> None:
        if self.unavailable:
            raise DependencyUnavailable("order queues")
        self.published.append(event)


def process_order(services: OrderServices, order_id: str) -> Order:
    """One order through `service.process_orders`, as a batch of one; raise what it failed with."""
    outcome = service.process_orders(services, [order_id])[order_id]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def fake_services(orders: AbstractOrderRepository | None = None, **changes: object) -> OrderServices:
    """OrderServices wired to fakes (an empty catalog, no stock) unless given."""
    services = OrderServices(
        orders=orders or FakeOrderRepository(),
        catalog=InProcessCatalog(),
        inventory=InProcessInventory(),
        payments=InProcessPayments(),
        events=FakeEventPublisher(),
    )
    return dataclasses.replace(services, **changes)
