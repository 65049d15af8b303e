"""The environment of each orders function, validated at cold start.

Each function's model holds exactly the variables infra/template.yaml gives it: apart
from orders.bootstrap so that the functions that only read the table load none of the
adapters or the saga.
"""
from __future__ import annotations

from shared.bootstrap import Setting, Settings


class OrdersTableSettings(Settings):
    """GetOrder's and the two listings': they only read the table."""

    orders_table: Setting


class PlaceOrderSettings(OrdersTableSettings):
    order_events_queue_url: Setting
    product_lookup_function: Setting


class CancelOrderSettings(OrdersTableSettings):
    order_events_queue_url: Setting
    order_updates_queue_url: Setting


class OrderProcessorSettings(OrdersTableSettings):
    order_events_queue_url: Setting
    order_updates_queue_url: Setting
    inventory_function: Setting
    payments_function: Setting


