"""The inventory table adapter against moto (tables from infra/template.yaml).

The behaviour tests run against the in-memory fake too: it must keep the same contract.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest

from inventory import service
from inventory.domain import (
    COMMIT,
    RELEASE,
    Line,
    OnHandBelowReserved,
    Reservation,
    ReservationExists,
    StockNotFound,
)
from inventory.repository import DynamoDBStockRepository
from tests.unit.inventory_fakes import FakeStockRepository

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)
TTL = timedelta(minutes=15)


@pytest.fixture(params=["dynamodb", "fake"])
def stock(request):
    if request.param == "fake":
        return FakeStockRepository()
    request.getfixturevalue("tables")
    return DynamoDBStockRepository()


@pytest.fixture
def dynamodb_stock(tables):
    return DynamoDBStockRepository()


def lines(*pairs: tuple[str, int]) -> list[Line]:
    return [Line(product_id=p, quantity=q) for p, q in pairs]


def reserve(stock, order_id: str, *pairs: tuple[str, int], now: datetime = NOW):
    return service.reserve(stock, order_id, lines(*pairs), now=now, ttl=TTL)


def counters(stock, product_id: str) -> tuple[int, int, int]:
    item = stock.get(product_id)
    return item.on_hand, item.reserved, item.available


# ---------------------------------------------------------------- stock counts

def test_set_on_hand_creates_then_updates_the_item(stock):
    created = stock.set_on_hand("p1", 10)
    updated = stock.set_on_hand("p1", 12)

    assert (created.on_hand, created.reserved, created.available) == (10, 0, 10)
    assert (updated.on_hand, updated.reserved, updated.available) == (12, 0, 12)
    assert stock.get("p1") == updated


def test_get_unknown_product_raises_not_found(stock):
    with pytest.raises(StockNotFound):
        stock.get("nope")


def test_set_on_hand_keeps_reservations_and_recomputes_available(stock):
    stock.set_on_hand("p1", 10)
    reserve(stock, "o1", ("p1", 4))

    item = stock.set_on_hand("p1", 6)

    assert (item.on_hand, item.reserved, item.available) == (6, 4, 2)
    assert counters(stock, "p1") == (6, 4, 2)


def test_set_on_hand_below_reserved_is_refused_and_changes_nothing(stock):
    stock.set_on_hand("p1", 10)
    reserve(stock, "o1", ("p1", 4))

    with pytest.raises(OnHandBelowReserved) as raised:
        stock.set_on_hand("p1", 3)

    assert (raised.value.on_hand, raised.value.reserved) == (3, 4)
    assert counters(stock, "p1") == (10, 4, 6)


# ---------------------------------------------------------------- reserve

def test_reserve_holds_every_line(stock):
    stock.set_on_hand("p1", 10)
    stock.set_on_hand("p2", 5)

    result = reserve(stock, "o1", ("p1", 3), ("p2", 5))

    assert (result.order_id, result.outcome, result.unavailable_product_ids) == ("o1", "RESERVED", [])
    assert counters(stock, "p1") == (10, 3, 7)
    assert counters(stock, "p2") == (5, 5, 0)
    reservation = stock.get_reservation("o1")
    assert reservation.status == "RESERVED"
    assert reservation.lines == tuple(lines(("p1", 3), ("p2", 5)))
    assert reservation.expires_at == NOW + TTL


def test_reserve_merges_lines_of_the_same_product(stock):
    stock.set_on_hand("p1", 10)

    assert reserve(stock, "o1", ("p1", 3), ("p1", 4)).outcome == "RESERVED"

    assert counters(stock, "p1") == (10, 7, 3)


def test_out_of_stock_holds_nothing(stock):
    stock.set_on_hand("p1", 2)

    result = reserve(stock, "o1", ("p1", 3))

    assert (result.outcome, result.unavailable_product_ids) == ("OUT_OF_STOCK", ["p1"])
    assert counters(stock, "p1") == (2, 0, 2)
    assert stock.get_reservation("o1") is None


def test_multi_line_reservation_is_all_or_nothing(stock):
    stock.set_on_hand("p1", 10)
    stock.set_on_hand("p2", 1)
    stock.set_on_hand("p3", 0)

    result = reserve(stock, "o1", ("p1", 5), ("p2", 2), ("p3", 1), ("unknown", 1))

    assert result.outcome == "OUT_OF_STOCK"
    assert result.unavailable_product_ids == ["p2", "p3", "unknown"]
    assert [counters(stock, p) for p in ("p1", "p2", "p3")] == [(10, 0, 10), (1, 0, 1), (0, 0, 0)]
    assert stock.get_reservation("o1") is None
    with pytest.raises(StockNotFound):
        stock.get("unknown")


def test_an_order_out_of_stock_may_reserve_once_stock_arrives(stock):
    stock.set_on_hand("p1", 0)
    assert reserve(stock, "o1", ("p1", 1)).outcome == "OUT_OF_STOCK"

    stock.set_on_hand("p1", 1)

    assert reserve(stock, "o1", ("p1", 1)).outcome == "RESERVED"
    assert counters(stock, "p1") == (1, 1, 0)


def test_sequential_reservations_never_take_more_than_available(stock):
    stock.set_on_hand("p1", 50)

    outcomes = [reserve(stock, f"o{n}", ("p1", 1)).outcome for n in range(80)]

    assert outcomes.count("RESERVED") == 50
    assert outcomes[:50] == ["RESERVED"] * 50
    assert set(outcomes[50:]) == {"OUT_OF_STOCK"}
    assert counters(stock, "p1") == (50, 50, 0)


def test_reservation_of_fifty_lines_is_one_transaction(stock):
    for n in range(50):
        stock.set_on_hand(f"p{n}", 1)

    assert reserve(stock, "o1", *[(f"p{n}", 1) for n in range(50)]).outcome == "RESERVED"

    assert {counters(stock, f"p{n}") for n in range(50)} == {(1, 1, 0)}


# ---------------------------------------------------------------- idempotency

def test_duplicate_reserve_answers_reserved_and_holds_once(stock):
    stock.set_on_hand("p1", 10)

    first = reserve(stock, "o1", ("p1", 3))
    again = reserve(stock, "o1", ("p1", 3), now=NOW + timedelta(minutes=1))

    assert (first.outcome, again.outcome) == ("RESERVED", "RESERVED")
    assert counters(stock, "p1") == (10, 3, 7)
    assert stock.get_reservation("o1").expires_at == NOW + TTL


def test_hold_of_an_order_that_already_has_a_reservation_is_refused(stock):
    stock.set_on_hand("p1", 10)
    reservation = Reservation.hold("o1", lines(("p1", 1)), NOW, TTL)
    stock.hold(reservation)

    with pytest.raises(ReservationExists):
        stock.hold(Reservation.hold("o1", lines(("p1", 9)), NOW, TTL))

    assert counters(stock, "p1") == (10, 1, 9)


def test_release_gives_stock_back_once(stock):
    stock.set_on_hand("p1", 10)
    reserve(stock, "o1", ("p1", 3))

    first = service.release(stock, "o1", now=NOW)
    again = service.release(stock, "o1", now=NOW)

    assert (first.outcome, again.outcome) == ("RELEASED", "NOTHING_TO_DO")
    assert counters(stock, "p1") == (10, 0, 10)
    assert stock.get_reservation("o1").status == "RELEASED"


def test_release_of_an_order_never_reserved_is_nothing_to_do(stock):
    assert service.release(stock, "never", now=NOW).outcome == "NOTHING_TO_DO"


def test_commit_takes_stock_out_once(stock):
    stock.set_on_hand("p1", 10)
    reserve(stock, "o1", ("p1", 3))

    first = service.commit(stock, "o1", now=NOW)
    again = service.commit(stock, "o1", now=NOW)

    assert (first.outcome, again.outcome) == ("COMMITTED", "COMMITTED")
    assert counters(stock, "p1") == (7, 0, 7)
    # Committed stock is not released by a late release.
    assert service.release(stock, "o1", now=NOW).outcome == "NOTHING_TO_DO"
    assert counters(stock, "p1") == (7, 0, 7)


def test_restock_returns_committed_stock_once(stock):
    stock.set_on_hand("p1", 10)
    reserve(stock, "o1", ("p1", 3))
    service.commit(stock, "o1", now=NOW)

    first = service.restock(stock, "o1", now=NOW)
    again = service.restock(stock, "o1", now=NOW)

    assert (first.outcome, again.outcome) == ("RESTOCKED", "RESTOCKED")
    assert counters(stock, "p1") == (10, 0, 10)


def test_restock_of_an_uncommitted_order_is_nothing_to_do(stock):
    stock.set_on_hand("p1", 10)
    reserve(stock, "o1", ("p1", 3))

    assert service.restock(stock, "o1", now=NOW).outcome == "NOTHING_TO_DO"
    assert counters(stock, "p1") == (10, 3, 7)


def test_move_of_a_stale_reservation_changes_nothing(stock):
    stock.set_on_hand("p1", 10)
    reserve(stock, "o1", ("p1", 3))
    stale = stock.get_reservation("o1")
    assert stock.move(stale, COMMIT, NOW) is True

    assert stock.move(stale, RELEASE, NOW) is False
    assert stock.move(stale, COMMIT, NOW) is False

    assert counters(stock, "p1") == (7, 0, 7)
    assert stock.get_reservation("o1").status == "COMMITTED"


# ---------------------------------------------------------------- expiry

def test_sweep_releases_only_expired_reserved_reservations(stock):
    stock.set_on_hand("p1", 10)
    reserve(stock, "expired-1", ("p1", 1), now=NOW)
    reserve(stock, "expired-2", ("p1", 2), now=NOW + timedelta(minutes=1))
    reserve(stock, "fresh", ("p1", 3), now=NOW + timedelta(minutes=10))
    reserve(stock, "committed", ("p1", 4), now=NOW)
    service.commit(stock, "committed", now=NOW)
    sweep_time = NOW + TTL + timedelta(minutes=1)

    released = service.release_expired(stock, now=sweep_time, limit=100)

    assert released == ["expired-1", "expired-2"]
    assert {o: stock.get_reservation(o).status for o in ("expired-1", "expired-2", "fresh", "committed")} == {
        "expired-1": "RELEASED", "expired-2": "RELEASED", "fresh": "RESERVED", "committed": "COMMITTED"}
    assert counters(stock, "p1") == (6, 3, 3)
    # Expiry is a release: the order's late commit finds nothing held.
    assert service.commit(stock, "expired-1", now=sweep_time).outcome == "NOTHING_TO_DO"


def test_sweep_is_idempotent_and_respects_its_limit(stock):
    stock.set_on_hand("p1", 10)
    for n in range(3):
        reserve(stock, f"o{n}", ("p1", 1), now=NOW + timedelta(seconds=n))
    later = NOW + TTL + timedelta(hours=1)

    first = service.release_expired(stock, now=later, limit=2)
    second = service.release_expired(stock, now=later, limit=2)
    third = service.release_expired(stock, now=later, limit=2)

    assert (first, second, third) == (["o0", "o1"], ["o2"], [])
    assert counters(stock, "p1") == (10, 0, 10)


def test_expired_reservations_lists_oldest_first(stock):
    stock.set_on_hand("p1", 10)
    reserve(stock, "late", ("p1", 1), now=NOW + timedelta(minutes=2))
    reserve(stock, "early", ("p1", 1), now=NOW)

    expired = stock.expired_reservations(NOW + TTL + timedelta(minutes=2), limit=10)

    assert [r.order_id for r in expired] == ["early", "late"]
    assert stock.expired_reservations(NOW + TTL - timedelta(seconds=1), limit=10) == []


# ---------------------------------------------------------------- DynamoDB layout

def raw_item(tables, pk: str) -> dict:
    table = boto3.resource("dynamodb").Table(tables["InventoryTable"])
    return table.get_item(Key={"pk": pk}, ConsistentRead=True).get("Item")


def test_stock_item_stores_available_for_conditional_reservations(tables, dynamodb_stock):
    dynamodb_stock.set_on_hand("p1", 10)
    reserve(dynamodb_stock, "o1", ("p1", 4))

    assert raw_item(tables, "STOCK#p1") == {
        "pk": "STOCK#p1", "product_id": "p1", "on_hand": 10, "reserved": 4, "available": 6}


def test_only_reserved_reservations_are_in_the_expiry_index(tables, dynamodb_stock):
    dynamodb_stock.set_on_hand("p1", 10)
    reserve(dynamodb_stock, "held", ("p1", 1))
    reserve(dynamodb_stock, "released", ("p1", 1))
    service.release(dynamodb_stock, "released", now=NOW + timedelta(minutes=1))

    held, released = raw_item(tables, "RESERVATION#held"), raw_item(tables, "RESERVATION#released")
    index = boto3.client("dynamodb").scan(TableName=tables["InventoryTable"], IndexName="by_expiry")
    indexed = index["Items"]

    assert held["expiry_queue"] == "RESERVED"
    assert held["expires_at"].startswith("2026-11-25T14:15:00")
    assert "purge_at" not in held
    assert "expiry_queue" not in released
    # Purged 30 days after the release (epoch seconds, the table's TTL attribute).
    expected_purge = NOW + timedelta(minutes=1) + timedelta(days=30)
    assert released["purge_at"] == int(expected_purge.timestamp())
    assert [item["pk"]["S"] for item in indexed] == ["RESERVATION#held"]
