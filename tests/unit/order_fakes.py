"""In-memory doubles of the orders service's ports, for service, processor and handler tests.

Each keeps the contract of what it stands in for:
- FakeOrderRepository: the DynamoDB adapter's optimistic locking (a save succeeds only
  if the stored version is `order.version - 1`), its newest-first listing and its cursors
  (test_orders_repository.py runs the same tests against both).
- FakeInventory: inventory/contracts.py, with real stock arithmetic (on hand, reserved,
  available) and one reservation per order that only moves forward, so every command
  is idempotent per order and a repeat answers as inventory.service documents.
- FakePayments: payments/contracts.py and payments.service: one payment per order,
  tokens as the simulated card processor reads them, a refund of an order never charged
  failing the way the Lambda adapter reports a callee's error.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from inventory.contracts import InventoryCommandResult, StockLine
from orders.domain import Order, OrderModifiedConcurrently, OrderNotFound
from orders.contracts import OrderCancelled, OrderCreated, OrderUpdated
from orders.ports import (
    AbstractCatalog,
    AbstractEventPublisher,
    AbstractInventory,
    AbstractPayments,
)
from orders.repository import AbstractOrderRepository, OrderPage
from orders.service import OrderServices
from payments.contracts import ChargeOrder, PaymentResult
from products.contracts import LookupProductsResult, ProductSnapshot
from shared.money import Money
from shared.errors import DependencyUnavailable, FieldError, InvalidInput
from shared.pagination import decode_cursor, encode_cursor


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

    def put(self, order: Order) -> Order:
        """Store an order as it is, whatever is stored: the state a test starts from."""
        self.orders[order.id] = order
        return order


def _created_key(order: Order) -> str:
    return f"{order.created_at.isoformat()}#{order.id}"


def _key_of(order: Order) -> dict:
    return {"pk": {"S": f"ORDER#{order.id}"}, "user_id": {"S": order.user_id},
            "created_key": {"S": _created_key(order)}}


class FakeCatalog(AbstractCatalog):
    def __init__(self, *products: ProductSnapshot) -> None:
        self.products = {product.id: product for product in products}
        self.lookups: list[list[str]] = []

    def add(self, product_id: str, amount: int, currency: str = "EUR") -> ProductSnapshot:
        product = ProductSnapshot(id=product_id, sku=f"SKU-{product_id.upper()}",
                                  name=f"Product {product_id}", price=Money(amount=amount, currency=currency))
        self.products[product_id] = product
        return product

    def lookup(self, product_ids: list[str]) -> LookupProductsResult:
        self.lookups.append(list(product_ids))
        asked = list(dict.fromkeys(product_ids))
        return LookupProductsResult(
            products=[self.products[p] for p in asked if p in self.products],
            missing_product_ids=[p for p in asked if p not in self.products],
        )


@dataclass
class Hold:
    lines: dict[str, int]
    status: str = "RESERVED"  # RESERVED -> RELEASED, RESERVED -> COMMITTED -> RESTOCKED


class FakeInventory(AbstractInventory):
    """Stock per product and one hold per order; `calls` lists every (action, order id)."""

    def __init__(self, **on_hand: int) -> None:
        self.on_hand: dict[str, int] = dict(on_hand)
        self.reserved: dict[str, int] = {product_id: 0 for product_id in on_hand}
        self.holds: dict[str, Hold] = {}
        self.calls: list[tuple[str, str]] = []

    def available(self, product_id: str) -> int:
        return self.on_hand[product_id] - self.reserved[product_id]

    def count(self, action: str) -> int:
        return sum(1 for called, _ in self.calls if called == action)

    def reserve(self, order_id: str, lines: list[StockLine]) -> InventoryCommandResult:
        self.calls.append(("reserve", order_id))
        hold = self.holds.get(order_id)
        if hold is not None:
            # A repeat answers from what the first reserve left (inventory.service).
            return self._result(order_id, {"COMMITTED": "RESERVED"}.get(hold.status, hold.status))
        wanted: dict[str, int] = {}
        for line in lines:
            wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
        unavailable = sorted(p for p, q in wanted.items() if p not in self.on_hand or self.available(p) < q)
        if unavailable:
            return self._result(order_id, "OUT_OF_STOCK", unavailable)
        for product_id, quantity in wanted.items():
            self.reserved[product_id] += quantity
        self.holds[order_id] = Hold(wanted)
        return self._result(order_id, "RESERVED")

    def release(self, order_id: str) -> InventoryCommandResult:
        self.calls.append(("release", order_id))
        return self._release(order_id)

    def commit(self, order_id: str) -> InventoryCommandResult:
        self.calls.append(("commit", order_id))
        hold = self.holds.get(order_id)
        if hold is not None and hold.status == "COMMITTED":
            return self._result(order_id, "COMMITTED")
        if hold is None or hold.status != "RESERVED":
            return self._result(order_id, "NOTHING_TO_DO")
        for product_id, quantity in hold.lines.items():
            self.on_hand[product_id] -= quantity
            self.reserved[product_id] -= quantity
        hold.status = "COMMITTED"
        return self._result(order_id, "COMMITTED")

    def restock(self, order_id: str) -> InventoryCommandResult:
        self.calls.append(("restock", order_id))
        hold = self.holds.get(order_id)
        if hold is not None and hold.status == "RESTOCKED":
            return self._result(order_id, "RESTOCKED")
        if hold is None or hold.status != "COMMITTED":
            return self._result(order_id, "NOTHING_TO_DO")
        for product_id, quantity in hold.lines.items():
            self.on_hand[product_id] += quantity
        hold.status = "RESTOCKED"
        return self._result(order_id, "RESTOCKED")

    def expire(self, order_id: str) -> None:
        """What inventory's sweep does to a hold past its expiry: release it (not a call)."""
        self._release(order_id)

    def _release(self, order_id: str) -> InventoryCommandResult:
        hold = self.holds.get(order_id)
        if hold is None or hold.status != "RESERVED":
            return self._result(order_id, "NOTHING_TO_DO")
        for product_id, quantity in hold.lines.items():
            self.reserved[product_id] -= quantity
        hold.status = "RELEASED"
        return self._result(order_id, "RELEASED")

    @staticmethod
    def _result(order_id: str, outcome: str, unavailable: list[str] | None = None) -> InventoryCommandResult:
        return InventoryCommandResult(order_id=order_id, outcome=outcome,
                                      unavailable_product_ids=unavailable or [])


class FakePayments(AbstractPayments):
    """One payment per order, `pay_<order id>`. Tokens: tok_visa captures, tok_declined is
    declined (card_declined), tok_unavailable raises DependencyUnavailable, anything else
    is declined as invalid_token."""

    def __init__(self) -> None:
        self.payments: dict[str, PaymentResult] = {}
        self.charge_calls: list[str] = []
        # The customer each order's charge named (payments keeps it for who may read the payment).
        self.customers: dict[str, str | None] = {}
        self.refund_calls: list[str] = []
        self.refunded: list[str] = []

    @property
    def captured(self) -> list[str]:
        """Orders charged at the card processor (captured, refunded or not since)."""
        return [order_id for order_id, p in self.payments.items() if p.decline_reason is None]

    def charge(self, command: ChargeOrder) -> PaymentResult:
        order_id, amount, payment_token = command.order_id, command.amount, command.payment_token
        self.charge_calls.append(order_id)
        self.customers[order_id] = command.customer_id
        if order_id in self.payments:
            return self.payments[order_id]
        if payment_token == "tok_unavailable":
            raise DependencyUnavailable("payments service")
        decline_reason = {"tok_visa": None, "tok_declined": "card_declined"}.get(payment_token,
                                                                                 "invalid_token")
        payment = PaymentResult(payment_id=f"pay_{order_id}", order_id=order_id,
                                status="DECLINED" if decline_reason else "CAPTURED",
                                amount=amount, decline_reason=decline_reason)
        self.payments[order_id] = payment
        return payment

    def refund(self, order_id: str) -> PaymentResult:
        self.refund_calls.append(order_id)
        payment = self.payments.get(order_id)
        if payment is None:
            # PaymentNotFound in the payments function: the invoke reports a FunctionError.
            raise DependencyUnavailable("payments service")
        if payment.status == "CAPTURED":
            payment = payment.model_copy(update={"status": "REFUNDED"})
            self.payments[order_id] = payment
            self.refunded.append(order_id)
        return payment


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


def fake_services(orders: AbstractOrderRepository | None = None, **changes: object) -> OrderServices:
    """OrderServices wired to fakes (an empty catalog, no stock) unless given."""
    services = OrderServices(
        orders=orders or FakeOrderRepository(),
        catalog=FakeCatalog(),
        inventory=FakeInventory(),
        payments=FakePayments(),
        events=FakeEventPublisher(),
    )
    return dataclasses.replace(services, **changes)
