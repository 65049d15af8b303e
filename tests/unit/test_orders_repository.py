"""The orders repository contract, run against the DynamoDB adapter (moto, the template's
table) and against the in-memory fake the service tests use: both must keep it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from orders.domain import Order, OrderLine, OrderModifiedConcurrently, OrderNotFound, OrderStatus
from shared.money import Money
from orders.repository import AbstractOrderRepository, DynamoDBOrderRepository
from shared.errors import InvalidInput
from tests.unit.order_fakes import FakeOrderRepository
from tests.unit.stored import stored_items

START = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["dynamodb", "fake"])
def orders(request) -> AbstractOrderRepository:
    if request.param == "dynamodb":
        request.getfixturevalue("tables")
        return DynamoDBOrderRepository()
    return FakeOrderRepository()


def new_order(user_id: str = "user-1", minutes: float = 0, quantity: int = 1) -> Order:
    line = OrderLine(product_id="p1", sku="SKU-1", name="Widget", quantity=quantity,
                     unit_price=Money(amount=1250, currency="EUR"))
    order = Order.place(user_id, [line], "tok_visa", "corr-1")
    created = START + timedelta(minutes=minutes, microseconds=123)
    return order.model_copy(update={"created_at": created, "updated_at": created})


def all_pages(orders: AbstractOrderRepository, user_id: str, limit: int) -> list[list[Order]]:
    pages, cursor = [], None
    while True:
        page = orders.list_for_user(user_id, limit, cursor)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor never ends"


def test_added_order_reads_back_equal(orders):
    order = new_order(quantity=3)

    orders.add(order)

    assert orders.get(order.id) == order


def test_unknown_order_is_not_found(orders):
    with pytest.raises(OrderNotFound) as raised:
        orders.get("missing")

    assert raised.value.order_id == "missing"


def test_get_each_answers_every_id_in_one_call_missing_ones_as_not_found(orders):
    first, second = new_order(minutes=1), new_order(minutes=2)
    orders.add(first)
    orders.add(second)

    found = orders.get_each([second.id, "missing", first.id, second.id])

    assert found[first.id] == first and found[second.id] == second
    assert isinstance(found["missing"], OrderNotFound) and found["missing"].order_id == "missing"
    assert set(found) == {first.id, second.id, "missing"}


def test_save_of_the_next_version_is_stored(orders):
    order = new_order()
    orders.add(order)

    reserved = order.reserve()
    orders.save(reserved)
    confirmed = reserved.confirm("pay_1")
    orders.save(confirmed)

    assert orders.get(order.id) == confirmed
    assert orders.get(order.id).version == 3


def test_save_from_a_stale_read_is_refused(orders):
    order = new_order()
    orders.add(order)
    orders.save(order.reserve())  # another writer, from the same read

    with pytest.raises(OrderModifiedConcurrently):
        orders.save(order.cancel())

    assert orders.get(order.id).status is OrderStatus.RESERVED


def test_save_that_skips_a_version_is_refused(orders):
    order = new_order()
    orders.add(order)

    with pytest.raises(OrderModifiedConcurrently):
        orders.save(order.reserve().confirm("pay_1"))

    assert orders.get(order.id) == order


def test_save_of_an_order_never_added_is_refused(orders):
    order = new_order()

    with pytest.raises(OrderModifiedConcurrently):
        orders.save(order.reserve())

    with pytest.raises(OrderNotFound):
        orders.get(order.id)


def test_discard_unpublished_deletes_the_new_order(orders):
    order, other = new_order(), new_order()
    orders.add(order)
    orders.add(other)

    orders.discard_unpublished(order)

    with pytest.raises(OrderNotFound):
        orders.get(order.id)
    assert orders.get(other.id) == other
    assert orders.list_for_user("user-1", 10, None).items == [other]


def test_discard_unpublished_leaves_an_order_that_moved_on(orders):
    order = new_order()
    orders.add(order)
    orders.save(order.reserve())

    with pytest.raises(OrderModifiedConcurrently):
        orders.discard_unpublished(order)

    assert orders.get(order.id).status is OrderStatus.RESERVED


def test_list_for_user_is_newest_first_and_only_theirs(orders):
    mine = [new_order(minutes=m) for m in (5, 1, 3)]
    for order in mine + [new_order("user-2", minutes=4)]:
        orders.add(order)

    page = orders.list_for_user("user-1", 10, None)

    newest_first = sorted(mine, key=lambda o: o.created_at, reverse=True)
    assert [o.id for o in page.items] == [o.id for o in newest_first]
    assert page.items[0] == mine[0]
    assert page.next_cursor is None


def test_list_shows_the_current_state_of_each_order(orders):
    order = new_order()
    orders.add(order)
    orders.save(order.fail("out of stock: p1"))

    [listed] = orders.list_for_user("user-1", 10, None).items

    assert (listed.status, listed.status_reason, listed.version) == (
        OrderStatus.FAILED, "out of stock: p1", 2)


def test_list_pages_through_every_order_with_cursors(orders):
    placed = [new_order(minutes=m) for m in range(7)]
    for order in placed:
        orders.add(order)
    orders.add(new_order("user-2", minutes=3.5))

    pages = all_pages(orders, "user-1", limit=2)

    newest_first = [o.id for o in reversed(placed)]
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert [o.id for page in pages for o in page] == newest_first


def test_list_pages_when_the_last_page_is_full(orders):
    placed = [new_order(minutes=m) for m in range(4)]
    for order in placed:
        orders.add(order)

    pages = all_pages(orders, "user-1", limit=2)

    # DynamoDB may answer a cursor to an empty page after a full one: clients see no gap.
    assert [o.id for page in pages for o in page] == [o.id for o in reversed(placed)]
    assert [len(page) for page in pages][:2] == [2, 2]


def test_a_user_without_orders_gets_an_empty_page(orders):
    orders.add(new_order("user-2"))

    page = orders.list_for_user("user-1", 20, None)

    assert (page.items, page.next_cursor) == ([], None)


def test_a_cursor_from_another_users_listing_is_invalid(orders):
    for minutes in range(3):
        orders.add(new_order("user-2", minutes=minutes))
    theirs = orders.list_for_user("user-2", 1, None).next_cursor
    assert theirs

    with pytest.raises(InvalidInput) as raised:
        orders.list_for_user("user-1", 1, theirs)

    assert [f.field for f in raised.value.fields] == ["cursor"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJwayI6IDF9"])
def test_a_forged_cursor_is_invalid(orders, cursor):
    with pytest.raises(InvalidInput) as raised:
        orders.list_for_user("user-1", 1, cursor)

    assert [f.field for f in raised.value.fields] == ["cursor"]


# ---------------------------------------------------------------- DynamoDB only


@pytest.fixture
def dynamodb_orders(tables) -> DynamoDBOrderRepository:
    return DynamoDBOrderRepository()


def test_stored_item_layout(dynamodb_orders, tables):
    order = new_order()
    dynamodb_orders.add(order)
    dynamodb_orders.save(order.reserve())

    item = stored_items(tables["OrdersTable"])[f"ORDER#{order.id}"]

    assert item["user_id"] == {"S": "user-1"}
    assert item["created_key"] == {"S": f"{order.created_at.isoformat()}#{order.id}"}
    assert item["version"] == {"N": "2"}
    assert (item["status"], item["total_amount"], item["total_currency"]) == (
        {"S": "RESERVED"}, {"N": "1250"}, {"S": "EUR"})


def test_other_items_of_the_table_are_not_listed(dynamodb_orders, tables):
    # Powertools' idempotency records share the table; they carry no user_id.
    import boto3

    boto3.client("dynamodb").put_item(TableName=tables["OrdersTable"], Item={
        "pk": {"S": "test-func.orders.handlers._place_order_once#abc"},
        "idempotency_status": {"S": "COMPLETED"}})
    order = new_order()
    dynamodb_orders.add(order)

    assert dynamodb_orders.list_for_user("user-1", 10, None).items == [order]
