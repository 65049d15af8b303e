"""Orders table access: the port the service uses, and its DynamoDB adapter.

Table layout (one table for the service):
  pk = ORDER#<id>          the order; `user_id` + `created_key` put it in the
                           `by_user` index that lists a customer's orders, newest first.
  pk = <function>.orders.handlers._place_order_once#<hash>
                           Powertools idempotency records of `POST /orders`
                           (hash of the customer's id and Idempotency-Key)
                           (expire through the table's TTL attribute `expiration`).
"""
from __future__ import annotations

import abc

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from orders.domain import Order, OrderLine, OrderModifiedConcurrently, OrderNotFound, OrderStatus
from shared.errors import FieldError, InvalidInput
from shared.dynamodb import (
    ClientSettings,
    carry_stored_version,
    condition_failed,
    table_name_from_env,
    translate_outages,
)
from shared.money import Money
from shared.pagination import Page, decode_cursor, encode_cursor

TABLE_NAME = table_name_from_env("ORDERS_TABLE")
DEPENDENCY = "orders table"


OrderPage = Page[Order]


class AbstractOrderRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, order: Order) -> None:
        """Store a new order."""

    @abc.abstractmethod
    def get(self, order_id: str) -> Order:
        """Return the order or raise OrderNotFound."""

    @abc.abstractmethod
    def get_each(self, order_ids: list[str]) -> dict[str, Order | Exception]:
        """Many orders at once (the processor's batch): per id, the order or what getting it raised."""

    @abc.abstractmethod
    def save(self, order: Order) -> None:
        """Store a changed order if the stored one is still the version before it.

        Raises OrderModifiedConcurrently otherwise.
        """

    @abc.abstractmethod
    def discard_unpublished(self, order: Order) -> None:
        """Delete a new order whose `order.created` could not be published."""

    @abc.abstractmethod
    def list_for_user(self, user_id: str, limit: int, cursor: str | None) -> OrderPage:
        """A customer's orders, newest first."""


class OrdersByUser(GlobalSecondaryIndex["OrderEntry"]):
    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OrderEntry(Model):
    class Meta(ClientSettings):
        table_name = TABLE_NAME

    pk = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    created_key = UnicodeAttribute()
    lines = JSONAttribute()
    total_amount = NumberAttribute()
    total_currency = UnicodeAttribute()
    payment_token = UnicodeAttribute()
    status = UnicodeAttribute()
    status_reason = UnicodeAttribute(null=True)
    payment_id = UnicodeAttribute(null=True)
    correlation_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    by_user = OrdersByUser()

    @classmethod
    def from_domain(cls, order: Order) -> OrderEntry:
        entry = cls(
            pk=f"ORDER#{order.id}",
            id=order.id,
            user_id=order.user_id,
            created_key=f"{order.created_at.isoformat()}#{order.id}",
            lines=[line.model_dump(mode="json") for line in order.lines],
            total_amount=order.total.amount,
            total_currency=order.total.currency,
            payment_token=order.payment_token,
            status=order.status.value,
            status_reason=order.status_reason,
            payment_id=order.payment_id,
            correlation_id=order.correlation_id,
            created_at=order.created_at,
            updated_at=order.updated_at,
        )
        carry_stored_version(entry, order.version)
        return entry

    def to_domain(self) -> Order:
        return Order(
            id=self.id,
            user_id=self.user_id,
            lines=[OrderLine.model_validate(line) for line in self.lines],
            total=Money(amount=int(self.total_amount), currency=self.total_currency),
            payment_token=self.payment_token,
            status=OrderStatus(self.status),
            status_reason=self.status_reason,
            payment_id=self.payment_id,
            correlation_id=self.correlation_id,
            created_at=self.created_at,
            updated_at=self.updated_at,
            version=self.version,
        )


class DynamoDBOrderRepository(AbstractOrderRepository):
    _CURSOR_KEYS = frozenset({"pk", "user_id", "created_key"})

    def add(self, order: Order) -> None:
        with translate_outages(DEPENDENCY):
            OrderEntry.from_domain(order).save(condition=OrderEntry.pk.does_not_exist())

    def get(self, order_id: str) -> Order:
        with translate_outages(DEPENDENCY):
            try:
                return OrderEntry.get(f"ORDER#{order_id}", consistent_read=True).to_domain()
            except DoesNotExist:
                raise OrderNotFound(order_id) from None

    def get_each(self, order_ids: list[str]) -> dict[str, Order | Exception]:
        # One BatchGetItem (strongly consistent, as `get`); PynamoDB retries unprocessed keys.
        with translate_outages(DEPENDENCY):
            entries = OrderEntry.batch_get([f"ORDER#{order_id}" for order_id in dict.fromkeys(order_ids)],
                                           consistent_read=True)
            found: dict[str, Order | Exception] = {entry.id: entry.to_domain() for entry in entries}
        return {order_id: found.get(order_id) or OrderNotFound(order_id) for order_id in order_ids}

    def save(self, order: Order) -> None:
        try:
            with translate_outages(DEPENDENCY):
                OrderEntry.from_domain(order).save()
        except PutError as error:
            if condition_failed(error):
                raise OrderModifiedConcurrently(order.id) from error
            raise

    def discard_unpublished(self, order: Order) -> None:
        entry = OrderEntry.from_domain(order)
        entry.version = order.version
        try:
            with translate_outages(DEPENDENCY):
                entry.delete(condition=OrderEntry.status == OrderStatus.PENDING.value)
        except DeleteError as error:
            if condition_failed(error):
                raise OrderModifiedConcurrently(order.id) from error
            raise

    def list_for_user(self, user_id: str, limit: int, cursor: str | None) -> OrderPage:
        start = decode_cursor(cursor, self._CURSOR_KEYS)
        if start and start["user_id"]["S"] != user_id:
            raise InvalidInput("Invalid cursor", [FieldError("cursor", "Not a cursor of this user's orders")])
        with translate_outages(DEPENDENCY):
            results = OrderEntry.by_user.query(
                user_id, limit=limit, last_evaluated_key=start, scan_index_forward=False
            )
            items = [entry.to_domain() for entry in results]
            return OrderPage(items, encode_cursor(results.last_evaluated_key))
