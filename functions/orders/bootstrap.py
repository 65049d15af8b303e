"""Wires the orders service to its adapters, once per process, from each function's settings."""
from __future__ import annotations

from typing import Any

from orders.adapters import LambdaCatalog, LambdaInventory, LambdaPayments, SqsEventPublisher
from orders.repository import DynamoDBOrderRepository
from orders.service import OrderServices
from orders.settings import CancelOrderSettings, OrderProcessorSettings, PlaceOrderSettings
from shared.bootstrap import Wiring


class _NotWired:
    """A port the function's use cases never reach, so the template gives it no variable
    for it: reaching it anyway is a wiring bug, and fails as one."""

    def __init__(self, port: str) -> None:
        self._port = port

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"orders.bootstrap: {self._port} is not wired in this function")


def _services_from(settings: PlaceOrderSettings | CancelOrderSettings | OrderProcessorSettings) -> OrderServices:
    wired = settings.model_dump()
    return OrderServices(
        orders=DynamoDBOrderRepository(),
        catalog=(LambdaCatalog(wired["product_lookup_function"]) if "product_lookup_function" in wired
                 else _NotWired("the catalog")),
        inventory=(LambdaInventory(wired["inventory_function"]) if "inventory_function" in wired
                   else _NotWired("inventory")),
        payments=(LambdaPayments(wired["payments_function"]) if "payments_function" in wired
                  else _NotWired("payments")),
        events=SqsEventPublisher(wired["order_events_queue_url"], wired.get("order_updates_queue_url")),
    )


# create_services(settings): the services of the function `settings` belongs to.
_wiring = Wiring(_services_from)
create_services = _wiring.create_services
override_services = _wiring.override_services
