"""Wires the orders service to its adapters, once per process, from the environment."""
from __future__ import annotations

from orders.adapters import LambdaCatalog, LambdaInventory, LambdaPayments, SqsEventPublisher
from orders.repository import DynamoDBOrderRepository
from orders.service import OrderServices
from shared.bootstrap import Setting, Settings, Wiring


class OrdersSettings(Settings):
    """The environment the template gives every orders function."""

    orders_table: Setting
    order_events_queue_url: Setting
    order_updates_queue_url: Setting
    product_lookup_function: Setting
    inventory_function: Setting
    payments_function: Setting


def _services_from_environ() -> OrderServices:
    settings = OrdersSettings.from_environ()
    return OrderServices(
        orders=DynamoDBOrderRepository(),
        catalog=LambdaCatalog(settings.product_lookup_function),
        inventory=LambdaInventory(settings.inventory_function),
        payments=LambdaPayments(settings.payments_function),
        events=SqsEventPublisher(settings.order_events_queue_url, settings.order_updates_queue_url),
    )


_wiring = Wiring(_services_from_environ)
create_services = _wiring.create_services
override_services = _wiring.override_services
