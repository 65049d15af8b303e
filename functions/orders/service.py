"""Order use cases: placing an order, the saga that processes it, cancelling it.

The saga is an orchestration: the processor calls inventory and payments through
their functions, one step at a time, and records each step on the order before the
next. (Orchestration over choreography: the whole flow reads top to bottom in one
place, and each service's policy names the exact functions it may call.) Every step is idempotent at the callee (keyed by order id) and every order
change is a conditional write, so redelivering a message, or delivering it to two
workers at once, can neither double-reserve nor double-charge.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from aws_lambda_powertools import Logger

from inventory.contracts import CommitStock, InventoryCommandResult, ReserveStock, StockLine
from orders.domain import Order, OrderLine, OrderModifiedConcurrently, OrderStatus
from orders.contracts import OrderCancelled, OrderCreated, OrderUpdated
from orders.ports import (
    AbstractCatalog,
    AbstractEventPublisher,
    AbstractInventory,
    AbstractPayments,
    outcome_of,
)
from orders.queries import get_order
from orders.repository import AbstractOrderRepository
from payments.contracts import ChargeOrder, PaymentResult
from shared.caller import Caller
from shared.errors import DependencyUnavailable, FieldError, InvalidInput
from shared.observability import count, count_by_reason

logger = Logger()

HOLD_EXPIRED = "stock reservation expired"
# Times a cancel reads the order again after the processor changed it in between. The
# processor writes an order at most three times (reserved, then confirmed or failed), so
# a fourth attempt finds it settled; past that a 409 is honest.
CANCEL_ATTEMPTS = 4
C = TypeVar("C")
R = TypeVar("R")


@dataclass(frozen=True)
class RequestedLine:
    product_id: str
    quantity: int


@dataclass
class OrderServices:
    """Everything the use cases need; wired once per process by `orders.bootstrap`."""

    orders: AbstractOrderRepository
    catalog: AbstractCatalog
    inventory: AbstractInventory
    payments: AbstractPayments
    events: AbstractEventPublisher


def place_order(
    services: OrderServices, caller: Caller, *, lines: list[RequestedLine], payment_token: str,
    correlation_id: str,
) -> Order:
    """Record a PENDING order for the caller, priced from the catalog, and publish `order.created`.

    The customer is the caller, always (staff too order for themselves): the user pool
    verified them, so no lookup asks whether they exist."""
    catalog = services.catalog.lookup([line.product_id for line in lines])
    if catalog.missing_product_ids:
        missing = set(catalog.missing_product_ids)
        raise InvalidInput("Unknown products", [
            FieldError(f"lines.{position}.product_id", f"No product {line.product_id}")
            for position, line in enumerate(lines) if line.product_id in missing
        ])
    products = {product.id: product for product in catalog.products}
    if len({product.price.currency for product in products.values()}) > 1:
        raise InvalidInput("Mixed currencies", [FieldError("lines", "Products are priced in different currencies")])
    order = Order.place(
        user_id=caller.user_id,
        lines=[
            OrderLine(
                product_id=line.product_id,
                sku=products[line.product_id].sku,
                name=products[line.product_id].name,
                quantity=line.quantity,
                unit_price=products[line.product_id].price,
            )
            for line in lines
        ],
        payment_token=payment_token,
        correlation_id=correlation_id,
    )
    services.orders.add(order)
    logger.append_keys(order_id=order.id)  # the rest of the request is about this order
    try:
        services.events.publish_created(OrderCreated.of(order))
    except DependencyUnavailable:
        # Without its event the order would sit PENDING forever: take it back, so
        # the client's retry (same Idempotency-Key) starts clean.
        services.orders.discard_unpublished(order)
        raise
    logger.info("order placed", extra={"status": order.status.value})
    count("OrdersPlaced")
    return order


def process_orders(services: OrderServices, order_ids: list[str]) -> dict[str, Order | Exception]:
    """Advance the orders of one SQS batch as far as each can go: per order, where it got or
    what it failed with. Safe to call any number of times.

    The orders move through the saga together, step by step, so each step asks inventory
    or payments once for every order due for it (one invoke per step and batch, not per
    order: on the emulator an invoke costs far more than the work it carries). Each order
    keeps its own outcome: an exception is that order's alone (only its record is
    retried), and each step is the same idempotent, conditional step as for one order.
    """
    order_ids = list(dict.fromkeys(order_ids))
    try:
        loaded = services.orders.get_each(order_ids)
    except Exception as error:  # noqa: BLE001 - the read failed for every order of the batch
        loaded = {order_id: error for order_id in order_ids}
    outcomes: dict[str, Order | Exception] = {
        order_id: outcome_of(lambda order=loaded[order_id]: _current(services, order)) for order_id in order_ids
    }

    def due(status: OrderStatus) -> list[Order]:
        return [order for order in outcomes.values() if isinstance(order, Order) and order.status is status]

    reserving = due(OrderStatus.PENDING)
    reserved = _each(services.inventory.reserve_each, [
        ReserveStock(order_id=order.id, correlation_id=_passed_on(order),
                     lines=[StockLine(product_id=line.product_id, quantity=line.quantity) for line in order.lines])
        for order in reserving])
    for order, result in zip(reserving, reserved):
        outcomes[order.id] = outcome_of(lambda order=order, result=result: _reserved(services, order, result))

    charging = due(OrderStatus.RESERVED)
    charges = _each(services.payments.charge_each, [
        ChargeOrder(order_id=order.id, correlation_id=_passed_on(order),
                    amount=order.total,
                    payment_token=order.payment_token, customer_id=order.user_id)
        for order in charging])
    captured: list[tuple[Order, PaymentResult]] = []
    for order, payment in zip(charging, charges):
        outcomes[order.id] = outcome_of(
            lambda order=order, payment=payment: _charged(services, order, payment, captured))

    committed = _each(services.inventory.commit_each, [
        CommitStock(order_id=order.id, correlation_id=_passed_on(order)) for order, _ in captured])
    for (order, payment), result in zip(captured, committed):
        outcomes[order.id] = outcome_of(
            lambda order=order, payment=payment, result=result: _committed(services, order, payment, result))
    return outcomes


def _passed_on(order: Order) -> str | None:
    """The order's correlation id as its commands carry it: the callee logs its lines under it
    (FunctionClient.call does this for a single command; a batch's commands each carry their own)."""
    return order.correlation_id[:128] or None


def _each(ask: Callable[[list[C]], list[R | Exception]], commands: list[C]) -> list[R | Exception]:
    """One call for all the commands; if the call itself fails, every command came to that."""
    if not commands:
        return []
    try:
        return ask(commands)
    except Exception as error:  # noqa: BLE001 - each order it was about fails with it, and is retried
        return [error] * len(commands)


def _current(services: OrderServices, order: Order | Exception) -> Order:
    if isinstance(order, Exception):
        raise order
    if order.is_terminal:
        # A redelivery, possibly of an attempt that recorded the outcome but failed to
        # publish it: publish again (same event id, so subscribers see it once).
        services.events.publish_updated(OrderUpdated.of(order))
    return order


def _reserved(services: OrderServices, order: Order, result: InventoryCommandResult | Exception) -> Order:
    if isinstance(result, Exception):
        raise result
    if result.outcome == "OUT_OF_STOCK":
        reason = "out of stock: " + ", ".join(result.unavailable_product_ids)
        return _advance(services, order, order.fail(reason))
    if result.outcome != "RESERVED":
        # A repeated reserve answers RELEASED once the hold is gone (inventory's sweep
        # released it while this order waited for a retry): never proceed on it.
        return _advance(services, order, order.fail(HOLD_EXPIRED))
    return _advance(services, order, order.reserve(), publish=False)


def _charged(
    services: OrderServices, order: Order, payment: PaymentResult | Exception,
    captured: list[tuple[Order, PaymentResult]],
) -> Order:
    """A declined order is failed here; a captured one is left RESERVED in `captured`, for the commit."""
    if isinstance(payment, Exception):
        raise payment
    if payment.status != "CAPTURED":
        services.inventory.release(order.id)
        reason = f"payment declined: {payment.decline_reason or payment.status.lower()}"
        return _advance(services, order, order.fail(reason, payment_id=payment.payment_id))
    captured.append((order, payment))
    return order


def _committed(
    services: OrderServices, order: Order, payment: PaymentResult, result: InventoryCommandResult | Exception
) -> Order:
    if isinstance(result, Exception):
        raise result
    if result.outcome != "COMMITTED":
        # The hold expired while the charge waited for a retry: nothing to ship, give the money back.
        services.payments.refund(order.id)
        return _advance(services, order, order.fail(HOLD_EXPIRED, payment_id=payment.payment_id))
    return _advance(services, order, order.confirm(payment.payment_id), captured_payment_id=payment.payment_id)


def _advance(
    services: OrderServices, before: Order, after: Order, *, publish: bool = True,
    captured_payment_id: str | None = None,
) -> Order:
    """Record a step; if another writer got there first, go on from what it recorded."""
    try:
        return _record(services, after, publish)
    except OrderModifiedConcurrently:
        current = services.orders.get(before.id)
        if current.status is OrderStatus.CANCELLED:
            # Cancelled while this step ran: undo what this attempt did.
            give_back(services, current.id, payment_id=captured_payment_id)
        return current


def cancel_order(services: OrderServices, caller: Caller, order_id: str) -> Order:
    """Cancel now; what the order holds is given back by the processor (`order.cancelled`).

    The caller's own order, or any order for staff; another customer's is not found
    (`orders.queries.get_order`), and nothing changes.

    The cancellation is recorded first, with a conditional write, so it wins or loses
    cleanly against the processor; compensation then runs as a message that is retried
    until it has happened.
    """
    for _ in range(CANCEL_ATTEMPTS - 1):
        try:
            return _cancel_as_it_is_now(services, caller, order_id)
        except OrderModifiedConcurrently:
            # The processor recorded a step between our read and our write: the client
            # asked to cancel the order as it is now, so decide again on what it is now.
            logger.info("cancel raced another write; reading the order again", extra={"order_id": order_id})
    return _cancel_as_it_is_now(services, caller, order_id)


def _cancel_as_it_is_now(services: OrderServices, caller: Caller, order_id: str) -> Order:
    order = get_order(services.orders, caller, order_id)
    if order.status is OrderStatus.CANCELLED:
        # A retry of a cancel whose compensation message may not have gone out: send it
        # again (same event id; giving back is idempotent). Cancelling stays answered.
        services.events.publish_cancelled(OrderCancelled.of(order, previous_status=None))
        return order
    cancelled = _record(services, order.cancel())  # IllegalTransition (409) if FAILED
    services.events.publish_cancelled(OrderCancelled.of(cancelled, previous_status=order.status))
    return cancelled


def compensate_cancelled(services: OrderServices, event: OrderCancelled) -> None:
    # Only a cancelled order gives anything back, whatever a message claims.
    if services.orders.get(event.order_id).status is not OrderStatus.CANCELLED:
        logger.warning("order.cancelled for an order that is not cancelled; ignored",
                       extra={"order_id": event.order_id})
        return
    give_back(services, event.order_id, payment_id=event.payment_id)


def give_back(services: OrderServices, order_id: str, payment_id: str | None) -> None:
    """Return held or committed stock and refund a capture. Each call is a no-op where nothing was done."""
    services.inventory.release(order_id)
    services.inventory.restock(order_id)
    if payment_id:
        services.payments.refund(order_id)


def _record(services: OrderServices, order: Order, publish: bool = True) -> Order:
    services.orders.save(order)
    logger.info("order status changed", extra={"order_id": order.id, "status": order.status.value,
                                               "reason": order.status_reason,
                                               "correlation_id": order.correlation_id})
    _count_outcome(order)
    if publish:
        services.events.publish_updated(OrderUpdated.of(order))
    return order


def _count_outcome(order: Order) -> None:
    """Business metrics, counted once per order: a status is recorded by one conditional write."""
    if order.status is OrderStatus.CONFIRMED:
        count("OrdersConfirmed")
    elif order.status is OrderStatus.CANCELLED:
        count("OrdersCancelled")
    elif order.status is OrderStatus.FAILED:
        count_by_reason("OrdersFailed", failure_reason(order.status_reason or ""))


def failure_reason(status_reason: str) -> str:
    """The metric dimension of a failure: out_of_stock, payment_declined, reservation_expired."""
    if status_reason.startswith("out of stock"):
        return "out_of_stock"
    if status_reason.startswith("payment declined"):
        return "payment_declined"
    if status_reason == HOLD_EXPIRED:
        return "reservation_expired"
    return "other"
