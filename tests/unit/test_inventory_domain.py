"""Stock rules, without any storage."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from inventory.domain import (
    COMMIT,
    FINISHED_RESERVATION_RETENTION,
    HOLD,
    RELEASE,
    RESTOCK,
    Line,
    OutOfStock,
    Reservation,
    ReservationStatus,
    StockChange,
    StockItem,
)

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)
TTL = timedelta(minutes=15)


def held(*lines: tuple[str, int], order_id: str = "order-1") -> Reservation:
    return Reservation.hold(order_id, [Line(product_id=p, quantity=q) for p, q in lines], NOW, TTL)


def test_a_stock_item_is_always_balanced_and_never_negative():
    with pytest.raises(ValidationError):
        StockItem(product_id="p1", on_hand=10, reserved=4, available=7)
    with pytest.raises(ValidationError):
        StockItem(product_id="p1", on_hand=3, reserved=4, available=-1)


def test_hold_merges_lines_of_the_same_product_and_expires_after_the_ttl():
    reservation = held(("p1", 2), ("p2", 1), ("p1", 3))

    assert reservation.lines == (Line(product_id="p1", quantity=5), Line(product_id="p2", quantity=1))
    assert reservation.status is ReservationStatus.RESERVED
    assert (reservation.reserved_at, reservation.expires_at) == (NOW, NOW + TTL)
    assert reservation.purge_at is None


def test_a_reservation_holds_one_line_per_product():
    with pytest.raises(ValidationError):
        Reservation(order_id="o",
                    lines=(Line(product_id="p1", quantity=1), Line(product_id="p1", quantity=2)),
                    status=ReservationStatus.RESERVED, reserved_at=NOW, updated_at=NOW, expires_at=NOW)


def test_holding_moves_units_from_available_to_reserved():
    assert held(("p1", 3)).holding_changes() == [StockChange("p1", on_hand=0, reserved=3, available=-3)]
    assert HOLD.changes([Line(product_id="p2", quantity=1)]) == [StockChange("p2", 0, 1, -1)]


@pytest.mark.parametrize(
    ("transition", "expected"),
    [
        (RELEASE, StockChange("p1", on_hand=0, reserved=-3, available=3)),
        (COMMIT, StockChange("p1", on_hand=-3, reserved=-3, available=0)),
        (RESTOCK, StockChange("p1", on_hand=3, reserved=0, available=3)),
    ],
    ids=["release", "commit", "restock"],
)
def test_each_transition_moves_stock_per_unit(transition, expected):
    reservation = held(("p1", 3))

    assert reservation.stock_changes(transition) == [expected]


def test_hold_then_commit_then_restock_leaves_the_item_as_it_was_counted():
    reservation = held(("p1", 3))
    changes = [reservation.holding_changes()[0], reservation.stock_changes(COMMIT)[0],
               reservation.stock_changes(RESTOCK)[0]]

    counters = [(10, 0, 10)]
    for change in changes:
        on_hand, reserved, available = counters[-1]
        counters.append((on_hand + change.on_hand, reserved + change.reserved, available + change.available))

    assert counters[1:] == [(10, 3, 7), (7, 0, 7), (10, 0, 10)]


def test_reservations_only_move_forward():
    reserved = held(("p1", 1))
    released = reserved.moved(RELEASE, NOW)
    committed = reserved.moved(COMMIT, NOW)
    restocked = committed.moved(RESTOCK, NOW)

    assert (released.status, committed.status, restocked.status) == (
        ReservationStatus.RELEASED, ReservationStatus.COMMITTED, ReservationStatus.RESTOCKED)
    assert [reserved.can(t) for t in (RELEASE, COMMIT, RESTOCK)] == [True, True, False]
    assert [released.can(t) for t in (RELEASE, COMMIT, RESTOCK)] == [False, False, False]
    assert [committed.can(t) for t in (RELEASE, COMMIT, RESTOCK)] == [False, False, True]
    assert [restocked.can(t) for t in (RELEASE, COMMIT, RESTOCK)] == [False, False, False]
    with pytest.raises(ValueError):
        released.moved(COMMIT, NOW)


def test_finished_reservations_get_a_purge_time_and_committed_ones_do_not():
    later = NOW + timedelta(minutes=5)
    reserved = held(("p1", 1))

    assert reserved.moved(RELEASE, later).purge_at == later + FINISHED_RESERVATION_RETENTION
    assert reserved.moved(COMMIT, later).purge_at is None
    restocked = reserved.moved(COMMIT, later).moved(RESTOCK, later)
    assert restocked.purge_at == later + FINISHED_RESERVATION_RETENTION
    assert reserved.moved(RELEASE, later).updated_at == later


def test_only_a_reserved_reservation_past_its_expiry_is_expired():
    reservation = held(("p1", 1))

    assert not reservation.is_expired(NOW + TTL - timedelta(seconds=1))
    assert reservation.is_expired(NOW + TTL)
    assert not reservation.moved(COMMIT, NOW).is_expired(NOW + TTL + timedelta(hours=1))


def test_out_of_stock_names_each_product_once():
    error = OutOfStock(["p2", "p1", "p2"])

    assert error.product_ids == ["p1", "p2"]
