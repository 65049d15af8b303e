"""The order and its state machine: pure domain, no AWS."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from orders.domain import IllegalTransition, Order, OrderLine, OrderStatus
from shared.money import Money
from shared.errors import Conflict

S = OrderStatus


def line(product_id: str = "p1", quantity: int = 1, amount: int = 1000, currency: str = "EUR") -> OrderLine:
    return OrderLine(product_id=product_id, sku=f"SKU-{product_id}", name=f"Product {product_id}",
                     quantity=quantity, unit_price=Money(amount=amount, currency=currency))


def placed(*lines: OrderLine) -> Order:
    return Order.place("user-1", list(lines) or [line()], "tok_visa", "corr-1")


def order_in(status: OrderStatus, version: int = 3) -> Order:
    past = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return placed().model_copy(update={"status": status, "version": version,
                                       "created_at": past, "updated_at": past})


# Each target status and the call that moves an order to it.
MOVES = {
    S.RESERVED: lambda order: order.reserve(),
    S.CONFIRMED: lambda order: order.confirm("pay_1"),
    S.FAILED: lambda order: order.fail("out of stock: p1"),
    S.CANCELLED: lambda order: order.cancel(),
}
ALLOWED = [
    (S.PENDING, S.RESERVED), (S.PENDING, S.FAILED), (S.PENDING, S.CANCELLED),
    (S.RESERVED, S.CONFIRMED), (S.RESERVED, S.FAILED), (S.RESERVED, S.CANCELLED),
    (S.CONFIRMED, S.CANCELLED),
]
ILLEGAL = [(current, target) for current in S for target in MOVES if (current, target) not in ALLOWED]


def test_every_pair_of_statuses_is_either_allowed_or_illegal():
    assert len(ALLOWED) + len(ILLEGAL) == len(S) * len(MOVES)
    assert len(ILLEGAL) == 13


def test_place_prices_a_pending_order_from_its_lines():
    order = placed(line("p1", quantity=2, amount=2499), line("p2", quantity=3, amount=100))

    assert order.status is S.PENDING
    assert order.total == Money(amount=2 * 2499 + 3 * 100, currency="EUR")
    assert [l.subtotal for l in order.lines] == [4998, 300]
    assert (order.version, order.status_reason, order.payment_id) == (1, None, None)
    assert (order.user_id, order.payment_token, order.correlation_id) == ("user-1", "tok_visa", "corr-1")
    assert order.created_at == order.updated_at
    assert order.created_at.tzinfo is not None
    assert not order.is_terminal


def test_every_placed_order_gets_its_own_id():
    assert placed().id != placed().id


def test_lines_in_different_currencies_are_rejected():
    with pytest.raises(ValueError, match="one currency"):
        placed(line("p1", currency="EUR"), line("p2", currency="USD"))


def test_an_order_without_lines_is_rejected():
    with pytest.raises(ValueError):
        Order.place("user-1", [], "tok_visa", "corr-1")


def test_a_free_line_is_fine_but_a_negative_price_or_zero_quantity_is_not():
    assert placed(line(amount=0)).total.amount == 0
    with pytest.raises(ValidationError):
        line(amount=-1)
    with pytest.raises(ValidationError):
        line(quantity=0)


@pytest.mark.parametrize(("current", "target"), ALLOWED, ids=lambda s: s.value)
def test_allowed_transition_moves_the_order_and_bumps_its_version(current, target):
    before = order_in(current)

    after = MOVES[target](before)

    assert after.status is target
    assert after.version == before.version + 1
    assert after.updated_at > before.updated_at
    assert (after.id, after.created_at, after.lines, after.total) == (
        before.id, before.created_at, before.lines, before.total)
    assert before.status is current  # orders are values: the original is unchanged


@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=lambda s: s.value)
def test_illegal_transition_is_refused(current, target):
    before = order_in(current)

    with pytest.raises(IllegalTransition) as raised:
        MOVES[target](before)

    assert isinstance(raised.value, Conflict)
    assert (raised.value.current, raised.value.target) == (current, target)
    assert raised.value.message == f"Order {before.id} is {current.value} and cannot become {target.value}"


@pytest.mark.parametrize("status", list(S), ids=lambda s: s.value)
def test_confirmed_failed_and_cancelled_are_terminal(status):
    assert order_in(status).is_terminal is (status in {S.CONFIRMED, S.FAILED, S.CANCELLED})


def test_the_happy_path_counts_one_version_per_step():
    order = placed().reserve().confirm("pay_1")

    assert (order.status, order.version, order.payment_id) == (S.CONFIRMED, 3, "pay_1")


def test_fail_records_the_reason_and_a_declined_payment():
    failed = placed().reserve().fail("payment declined: card_declined", payment_id="pay_1")

    assert (failed.status_reason, failed.payment_id) == ("payment declined: card_declined", "pay_1")


def test_fail_without_a_payment_keeps_the_one_already_recorded():
    order = order_in(S.RESERVED).model_copy(update={"payment_id": "pay_1"})

    assert order.fail("x").payment_id == "pay_1"


def test_cancel_keeps_the_payment_and_says_why():
    cancelled = placed().reserve().confirm("pay_1").cancel()

    assert (cancelled.status, cancelled.payment_id, cancelled.version) == (S.CANCELLED, "pay_1", 4)
    assert cancelled.status_reason == "cancelled by customer"
    assert placed().cancel("fraud suspected").status_reason == "fraud suspected"


def test_an_order_is_immutable():
    with pytest.raises(ValidationError):
        placed().status = S.CONFIRMED
