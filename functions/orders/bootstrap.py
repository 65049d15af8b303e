"""Wires the orders service to its adapters, once per process, from a function's settings (orders.settings)."""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from orders.adapters import LambdaCatalog, LambdaInventory, LambdaPayments, SqsEventPublisher
from orders.repository import DynamoDBOrderRepository
from orders.service import OrderServices
from orders.settings import CancelOrderSettings, OrderProcessorSettings, PlaceOrderSettings


class _NotWired:
    """A port the function's use cases never reach, so the template gives it no variable
    for it: reaching it anyway is a wiring bug, and fails as one."""

    def __init__(self, port: str) -> None:
        self._port = port

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"orders.bootstrap: {self._port} is not wired in this function")


# Set only by `override_services` (unit tests); None in every deployed function.
_override: OrderServices | None = None


def create_services(settings: PlaceOrderSettings | CancelOrderSettings | OrderProcessorSettings) -> OrderServices:
    """The services of the function `settings` belongs to: wired once per process."""
    return _override if _override is not None else _services_from(settings)


@contextlib.contextmanager
def override_services(services: OrderServices) -> Iterator[OrderServices]:
    """Test seam: inside the block, `create_services(...)` answers `services`.

    The entry modules reach their dependencies only through
    `create_services`, so the unit tier wires in-memory fakes here instead of the
    Lambda and SQS adapters, without patching. Deployed code never calls this.
    """
    global _override
    previous, _override = _override, services
    try:
        yield services
    finally:
        _override = previous


@functools.cache
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
