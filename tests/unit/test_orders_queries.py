"""Who may read which orders (orders.queries), against the in-memory repository."""
from __future__ import annotations

import pytest

from orders import queries
from orders.domain import Order, OrderLine, OrderNotFound
from shared.money import Money
from shared.errors import Forbidden
from tests.unit.callers import CUSTOMER, OTHER_CUSTOMER, STAFF
from tests.unit.order_fakes import FakeOrderRepository


def order_of(user_id: str) -> Order:
    line = OrderLine(product_id="p1", sku="SKU-P1", name="Product p1", quantity=1,
                     unit_price=Money(amount=100, currency="EUR"))
    return Order.place(user_id, [line], "tok_visa", "corr-1")


@pytest.fixture
def orders() -> FakeOrderRepository:
    return FakeOrderRepository()


@pytest.mark.parametrize("caller", [CUSTOMER, STAFF], ids=["its customer", "staff"])
def test_an_order_is_read_by_its_customer_and_staff(orders, caller):
    order = orders.put(order_of(CUSTOMER.user_id))

    assert queries.get_order(orders, caller, order.id) == order


def test_another_customers_order_is_not_found_exactly_as_an_unknown_one(orders):
    order = orders.put(order_of(CUSTOMER.user_id))

    with pytest.raises(OrderNotFound) as theirs:
        queries.get_order(orders, OTHER_CUSTOMER, order.id)
    with pytest.raises(OrderNotFound) as unknown:
        queries.get_order(orders, OTHER_CUSTOMER, "missing")

    assert (theirs.value.code, theirs.value.message) == ("not_found", f"Order {order.id} not found")
    assert (unknown.value.code, unknown.value.message) == ("not_found", "Order missing not found")


def test_my_orders_are_the_callers_only(orders):
    mine = [orders.put(order_of(CUSTOMER.user_id)) for _ in range(2)]
    orders.put(order_of(OTHER_CUSTOMER.user_id))

    page = queries.list_my_orders(orders, CUSTOMER, 10, None)

    assert sorted(o.id for o in page.items) == sorted(o.id for o in mine)


def test_staff_list_anyones_orders(orders):
    theirs = orders.put(order_of(OTHER_CUSTOMER.user_id))

    assert queries.list_orders_of(orders, STAFF, OTHER_CUSTOMER.user_id, 10, None).items == [theirs]


@pytest.mark.parametrize("user_id", [OTHER_CUSTOMER.user_id, CUSTOMER.user_id], ids=["another's", "their own"])
def test_a_customer_may_not_list_orders_by_user_id(orders, user_id):
    orders.put(order_of(user_id))

    with pytest.raises(Forbidden):
        queries.list_orders_of(orders, CUSTOMER, user_id, 10, None)
