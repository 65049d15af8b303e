"""Order use cases and the saga, wired through OrderServices to the in-memory fakes."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from inventory.contracts import StockLine
from orders import service
from orders.domain import IllegalTransition, Order, OrderModifiedConcurrently, OrderNotFound, OrderStatus
from orders.contracts import OrderCancelled, OrderCreated, OrderUpdated
from orders.service import OrderServices, RequestedLine
from shared.caller import Caller
from shared.errors import DependencyUnavailable, InvalidInput
from tests.unit.callers import CUSTOMER, OTHER_CUSTOMER, STAFF
from tests.unit.order_fakes import (
    FakeEventPublisher,
    FakeOrderRepository,
    InProcessCatalog,
    InProcessInventory,
    InProcessPayments,
    fake_services,
    process_order,
)

S = OrderStatus
USER = CUSTOMER.user_id


@pytest.fixture
def services() -> OrderServices:
    catalog = InProcessCatalog()
    catalog.add("p1", 2499)
    catalog.add("p2", 100)
    catalog.add("usd", 500, currency="USD")
    return fake_services(catalog=catalog, inventory=InProcessInventory(p1=10, p2=5, usd=1))


# Typed views of the fakes inside `services`.
def repo(services: OrderServices) -> FakeOrderRepository:
    return services.orders  # type: ignore[return-value]


def stock(services: OrderServices) -> InProcessInventory:
    return services.inventory  # type: ignore[return-value]


def payments(services: OrderServices) -> InProcessPayments:
    return services.payments  # type: ignore[return-value]


def events(services: OrderServices) -> FakeEventPublisher:
    return services.events  # type: ignore[return-value]


def place(services: OrderServices, *lines: tuple[str, int], token: str = "tok_visa",
          caller: Caller = CUSTOMER) -> Order:
    return service.place_order(
        services,
        caller,
        lines=[RequestedLine(product_id, quantity) for product_id, quantity in lines or [("p1", 2)]],
        payment_token=token,
        correlation_id="corr-1",
    )


def fields_of(error: InvalidInput) -> list[str]:
    return [field.field for field in error.fields]


def once_before_save(services: OrderServices, other_writer: Callable[[Order], None],
                     when: Callable[[Order], bool] = lambda order: True) -> None:
    """Run `other_writer` once, between the service's read and its next matching save."""
    repository = repo(services)

    def hook(order: Order) -> None:
        if when(order):
            repository.before_save = None
            other_writer(order)

    repository.before_save = hook


def assert_stock(services: OrderServices, product_id: str, on_hand: int, reserved: int) -> None:
    inventory = stock(services)
    assert (inventory.on_hand[product_id], inventory.reserved[product_id]) == (on_hand, reserved)
    assert inventory.available(product_id) == on_hand - reserved


# ---------------------------------------------------------------- place_order


def test_place_order_records_a_pending_order_priced_from_the_catalog(services):
    order = place(services, ("p1", 2), ("p2", 3))

    assert repo(services).get(order.id) == order
    assert order.status is S.PENDING
    assert [(l.product_id, l.sku, l.name, l.quantity, l.unit_price.amount) for l in order.lines] == [
        ("p1", "SKU-P1", "Product p1", 2, 2499), ("p2", "SKU-P2", "Product p2", 3, 100)]
    assert (order.total.amount, order.total.currency) == (2 * 2499 + 3 * 100, "EUR")
    assert (order.user_id, order.payment_token, order.correlation_id) == (USER, "tok_visa", "corr-1")
    assert services.catalog.lookups == [["p1", "p2"]]


def test_place_order_publishes_order_created(services):
    order = place(services, ("p1", 2))

    [event] = events(services).published
    assert isinstance(event, OrderCreated)
    expected = OrderCreated.of(order)
    assert event.model_dump(exclude={"occurred_at"}) == expected.model_dump(exclude={"occurred_at"})
    assert (event.event_id, event.order_id, event.correlation_id) == (
        f"{order.id}:created", order.id, "corr-1")
    assert [(l.product_id, l.quantity) for l in event.lines] == [("p1", 2)]
    assert event.total == order.total


@pytest.mark.parametrize("caller", [CUSTOMER, STAFF], ids=["customer", "staff"])
def test_an_order_is_the_callers_own(services, caller):
    order = place(services, caller=caller)

    assert order.user_id == caller.user_id
    assert events(services).created[0].user_id == caller.user_id


def test_place_order_with_unknown_products_names_each_line(services):
    with pytest.raises(InvalidInput) as raised:
        place(services, ("p1", 1), ("ghost", 1), ("p2", 1), ("phantom", 2))

    assert fields_of(raised.value) == ["lines.1.product_id", "lines.3.product_id"]
    assert "ghost" in raised.value.fields[0].message
    assert repo(services).orders == {} and events(services).published == []


def test_place_order_with_products_in_two_currencies_is_rejected(services):
    with pytest.raises(InvalidInput) as raised:
        place(services, ("p1", 1), ("usd", 1))

    assert fields_of(raised.value) == ["lines"]
    assert repo(services).orders == {} and events(services).published == []


def test_place_order_that_cannot_publish_takes_the_order_back(services):
    events(services).unavailable = True

    with pytest.raises(DependencyUnavailable):
        place(services)

    assert repo(services).orders == {}
    assert len(repo(services).discarded) == 1


def test_each_placed_order_is_a_new_order(services):
    first, second = place(services), place(services)

    assert first.id != second.id
    assert len(repo(services).orders) == 2


# ---------------------------------------------------------------- process_order


def test_process_order_confirms_reserves_once_and_charges_once(services):
    order = place(services, ("p1", 2))

    processed = process_order(services, order.id)

    assert (processed.status, processed.payment_id, processed.version) == (S.CONFIRMED, f"pay_{order.id}", 3)
    assert repo(services).get(order.id) == processed
    assert stock(services).calls == [("reserve", order.id), ("commit", order.id)]
    assert_stock(services, "p1", on_hand=8, reserved=0)
    assert payments(services).charge_calls == [order.id]
    assert payments(services).payments[order.id].amount.amount == 4998
    # RESERVED is internal: only the outcome is published.
    [updated] = events(services).updated
    assert updated == OrderUpdated.of(processed)
    assert (updated.status, updated.event_id, updated.correlation_id) == (
        S.CONFIRMED, f"{order.id}:3", "corr-1")


def test_process_order_out_of_stock_fails_without_charging(services):
    order = place(services, ("p1", 2), ("p2", 6))

    processed = process_order(services, order.id)

    assert processed.status is S.FAILED
    assert processed.status_reason == "out of stock: p2"
    assert payments(services).charge_calls == []
    assert_stock(services, "p1", on_hand=10, reserved=0)
    assert_stock(services, "p2", on_hand=5, reserved=0)
    assert [(e.status, e.reason) for e in events(services).updated] == [(S.FAILED, "out of stock: p2")]


def test_process_order_declined_fails_and_releases_the_stock(services):
    order = place(services, ("p1", 2), token="tok_declined")

    processed = process_order(services, order.id)

    assert processed.status is S.FAILED
    assert processed.status_reason == "payment declined: card_declined"
    assert processed.payment_id == f"pay_{order.id}"
    assert stock(services).holds[order.id].status == "RELEASED"
    assert_stock(services, "p1", on_hand=10, reserved=0)
    assert [e.status for e in events(services).updated] == [S.FAILED]


def test_process_order_with_payments_down_raises_and_keeps_the_stock_held(services):
    order = place(services, ("p1", 2), token="tok_unavailable")

    with pytest.raises(DependencyUnavailable):
        process_order(services, order.id)

    stored = repo(services).get(order.id)
    assert (stored.status, stored.version) == (S.RESERVED, 2)
    assert_stock(services, "p1", on_hand=10, reserved=2)
    assert events(services).updated == []

    # The redelivery goes straight to the charge: the stock is not reserved again.
    with pytest.raises(DependencyUnavailable):
        process_order(services, order.id)
    assert stock(services).count("reserve") == 1
    assert_stock(services, "p1", on_hand=10, reserved=2)


def test_process_order_three_times_reserves_once_and_charges_once(services):
    order = place(services, ("p1", 2))

    results = [process_order(services, order.id) for _ in range(3)]

    assert {r.status for r in results} == {S.CONFIRMED}
    assert stock(services).count("reserve") == 1
    assert payments(services).charge_calls == [order.id]
    assert payments(services).captured == [order.id]
    assert_stock(services, "p1", on_hand=8, reserved=0)


@pytest.mark.parametrize("token", ["tok_visa", "tok_declined"])
def test_a_terminal_order_redelivered_republishes_the_same_order_updated(services, token):
    order = place(services, ("p1", 2), token=token)
    process_order(services, order.id)

    process_order(services, order.id)

    first, again = events(services).updated
    assert again.event_id == first.event_id
    assert again.model_dump() == first.model_dump()
    assert len(repo(services).saved) == 2  # RESERVED and the outcome; the redelivery wrote nothing


def test_a_redelivery_after_the_outcome_was_saved_but_not_published_publishes_it(services):
    order = place(services, ("p1", 2))
    events(services).unavailable = True
    with pytest.raises(DependencyUnavailable):
        process_order(services, order.id)
    assert repo(services).get(order.id).status is S.CONFIRMED

    events(services).unavailable = False
    process_order(services, order.id)

    [updated] = events(services).updated
    assert (updated.status, updated.event_id) == (S.CONFIRMED, f"{order.id}:3")
    assert payments(services).charge_calls == [order.id]


def test_process_order_of_an_unknown_order_raises_not_found(services):
    with pytest.raises(OrderNotFound):
        process_order(services, "missing")


def test_a_concurrent_worker_that_reserved_first_is_followed(services):
    order = place(services, ("p1", 2))

    def other_worker_reserves(_: Order) -> None:
        lines = [StockLine(product_id=l.product_id, quantity=l.quantity) for l in order.lines]
        services.inventory.reserve(order.id, lines)
        repo(services).put(repo(services).get(order.id).reserve())

    once_before_save(services, other_worker_reserves)

    processed = process_order(services, order.id)

    assert (processed.status, processed.version) == (S.CONFIRMED, 3)
    assert repo(services).get(order.id) == processed
    assert len(stock(services).holds) == 1
    assert_stock(services, "p1", on_hand=8, reserved=0)
    assert payments(services).charge_calls == [order.id]


def test_a_concurrent_worker_that_finished_first_wins(services):
    order = place(services, ("p1", 2))
    once_before_save(services, lambda _: process_order(services, order.id))

    processed = process_order(services, order.id)

    assert processed == repo(services).get(order.id)
    assert (processed.status, processed.version) == (S.CONFIRMED, 3)
    assert payments(services).captured == [order.id]
    assert_stock(services, "p1", on_hand=8, reserved=0)
    assert [e.status for e in events(services).updated] == [S.CONFIRMED]


def test_cancelled_while_charging_refunds_the_capture_and_restocks(services):
    order = place(services, ("p1", 2))
    once_before_save(services, lambda _: service.cancel_order(services, CUSTOMER, order.id),
                     when=lambda saving: saving.status is S.CONFIRMED)

    processed = process_order(services, order.id)

    assert processed.status is S.CANCELLED
    assert repo(services).get(order.id).status is S.CANCELLED
    assert payments(services).refunded == [order.id]
    assert payments(services).payments[order.id].status == "REFUNDED"
    assert_stock(services, "p1", on_hand=10, reserved=0)
    assert S.CONFIRMED not in {e.status for e in events(services).updated}

    # The cancellation's own compensation then finds nothing left to give back.
    [cancelled] = events(services).cancelled
    service.compensate_cancelled(services, cancelled)
    assert payments(services).refunded == [order.id]
    assert_stock(services, "p1", on_hand=10, reserved=0)


def test_cancelled_while_reserving_gives_the_stock_back(services):
    order = place(services, ("p1", 2))
    once_before_save(services, lambda _: service.cancel_order(services, CUSTOMER, order.id))

    processed = process_order(services, order.id)

    assert processed.status is S.CANCELLED
    assert payments(services).charge_calls == []
    assert_stock(services, "p1", on_hand=10, reserved=0)


def test_cancelled_while_a_declined_charge_is_recorded_refunds_nothing(services):
    order = place(services, ("p1", 2), token="tok_declined")
    once_before_save(services, lambda _: service.cancel_order(services, CUSTOMER, order.id),
                     when=lambda saving: saving.status is S.FAILED)

    processed = process_order(services, order.id)

    assert processed.status is S.CANCELLED
    assert payments(services).refund_calls == []
    assert_stock(services, "p1", on_hand=10, reserved=0)


def test_a_stale_save_outside_the_saga_is_refused(services):
    order = place(services)
    repo(services).save(order.reserve())

    with pytest.raises(OrderModifiedConcurrently):
        repo(services).save(order.cancel())


# ---------------------------------------------------------------- cancel racing the processor

def processor_writes_before_each_cancel(services: OrderServices, writes: list[Callable[[Order], Order]]) -> None:
    """Each time the cancel is about to save, the processor records its next step first."""
    repository = repo(services)

    def hook(saving: Order) -> None:
        if saving.status is S.CANCELLED and writes:
            current = repository.orders[saving.id]
            repository.orders[saving.id] = writes.pop(0)(current)

    repository.before_save = hook


def test_a_cancel_that_races_a_processor_write_is_retried_and_succeeds(services):
    order = place(services)
    processor_writes_before_each_cancel(services, [lambda current: current.reserve()])

    cancelled = service.cancel_order(services, CUSTOMER, order.id)

    assert cancelled.status is S.CANCELLED
    assert repo(services).get(order.id) == cancelled
    # Cancelled from what it had become: the processor's step was not overwritten.
    [event] = events(services).cancelled
    assert event.previous_status is S.RESERVED


def test_a_cancel_racing_every_step_of_the_saga_still_succeeds(services):
    order = place(services)
    processor_writes_before_each_cancel(services, [
        lambda current: current.reserve(),
        lambda current: current.confirm("pay_1"),
    ])

    cancelled = service.cancel_order(services, CUSTOMER, order.id)

    assert (cancelled.status, cancelled.payment_id) == (S.CANCELLED, "pay_1")


def test_a_cancel_that_loses_the_race_to_a_final_failure_is_a_conflict(services):
    order = place(services)
    processor_writes_before_each_cancel(services, [lambda current: current.fail("out of stock: p1")])

    with pytest.raises(IllegalTransition):
        service.cancel_order(services, CUSTOMER, order.id)

    assert repo(services).get(order.id).status is S.FAILED


def test_a_cancel_retries_a_bounded_number_of_times_then_answers_409(services):
    order = place(services)
    attempts = []

    def always_changed(saving: Order) -> None:
        attempts.append(saving)
        current = repo(services).orders[saving.id]
        repo(services).orders[saving.id] = current.model_copy(update={"version": current.version + 1})

    repo(services).before_save = always_changed

    with pytest.raises(OrderModifiedConcurrently):
        service.cancel_order(services, CUSTOMER, order.id)

    assert len(attempts) == service.CANCEL_ATTEMPTS
    assert events(services).cancelled == []


# ---------------------------------------------------------------- cancel and compensation


def processed_to(services: OrderServices, status: OrderStatus) -> Order:
    token = {S.FAILED: "tok_declined", S.RESERVED: "tok_unavailable"}.get(status, "tok_visa")
    order = place(services, ("p1", 2), token=token)
    if status is not S.PENDING:
        try:
            process_order(services, order.id)
        except DependencyUnavailable:
            pass
    if status is S.CANCELLED:
        service.cancel_order(services, CUSTOMER, order.id)
    order = repo(services).get(order.id)
    assert order.status is status
    events(services).published.clear()
    return order


@pytest.mark.parametrize("status", [S.PENDING, S.RESERVED, S.CONFIRMED], ids=lambda s: s.value)
def test_cancel_order_publishes_order_updated_and_order_cancelled(services, status):
    order = processed_to(services, status)

    cancelled = service.cancel_order(services, CUSTOMER, order.id)

    assert (cancelled.status, cancelled.version) == (S.CANCELLED, order.version + 1)
    assert repo(services).get(order.id) == cancelled
    updated, compensation = events(services).published
    assert updated == OrderUpdated.of(cancelled)
    assert compensation.model_dump(exclude={"occurred_at"}) == OrderCancelled.of(
        cancelled, previous_status=status).model_dump(exclude={"occurred_at"})
    assert (compensation.event_id, compensation.previous_status) == (f"{order.id}:cancelled", status)
    assert compensation.payment_id == (f"pay_{order.id}" if status is S.CONFIRMED else None)
    # Nothing is given back here: that is the processor's job (order.cancelled).
    assert payments(services).refund_calls == []


def test_cancel_of_a_failed_order_is_an_illegal_transition(services):
    order = processed_to(services, S.FAILED)

    with pytest.raises(IllegalTransition):
        service.cancel_order(services, CUSTOMER, order.id)

    assert repo(services).get(order.id) == order
    assert events(services).published == []


def test_cancel_of_a_cancelled_order_changes_nothing_and_resends_the_compensation(services):
    order = processed_to(services, S.CANCELLED)

    again = service.cancel_order(services, CUSTOMER, order.id)

    assert again == repo(services).get(order.id) == order
    [resent] = [e for e in events(services).published if e.type == "order.cancelled"]
    assert (resent.event_id, resent.previous_status) == (f"{order.id}:cancelled", None)


def test_cancel_of_an_unknown_order_is_not_found(services):
    with pytest.raises(OrderNotFound):
        service.cancel_order(services, CUSTOMER, "missing")


def test_another_customer_cannot_cancel_an_order_it_is_not_found_and_nothing_changes(services):
    order = place(services)
    published = list(events(services).published)

    with pytest.raises(OrderNotFound) as theirs:
        service.cancel_order(services, OTHER_CUSTOMER, order.id)
    with pytest.raises(OrderNotFound) as unknown:
        service.cancel_order(services, OTHER_CUSTOMER, "missing")

    assert theirs.value.message == f"Order {order.id} not found"
    assert unknown.value.message == "Order missing not found"
    assert repo(services).get(order.id) == order and repo(services).saved == []
    assert events(services).published == published


def test_staff_cancel_any_order(services):
    order = place(services)

    cancelled = service.cancel_order(services, STAFF, order.id)

    assert (cancelled.status, cancelled.user_id) == (S.CANCELLED, CUSTOMER.user_id)
    assert events(services).cancelled[0].order_id == order.id


def test_the_charge_names_the_orders_customer(services):
    order = place(services)

    process_order(services, order.id)

    assert payments(services).customers == {order.id: CUSTOMER.user_id}


def test_compensating_a_confirmed_order_restocks_and_refunds(services):
    order = processed_to(services, S.CONFIRMED)
    service.cancel_order(services, CUSTOMER, order.id)
    [event] = events(services).cancelled

    service.compensate_cancelled(services, event)

    assert payments(services).refunded == [order.id]
    assert_stock(services, "p1", on_hand=10, reserved=0)
    # Redelivered: each step is a no-op the second time.
    service.compensate_cancelled(services, event)
    assert payments(services).refunded == [order.id]
    assert_stock(services, "p1", on_hand=10, reserved=0)


@pytest.mark.parametrize("status", [S.PENDING, S.RESERVED], ids=lambda s: s.value)
def test_compensating_an_unpaid_order_releases_and_never_refunds(services, status):
    order = processed_to(services, status)
    service.cancel_order(services, CUSTOMER, order.id)
    [event] = events(services).cancelled
    assert event.payment_id is None

    service.compensate_cancelled(services, event)

    assert payments(services).refund_calls == []
    assert_stock(services, "p1", on_hand=10, reserved=0)
    assert stock(services).count("release") == 1


def test_give_back_refunds_only_with_a_payment_id(services):
    order = processed_to(services, S.CONFIRMED)

    service.give_back(services, order.id, payment_id=None)
    assert payments(services).refund_calls == []
    assert_stock(services, "p1", on_hand=10, reserved=0)

    service.give_back(services, order.id, payment_id=order.payment_id)
    assert payments(services).refunded == [order.id]


# ---------------------------------------------------------------- holds that expired


def test_a_hold_that_expired_before_the_order_recorded_it_fails_the_order(services):
    # The reservation was made but recording RESERVED failed; the retry comes after
    # inventory's sweep released the hold (e.g. redriven from the DLQ).
    order = place(services, ("p1", 2))
    repo(services).before_save = lambda _: (_ for _ in ()).throw(DependencyUnavailable("orders table"))
    with pytest.raises(DependencyUnavailable):
        process_order(services, order.id)
    repo(services).before_save = None
    stock(services).expire(order.id)

    processed = process_order(services, order.id)

    assert processed.status is S.FAILED
    assert processed.status_reason == "stock reservation expired"
    assert payments(services).charge_calls == []
    assert_stock(services, "p1", on_hand=10, reserved=0)


def test_a_hold_that_expired_while_payments_were_down_refunds_and_fails(services):
    order = place(services, ("p1", 2), token="tok_visa")
    services.payments = FakeUnavailableOnce()
    with pytest.raises(DependencyUnavailable):
        process_order(services, order.id)
    stock(services).expire(order.id)

    processed = process_order(services, order.id)

    assert processed.status is S.FAILED
    assert processed.status_reason == "stock reservation expired"
    assert processed.payment_id == f"pay_{order.id}"
    assert payments(services).refunded == [order.id]
    assert_stock(services, "p1", on_hand=10, reserved=0)
    assert [e.status for e in events(services).updated] == [S.FAILED]


class FakeUnavailableOnce(InProcessPayments):
    """Payments that are down for the first charge only."""

    def charge(self, command):
        if not self.charge_calls:
            self.charge_calls.append(command.order_id)
            raise DependencyUnavailable("payments service")
        return super().charge(command)


# ---------------------------------------------------------------- the whole saga


def test_place_process_cancel_compensate_leaves_nothing_behind(services):
    order = place(services, ("p1", 3), ("p2", 5))
    process_order(services, order.id)
    assert_stock(services, "p2", on_hand=0, reserved=0)

    service.cancel_order(services, CUSTOMER, order.id)
    for event in events(services).cancelled:
        service.compensate_cancelled(services, event)

    assert_stock(services, "p1", on_hand=10, reserved=0)
    assert_stock(services, "p2", on_hand=5, reserved=0)
    assert payments(services).payments[order.id].status == "REFUNDED"
    assert [type(e).__name__ for e in events(services).published] == [
        "OrderCreated", "OrderUpdated", "OrderUpdated", "OrderCancelled"]
    assert [e.status for e in events(services).updated] == [S.CONFIRMED, S.CANCELLED]
