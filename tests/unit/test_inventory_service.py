"""Inventory use cases against the in-memory repository (tests/unit/inventory_fakes.py).

The plain flows (reserve, release, commit, restock, sweep) run against the fake and
DynamoDB alike in test_inventory_repository.py; here are the answers to repeats and
the races between a read and a write, which need doubles.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inventory import service
from inventory.domain import COMMIT, RELEASE, RESTOCK, Line, Reservation, StockNotFound, Transition, UnknownProduct
from shared.errors import DependencyUnavailable, Forbidden
from tests.unit.callers import CUSTOMER, STAFF
from tests.unit.inventory_fakes import FakeCatalog, FakeStockRepository

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)
TTL = timedelta(minutes=15)


@pytest.fixture
def stock() -> FakeStockRepository:
    stock = FakeStockRepository()
    stock.set_on_hand("p1", 10)
    stock.set_on_hand("p2", 10)
    return stock


def reserve(stock, order_id: str = "o1", quantity: int = 3, now: datetime = NOW):
    return service.reserve(stock, order_id, [Line(product_id="p1", quantity=quantity)], now=now, ttl=TTL)


def counters(stock, product_id: str = "p1") -> tuple[int, int, int]:
    item = stock.get(product_id)
    return item.on_hand, item.reserved, item.available


def test_set_and_get_stock():
    stock = FakeStockRepository()

    item = service.set_stock(stock, FakeCatalog("p9"), STAFF, "p9", 4)

    assert service.get_stock(stock, "p9") == item
    assert (item.product_id, item.on_hand, item.reserved, item.available) == ("p9", 4, 0, 4)
    with pytest.raises(StockNotFound):
        service.get_stock(stock, "p10")


def test_stock_is_set_for_catalog_products_only_and_nothing_is_stored_otherwise():
    stock, catalog = FakeStockRepository(), FakeCatalog("p9")

    with pytest.raises(UnknownProduct, match="ghost-1 is not in the catalog"):
        service.set_stock(stock, catalog, STAFF, "ghost-1", 4)

    assert stock.items == {}


def test_a_customer_may_not_set_stock_and_nothing_changes(stock):
    catalog = FakeCatalog("p1")
    before = counters(stock)

    with pytest.raises(Forbidden):
        service.set_stock(stock, catalog, CUSTOMER, "p1", 99)

    assert counters(stock) == before
    assert catalog.asked == []  # refused before anything else is asked


def test_a_catalog_outage_sets_no_stock():
    stock, catalog = FakeStockRepository(), FakeCatalog("p9")
    catalog.down = True

    with pytest.raises(DependencyUnavailable):
        service.set_stock(stock, catalog, STAFF, "p9", 4)

    assert stock.items == {}


def test_reserve_uses_the_given_clock_and_ttl(stock):
    service.reserve(stock, "o1", [Line(product_id="p1", quantity=1)], now=NOW, ttl=timedelta(seconds=30))

    reservation = stock.get_reservation("o1")
    assert (reservation.reserved_at, reservation.expires_at) == (NOW, NOW + timedelta(seconds=30))


@pytest.mark.parametrize(
    ("moves", "repeat_outcome"),
    [
        ([], "RESERVED"),
        ([COMMIT], "RESERVED"),
        ([RELEASE], "RELEASED"),
        ([COMMIT, RESTOCK], "RESTOCKED"),
    ],
    ids=["held", "committed", "released", "restocked"],
)
def test_a_repeated_reserve_answers_from_the_reservation_and_changes_nothing(stock, moves, repeat_outcome):
    reserve(stock)
    for transition in moves:
        stock.move(stock.get_reservation("o1"), transition, NOW)
    before = (counters(stock), stock.get_reservation("o1"))

    result = reserve(stock, now=NOW + timedelta(minutes=1))

    assert (result.outcome, result.unavailable_product_ids) == (repeat_outcome, [])
    assert (counters(stock), stock.get_reservation("o1")) == before


def test_commit_or_restock_of_an_order_never_reserved_is_nothing_to_do(stock):
    assert service.commit(stock, "never", now=NOW).outcome == "NOTHING_TO_DO"
    assert service.restock(stock, "never", now=NOW).outcome == "NOTHING_TO_DO"
    assert counters(stock) == (10, 0, 10)
    assert stock.reservations == {}


def test_commit_after_expiry_is_nothing_to_do(stock):
    reserve(stock)
    assert service.release_expired(stock, now=NOW + TTL, limit=10) == ["o1"]

    assert service.commit(stock, "o1", now=NOW + TTL).outcome == "NOTHING_TO_DO"
    assert counters(stock) == (10, 0, 10)


class DuplicateReserveRacesAhead(FakeStockRepository):
    """A copy of the same reserve command holds the stock between our read and our write."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    def get_reservation(self, order_id: str) -> Reservation | None:
        found = super().get_reservation(order_id)
        if found is None and not self.raced:
            self.raced = True
            super().hold(Reservation.hold(order_id, [Line(product_id="p1", quantity=3)], NOW, TTL))
        return found


def test_a_reserve_losing_to_its_duplicate_answers_reserved_and_holds_once():
    stock = DuplicateReserveRacesAhead()
    stock.set_on_hand("p1", 10)

    result = reserve(stock)

    assert result.outcome == "RESERVED"
    assert counters(stock) == (10, 3, 7)


class OtherCommandRacesAhead(FakeStockRepository):
    """Another command moves the reservation between the service's read and its write."""

    def __init__(self, other: Transition) -> None:
        super().__init__()
        self.other = other
        self.armed = False

    def move(self, reservation: Reservation, transition: Transition, now: datetime) -> bool:
        if self.armed:
            self.armed = False
            assert super().move(reservation, self.other, now)
        return super().move(reservation, transition, now)


@pytest.mark.parametrize(
    ("ours", "theirs", "outcome", "expected_counters"),
    [
        (service.commit, RELEASE, "NOTHING_TO_DO", (10, 0, 10)),  # the sweep expired it first
        (service.commit, COMMIT, "COMMITTED", (7, 0, 7)),  # a duplicate commit won
        (service.release, COMMIT, "NOTHING_TO_DO", (7, 0, 7)),  # committed first
        (service.release, RELEASE, "NOTHING_TO_DO", (10, 0, 10)),  # a duplicate release won
    ],
    ids=["commit-vs-expiry", "commit-vs-commit", "release-vs-commit", "release-vs-release"],
)
def test_a_command_losing_a_race_answers_from_the_winner_and_applies_nothing(ours, theirs, outcome,
                                                                             expected_counters):
    stock = OtherCommandRacesAhead(theirs)
    stock.set_on_hand("p1", 10)
    reserve(stock)
    stock.armed = True

    result = ours(stock, "o1", now=NOW)

    assert result.outcome == outcome
    assert counters(stock) == expected_counters


class StaleExpiryIndex(FakeStockRepository):
    """The expiry index still lists a reservation its order committed meanwhile."""

    def expired_reservations(self, now: datetime, limit: int) -> list[Reservation]:
        return [r.model_copy(update={"status": "RESERVED"}) for r in self.reservations.values()]


def test_sweep_leaves_alone_what_the_index_shows_stale():
    stock = StaleExpiryIndex()
    stock.set_on_hand("p1", 10)
    reserve(stock, "committed")
    service.commit(stock, "committed", now=NOW)
    reserve(stock, "fresh", now=NOW + TTL)

    released = service.release_expired(stock, now=NOW + TTL + timedelta(minutes=1), limit=10)

    assert released == []
    assert counters(stock) == (7, 3, 4)
    assert stock.get_reservation("committed").status == "COMMITTED"
    assert stock.get_reservation("fresh").status == "RESERVED"


class UnavailableStockRepository(FakeStockRepository):
    def get_reservation(self, order_id: str) -> Reservation | None:
        raise DependencyUnavailable("inventory table")

    def hold(self, reservation: Reservation) -> None:
        raise DependencyUnavailable("inventory table")


@pytest.mark.parametrize("command", [service.release, service.commit, service.restock])
def test_an_outage_propagates_so_the_caller_retries(command):
    with pytest.raises(DependencyUnavailable):
        command(UnavailableStockRepository(), "o1", now=NOW)
    with pytest.raises(DependencyUnavailable):
        reserve(UnavailableStockRepository())
