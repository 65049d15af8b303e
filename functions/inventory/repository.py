"""Inventory table access: the port the service uses, and its DynamoDB adapter.

Table layout (one table for the service):
  pk = STOCK#<product_id>     a product's counters: on_hand, reserved, available.
                              `available` (= on_hand - reserved) is stored so that a
                              reservation can be conditioned on `available >= :qty`:
                              DynamoDB conditions cannot do arithmetic.
  pk = RESERVATION#<order_id> the stock an order holds: lines, status, expires_at.
                              While RESERVED it also carries `expiry_queue`, which puts
                              it in the sparse `by_expiry` index (range key expires_at,
                              ISO-8601 UTC, so it sorts by time) that the sweep queries.
                              A finished one (RELEASED, RESTOCKED) carries `purge_at`,
                              the table's TTL attribute.

Every change to a reservation is one transaction with the stock updates of its lines,
conditioned on the reservation's status: a repeated or concurrent command can never
apply twice, and a reservation either holds all of its lines or none.
"""
from __future__ import annotations

import abc
from datetime import datetime

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from inventory.domain import (
    Line,
    OnHandBelowReserved,
    OutOfStock,
    Reservation,
    ReservationExists,
    ReservationStatus,
    StockChange,
    StockItem,
    StockNotFound,
    Transition,
)
from shared.dynamodb import (
    ClientSettings,
    condition_failed,
    failed_conditions,
    retry_conflicts,
    table_name_from_env,
    transact,
    translate_outages,
)

TABLE_NAME = table_name_from_env("INVENTORY_TABLE")
DEPENDENCY = "inventory table"
# The constant hash key of the `by_expiry` index: only RESERVED reservations carry it.
EXPIRY_QUEUE = "RESERVED"


class AbstractStockRepository(abc.ABC):
    @abc.abstractmethod
    def set_on_hand(self, product_id: str, on_hand: int) -> StockItem:
        """Set a product's on-hand count, creating its stock item if new.

        Reserved units stay reserved; raise OnHandBelowReserved (and change nothing)
        if `on_hand` is below them.
        """

    @abc.abstractmethod
    def get(self, product_id: str) -> StockItem:
        """Return the product's stock or raise StockNotFound."""

    @abc.abstractmethod
    def get_reservation(self, order_id: str) -> Reservation | None:
        """The order's reservation, whatever its status, or None if it never had one."""

    @abc.abstractmethod
    def hold(self, reservation: Reservation) -> None:
        """Store a new RESERVED reservation and hold every line's stock, all or nothing.

        Raise ReservationExists if the order already has a reservation, else OutOfStock
        naming every line whose product has not that much available (or no stock at
        all). Either way nothing is held.
        """

    @abc.abstractmethod
    def move(self, reservation: Reservation, transition: Transition, now: datetime) -> bool:
        """Apply `transition` to the reservation and the stock of its lines, at once.

        Only if the stored reservation is still in `transition.source`: otherwise (a
        repeat, or another command got there first) change nothing and return False.
        """

    @abc.abstractmethod
    def expired_reservations(self, now: datetime, limit: int) -> list[Reservation]:
        """Up to `limit` RESERVED reservations whose expires_at is not after `now`, oldest first.

        May lag behind the table (an index): `move` is what decides.
        """


class LineMap(MapAttribute):
    product_id = UnicodeAttribute()
    quantity = NumberAttribute()


class ReservationsByExpiry(GlobalSecondaryIndex["ReservationEntry"]):
    class Meta:
        index_name = "by_expiry"
        projection = AllProjection()

    expiry_queue = UnicodeAttribute(hash_key=True)
    expires_at = UTCDateTimeAttribute(range_key=True)


class StockEntry(Model):
    class Meta(ClientSettings):
        table_name = TABLE_NAME

    pk = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute()
    on_hand = NumberAttribute()
    reserved = NumberAttribute()
    available = NumberAttribute()

    def to_domain(self) -> StockItem:
        return StockItem(product_id=self.product_id, on_hand=int(self.on_hand),
                         reserved=int(self.reserved), available=int(self.available))


class ReservationEntry(Model):
    class Meta(ClientSettings):
        table_name = TABLE_NAME

    pk = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute()
    status = UnicodeAttribute()
    lines = ListAttribute(of=LineMap)
    reserved_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    expiry_queue = UnicodeAttribute(null=True)
    purge_at = TTLAttribute(null=True)

    by_expiry = ReservationsByExpiry()

    @classmethod
    def from_domain(cls, reservation: Reservation) -> ReservationEntry:
        held = reservation.status is ReservationStatus.RESERVED
        return cls(
            pk=reservation_key(reservation.order_id),
            order_id=reservation.order_id,
            status=reservation.status.value,
            lines=[LineMap(product_id=line.product_id, quantity=line.quantity) for line in reservation.lines],
            reserved_at=reservation.reserved_at,
            updated_at=reservation.updated_at,
            expires_at=reservation.expires_at,
            expiry_queue=EXPIRY_QUEUE if held else None,
            purge_at=reservation.purge_at,
        )

    def to_domain(self) -> Reservation:
        return Reservation(
            order_id=self.order_id,
            lines=tuple(Line(product_id=line.product_id, quantity=int(line.quantity)) for line in self.lines),
            status=ReservationStatus(self.status),
            reserved_at=self.reserved_at,
            updated_at=self.updated_at,
            expires_at=self.expires_at,
            purge_at=self.purge_at,
        )


def stock_key(product_id: str) -> str:
    return f"STOCK#{product_id}"


def reservation_key(order_id: str) -> str:
    return f"RESERVATION#{order_id}"


class DynamoDBStockRepository(AbstractStockRepository):
    def set_on_hand(self, product_id: str, on_hand: int) -> StockItem:
        entry = StockEntry(stock_key(product_id))
        # One conditional update, so a reservation landing meanwhile is never lost:
        # available is recomputed from the reserved count stored at that instant.
        reserved = StockEntry.reserved | 0
        try:
            with translate_outages(DEPENDENCY):
                retry_conflicts(lambda: entry.update(
                    actions=[
                        StockEntry.product_id.set(product_id),
                        StockEntry.on_hand.set(on_hand),
                        StockEntry.reserved.set(reserved),
                        StockEntry.available.set(on_hand - reserved),
                    ],
                    condition=StockEntry.pk.does_not_exist() | (StockEntry.reserved <= on_hand),
                ), DEPENDENCY)
        except UpdateError as error:
            if not condition_failed(error):
                raise
            raise OnHandBelowReserved(product_id, on_hand, self.get(product_id).reserved) from None
        return entry.to_domain()

    def get(self, product_id: str) -> StockItem:
        with translate_outages(DEPENDENCY):
            try:
                return StockEntry.get(stock_key(product_id), consistent_read=True).to_domain()
            except DoesNotExist:
                raise StockNotFound(product_id) from None

    def get_reservation(self, order_id: str) -> Reservation | None:
        with translate_outages(DEPENDENCY):
            try:
                return ReservationEntry.get(reservation_key(order_id), consistent_read=True).to_domain()
            except DoesNotExist:
                return None

    def hold(self, reservation: Reservation) -> None:
        def write(tx: TransactWrite) -> None:
            # PynamoDB sends puts before updates: the reservation is item 0, line i is item i + 1.
            tx.save(ReservationEntry.from_domain(reservation), condition=ReservationEntry.pk.does_not_exist())
            for change in reservation.holding_changes():
                tx.update(StockEntry(stock_key(change.product_id)), actions=_counter_actions(change),
                          condition=StockEntry.available >= change.reserved)

        try:
            transact(write, DEPENDENCY)
        except TransactWriteError as error:
            failed = failed_conditions(error)
            if 0 in failed:
                raise ReservationExists(reservation.order_id) from error
            if failed:
                raise OutOfStock(reservation.product_ids[i - 1] for i in failed) from error
            raise

    def move(self, reservation: Reservation, transition: Transition, now: datetime) -> bool:
        moved = reservation.moved(transition, now)

        def write(tx: TransactWrite) -> None:
            # Updates only: item 0 is the reservation, then one item per line.
            tx.update(ReservationEntry(reservation_key(reservation.order_id)),
                      actions=[ReservationEntry.status.set(moved.status.value),
                               ReservationEntry.updated_at.set(moved.updated_at),
                               _set_or_remove(ReservationEntry.purge_at, moved.purge_at),
                               ReservationEntry.expiry_queue.remove()],
                      condition=ReservationEntry.status == transition.source.value)
            for change in reservation.stock_changes(transition):
                tx.update(StockEntry(stock_key(change.product_id)), actions=_counter_actions(change),
                          condition=StockEntry.pk.exists())

        try:
            transact(write, DEPENDENCY)
        except TransactWriteError as error:
            failed = failed_conditions(error)
            if 0 in failed:
                return False
            if failed:
                # Stock items are never deleted, so a held line always has one.
                raise RuntimeError(f"Reservation {reservation.order_id} holds stock that does not exist") \
                    from error
            raise
        return True

    def expired_reservations(self, now: datetime, limit: int) -> list[Reservation]:
        with translate_outages(DEPENDENCY):
            results = ReservationEntry.by_expiry.query(
                EXPIRY_QUEUE, ReservationEntry.expires_at <= now, limit=limit, page_size=min(limit, 100)
            )
            return [entry.to_domain() for entry in results]


def _counter_actions(change: StockChange) -> list:
    counters = ((StockEntry.on_hand, change.on_hand), (StockEntry.reserved, change.reserved),
                (StockEntry.available, change.available))
    return [attribute.add(delta) for attribute, delta in counters if delta]


def _set_or_remove(attribute, value):
    return attribute.remove() if value is None else attribute.set(value)
