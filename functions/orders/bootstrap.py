"""Wires the orders service to its adapters, once per process, from the environment."""
from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from orders.adapters import LambdaCatalog, LambdaInventory, LambdaPayments, SqsEventPublisher
from orders.repository import DynamoDBOrderRepository
from orders.service import OrderServices


Setting = Annotated[str, Field(min_length=1)]


class OrdersSettings(BaseModel):
    """The environment the template gives every orders function (validated at cold start)."""

    model_config = ConfigDict(frozen=True)

    orders_table: Setting
    order_events_queue_url: Setting
    order_updates_queue_url: Setting
    product_lookup_function: Setting
    inventory_function: Setting
    payments_function: Setting

    @classmethod
    def from_environ(cls) -> OrdersSettings:
        return cls.model_validate({name: os.environ.get(name.upper(), "") for name in cls.model_fields})


# Set only by `override_services` (unit tests); None in every deployed function.
_override: OrderServices | None = None


def create_services() -> OrderServices:
    """The services every orders function uses: wired from the environment once per process."""
    return _override if _override is not None else _services_from_environ()


@contextlib.contextmanager
def override_services(services: OrderServices) -> Iterator[OrderServices]:
    """Test seam: inside the block, `create_services()` answers `services`.

    The handlers and the processor reach their dependencies only through
    `create_services()`, so the unit tier wires in-memory fakes here instead of the
    Lambda and SQS adapters, without patching. Deployed code never calls this.
    """
    global _override
    previous, _override = _override, services
    try:
        yield services
    finally:
        _override = previous


@functools.cache
def _services_from_environ() -> OrderServices:
    settings = OrdersSettings.from_environ()
    return OrderServices(
        orders=DynamoDBOrderRepository(),
        catalog=LambdaCatalog(settings.product_lookup_function),
        inventory=LambdaInventory(settings.inventory_function),
        payments=LambdaPayments(settings.payments_function),
        events=SqsEventPublisher(settings.order_events_queue_url, settings.order_updates_queue_url),
    )
