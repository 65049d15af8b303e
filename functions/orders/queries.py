"""Order use cases that only read: one order, and a customer's orders.

Apart from orders.service so that the functions that only read (GetOrder, the two
listings) load neither the saga nor the other services' contracts at cold start.
Who may see what is decided here, for them and for the cancel that starts with a read.
"""
from __future__ import annotations

from orders.domain import Order, OrderNotFound
from orders.repository import AbstractOrderRepository, OrderPage
from shared.caller import Caller


def get_order(orders: AbstractOrderRepository, caller: Caller, order_id: str) -> Order:
    """The caller's own order, or any order for staff.

    Another customer's order is not found, exactly as an unknown id is: the answer does
    not tell a caller which ids exist."""
    order = orders.get(order_id)
    if not caller.may_act_for(order.user_id):
        raise OrderNotFound(order_id)
    return order


def list_my_orders(orders: AbstractOrderRepository, caller: Caller, limit: int, cursor: str | None) -> OrderPage:
    """The caller's orders, newest first."""
    return orders.list_for_user(caller.user_id, limit, cursor)


def list_orders_of(orders: AbstractOrderRepository, caller: Caller, user_id: str, limit: int,
                   cursor: str | None) -> OrderPage:
    """Any customer's orders, newest first: staff only (a customer has /users/me/orders)."""
    caller.require_staff()
    return orders.list_for_user(user_id, limit, cursor)
