"""The ports of `orders.ports`, implemented with Lambda invocations and SQS."""
from __future__ import annotations

from pydantic import BaseModel

from inventory.contracts import (
    CommitStock,
    InventoryCommandResult,
    ReleaseStock,
    ReserveStock,
    RestockOrder,
    StockLine,
)
from orders.contracts import OrderCancelled, OrderCreated, OrderUpdated
from orders.ports import (
    AbstractCatalog,
    AbstractEventPublisher,
    AbstractInventory,
    AbstractPayments,
)
from payments.contracts import ChargeOrder, PaymentResult, RefundOrder
from products.contracts import LookupProducts, LookupProductsResult
from shared.aws_clients import sqs_client, translate_outages
from shared.invocation import FunctionClient


class LambdaCatalog(AbstractCatalog):
    def __init__(self, function_name: str) -> None:
        self._function = FunctionClient(function_name, "catalog")

    def lookup(self, product_ids: list[str]) -> LookupProductsResult:
        return self._function.call(LookupProducts(product_ids=product_ids), LookupProductsResult)


class LambdaInventory(AbstractInventory):
    def __init__(self, function_name: str) -> None:
        self._function = FunctionClient(function_name, "inventory service")

    def reserve(self, order_id: str, lines: list[StockLine]) -> InventoryCommandResult:
        return self._function.call(ReserveStock(order_id=order_id, lines=lines), InventoryCommandResult)

    def release(self, order_id: str) -> InventoryCommandResult:
        return self._function.call(ReleaseStock(order_id=order_id), InventoryCommandResult)

    def commit(self, order_id: str) -> InventoryCommandResult:
        return self._function.call(CommitStock(order_id=order_id), InventoryCommandResult)

    def restock(self, order_id: str) -> InventoryCommandResult:
        return self._function.call(RestockOrder(order_id=order_id), InventoryCommandResult)

    # One invoke for the whole batch: on the emulator an invoke costs more than the work it carries.
    def reserve_each(self, commands: list[ReserveStock]) -> list[InventoryCommandResult | Exception]:
        return self._function.call_each(commands, InventoryCommandResult)

    def commit_each(self, commands: list[CommitStock]) -> list[InventoryCommandResult | Exception]:
        return self._function.call_each(commands, InventoryCommandResult)


class LambdaPayments(AbstractPayments):
    def __init__(self, function_name: str) -> None:
        self._function = FunctionClient(function_name, "payments service")

    def charge(self, command: ChargeOrder) -> PaymentResult:
        return self._function.call(command, PaymentResult)

    def refund(self, order_id: str) -> PaymentResult:
        return self._function.call(RefundOrder(order_id=order_id), PaymentResult)

    def charge_each(self, commands: list[ChargeOrder]) -> list[PaymentResult | Exception]:
        return self._function.call_each(commands, PaymentResult)


class SqsEventPublisher(AbstractEventPublisher):
    """`order.created` and `order.cancelled` go to the processor's queue, `order.updated` to subscribers'."""

    # No updates queue where the template gives the function none (PlaceOrder publishes only `order.created`).
    def __init__(self, events_queue_url: str, updates_queue_url: str | None) -> None:
        self._events_queue_url = events_queue_url
        self._updates_queue_url = updates_queue_url

    def publish_created(self, event: OrderCreated) -> None:
        self._send(self._events_queue_url, event)

    def publish_cancelled(self, event: OrderCancelled) -> None:
        self._send(self._events_queue_url, event)

    def publish_updated(self, event: OrderUpdated) -> None:
        if self._updates_queue_url is None:
            raise RuntimeError("orders.adapters: this function has no order updates queue")
        self._send(self._updates_queue_url, event)

    @staticmethod
    def _send(queue_url: str, event: BaseModel) -> None:
        with translate_outages("order queues"):
            sqs_client().send_message(
                QueueUrl=queue_url,
                MessageBody=event.model_dump_json(),
                # Routing and tracing without parsing the body.
                MessageAttributes={
                    "type": {"DataType": "String", "StringValue": event.type},
                    "version": {"DataType": "Number", "StringValue": str(event.version)},
                    "correlation_id": {"DataType": "String", "StringValue": event.correlation_id},
                },
            )
