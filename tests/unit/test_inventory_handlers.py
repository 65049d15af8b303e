"""Inventory's deployed handlers, driven by the sample events in events/.

Each function's handler is the one infra/template.yaml names for it; the table is
moto's, built from the template.
"""
from __future__ import annotations

import copy
import importlib
import json
from datetime import datetime, timedelta, timezone
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from pydantic import ValidationError

from inventory import commands, handlers, service
from inventory.bootstrap import InventoryServices, create_services, override_services
from inventory.domain import Line, Reservation
from inventory.repository import DynamoDBStockRepository
from shared.errors import DependencyUnavailable
from infra.template import load_template, resources_of_type
from tests.unit.callers import CUSTOMER, as_caller
from tests.unit.inventory_fakes import FakeCatalog, FakeStockRepository

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
FUNCTIONS = resources_of_type("AWS::Serverless::Function")
SAMPLE_PRODUCT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
OTHER_PRODUCT_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
SAMPLE_ORDER_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


@pytest.fixture(autouse=True)
def catalog() -> Iterator[FakeCatalog]:
    """The catalog SetStockFunction asks (through ProductLookupFunction when deployed)."""
    fake = FakeCatalog(SAMPLE_PRODUCT_ID, OTHER_PRODUCT_ID)
    with override_services(InventoryServices(stock=DynamoDBStockRepository(), catalog=fake)):
        yield fake


def stored_items(table_name: str) -> dict[str, dict]:
    """Every item of the table by `pk`, read behind the adapter's back."""
    items = boto3.client("dynamodb").scan(TableName=table_name, ConsistentRead=True)["Items"]
    return {item["pk"]["S"]: item for item in items}


def sample_event(name: str) -> dict:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


def invoke(function_id: str, event: dict) -> Any:
    module_name, _, function_name = FUNCTIONS[function_id]["Properties"]["Handler"].rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)(copy.deepcopy(event), None)


def http(function_id: str, *, product_id: str = SAMPLE_PRODUCT_ID, payload: Any = None,
         raw: str | None = None) -> tuple[int, Any]:
    event = sample_event(function_id)
    event["pathParameters"]["product_id"] = product_id
    event["path"] = f"/inventory/{product_id}"
    if payload is not None or raw is not None:
        event["body"] = raw if payload is None else json.dumps(payload)
    result = invoke(function_id, event)
    return result["statusCode"], json.loads(result["body"]) if result["body"] else None


def set_stock(on_hand: int, product_id: str = SAMPLE_PRODUCT_ID) -> dict:
    status, body = http("SetStockFunction", product_id=product_id, payload={"on_hand": on_hand})
    assert status == 200, body
    return body


def command(name: str) -> dict:
    return invoke("InventoryReservationsFunction", sample_event(f"InventoryReservationsFunction.{name}"))


def test_the_template_deploys_these_handlers():
    names = ("SetStockFunction", "GetStockFunction",
             "InventoryReservationsFunction", "ReservationSweepFunction")
    assert {name: FUNCTIONS[name]["Properties"]["Handler"] for name in names} == {
        "SetStockFunction": "inventory.handlers.set_stock",
        "GetStockFunction": "inventory.handlers.get_stock",
        "InventoryReservationsFunction": "inventory.commands.handle_inventory_command",
        "ReservationSweepFunction": "inventory.handlers.sweep_expired_reservations",
    }
    sweep_events = FUNCTIONS["ReservationSweepFunction"]["Properties"]["Events"]
    assert [(e["Type"], e["Properties"]["Schedule"]) for e in sweep_events.values()] == [
        ("Schedule", {"Ref": "ReservationSweepSchedule"})]
    # On AWS every five minutes; the emulator's environment (samconfig.toml) runs it more often.
    assert load_template()["Parameters"]["ReservationSweepSchedule"]["Default"] == "rate(5 minutes)"


# ---------------------------------------------------------------- HTTP


def test_set_stock_event_creates_the_stock_item(tables):
    sent = json.loads(sample_event("SetStockFunction")["body"])

    result = invoke("SetStockFunction", sample_event("SetStockFunction"))

    assert (result["statusCode"], result["headers"]["Content-Type"]) == (200, "application/json")
    assert json.loads(result["body"]) == {
        "product_id": SAMPLE_PRODUCT_ID, "on_hand": sent["on_hand"], "reserved": 0,
        "available": sent["on_hand"]}
    assert set(stored_items(tables["InventoryTable"])) == {f"STOCK#{SAMPLE_PRODUCT_ID}"}


def test_get_stock_event_returns_what_was_set(tables):
    stored = set_stock(7)

    result = invoke("GetStockFunction", sample_event("GetStockFunction"))

    assert (result["statusCode"], json.loads(result["body"])) == (200, stored)


def test_get_stock_event_for_a_product_never_counted_is_404(tables):
    status, body = http("GetStockFunction")

    assert (status, body) == (404, {"code": "not_found",
                                    "message": f"No stock recorded for product {SAMPLE_PRODUCT_ID}"})


@pytest.mark.parametrize(
    ("payload", "raw", "fields"),
    [
        ({"on_hand": -1}, None, ["on_hand"]),
        ({"on_hand": "5"}, None, ["on_hand"]),
        ({"on_hand": 1.5}, None, ["on_hand"]),
        ({"on_hand": None}, None, ["on_hand"]),
        ({}, None, ["on_hand"]),
        ({"on_hand": 5, "reserved": 2}, None, ["reserved"]),
        (None, '{"on_hand": ', ["body"]),
        (None, "", ["body"]),
    ],
    ids=["negative", "string", "fraction", "null", "missing", "extra-field", "bad-json", "no-body"],
)
def test_set_stock_with_bad_input_is_400_naming_the_field(tables, payload, raw, fields):
    status, body = http("SetStockFunction", payload=payload, raw=raw)

    assert (status, body["code"]) == (400, "invalid_request")
    assert [error["field"] for error in body["errors"]] == fields
    assert stored_items(tables["InventoryTable"]) == {}


def test_set_stock_for_a_product_id_longer_than_orders_may_use_is_400(tables):
    status, body = http("SetStockFunction", product_id="x" * 65, payload={"on_hand": 1})

    assert status == 400
    assert [error["field"] for error in body["errors"]] == ["product_id"]


def test_set_stock_for_a_product_the_catalog_does_not_have_is_404_and_stores_nothing(tables, catalog):
    status, body = http("SetStockFunction", product_id="ghost-1", payload={"on_hand": 5})

    assert (status, body["code"]) == (404, "not_found")
    assert "ghost-1 is not in the catalog" in body["message"]
    assert catalog.asked == ["ghost-1"]
    assert stored_items(tables["InventoryTable"]) == {}


def test_set_stock_while_the_catalog_is_down_is_503_and_stores_nothing(tables, catalog):
    catalog.down = True

    event = sample_event("SetStockFunction")
    result = invoke("SetStockFunction", event)

    assert (result["statusCode"], result["headers"]["Retry-After"]) == (503, "1")
    assert json.loads(result["body"])["code"] == "dependency_unavailable"
    assert stored_items(tables["InventoryTable"]) == {}


def test_set_stock_with_bad_input_never_asks_the_catalog(tables, catalog):
    assert http("SetStockFunction", payload={"on_hand": -1})[0] == 400
    assert http("SetStockFunction", product_id="a" * 2000, payload={"on_hand": 1})[0] == 400

    assert catalog.asked == []


def test_set_stock_below_what_is_reserved_is_409_and_changes_nothing(tables):
    set_stock(10)
    assert command("reserve")["outcome"] == "OUT_OF_STOCK"  # its other product has no stock
    set_stock(1, OTHER_PRODUCT_ID)
    assert command("reserve")["outcome"] == "RESERVED"

    status, body = http("SetStockFunction", payload={"on_hand": 1})

    assert (status, body["code"]) == (409, "conflict")
    assert "2 units are reserved" in body["message"]
    assert http("GetStockFunction")[1] == {
        "product_id": SAMPLE_PRODUCT_ID, "on_hand": 10, "reserved": 2, "available": 8}
    assert set_stock(2) == {"product_id": SAMPLE_PRODUCT_ID, "on_hand": 2, "reserved": 2, "available": 0}


# ---------------------------------------------------------------- reservation commands


def stock_of(product_id: str = SAMPLE_PRODUCT_ID) -> tuple[int, int, int]:
    body = http("GetStockFunction", product_id=product_id)[1]
    return body["on_hand"], body["reserved"], body["available"]


def test_reserve_event_holds_each_line_once(tables):
    set_stock(10)
    set_stock(5, OTHER_PRODUCT_ID)

    first, again = command("reserve"), command("reserve")

    expected = {"order_id": SAMPLE_ORDER_ID, "outcome": "RESERVED", "unavailable_product_ids": []}
    assert first == again == expected
    assert (stock_of(), stock_of(OTHER_PRODUCT_ID)) == ((10, 2, 8), (5, 1, 4))


def test_reserve_event_out_of_stock_names_the_products_and_holds_nothing(tables):
    set_stock(1)

    result = command("reserve")

    assert result == {"order_id": SAMPLE_ORDER_ID, "outcome": "OUT_OF_STOCK",
                      "unavailable_product_ids": sorted([SAMPLE_PRODUCT_ID, OTHER_PRODUCT_ID])}
    assert stock_of() == (1, 0, 1)
    assert set(stored_items(tables["InventoryTable"])) == {f"STOCK#{SAMPLE_PRODUCT_ID}"}


def test_batch_event_answers_each_command_in_order(tables):
    set_stock(10)

    answer = command("batch")

    # The second order's product has no stock at all: a business outcome, not a failure.
    assert answer == {"results": [
        {"result": {"order_id": SAMPLE_ORDER_ID, "outcome": "RESERVED", "unavailable_product_ids": []}, "error": None},
        {"result": {"order_id": "9b2e4c1a-5d3f-4e6a-8b7c-0d1e2f3a4b5c", "outcome": "OUT_OF_STOCK",
                    "unavailable_product_ids": [OTHER_PRODUCT_ID]}, "error": None},
        {"result": {"order_id": SAMPLE_ORDER_ID, "outcome": "COMMITTED", "unavailable_product_ids": []},
         "error": None},
    ]}
    assert stock_of() == (8, 0, 8)


def test_a_failing_command_of_a_batch_fails_alone(tables):
    set_stock(10)
    batch = sample_event("InventoryReservationsFunction.batch")
    batch["commands"][1] = {"action": "explode", "order_id": "o-2"}

    answer = invoke("InventoryReservationsFunction", batch)

    first, failed, last = answer["results"]
    assert first["result"]["outcome"] == "RESERVED" and last["result"]["outcome"] == "COMMITTED"
    assert failed["result"] is None and failed["error"].startswith("ValidationError")


def test_release_event_gives_the_stock_back_once(tables):
    set_stock(10)
    set_stock(5, OTHER_PRODUCT_ID)
    command("reserve")

    assert [command("release")["outcome"] for _ in range(2)] == ["RELEASED", "NOTHING_TO_DO"]
    assert (stock_of(), stock_of(OTHER_PRODUCT_ID)) == ((10, 0, 10), (5, 0, 5))


def test_commit_then_restock_events_apply_once_each(tables):
    set_stock(10)
    set_stock(5, OTHER_PRODUCT_ID)
    command("reserve")

    assert [command("commit")["outcome"] for _ in range(2)] == ["COMMITTED", "COMMITTED"]
    assert (stock_of(), stock_of(OTHER_PRODUCT_ID)) == ((8, 0, 8), (4, 0, 4))
    assert [command("restock")["outcome"] for _ in range(2)] == ["RESTOCKED", "RESTOCKED"]
    assert (stock_of(), stock_of(OTHER_PRODUCT_ID)) == ((10, 0, 10), (5, 0, 5))


def test_release_event_for_an_unknown_order_is_nothing_to_do(tables):
    assert command("release") == {"order_id": SAMPLE_ORDER_ID, "outcome": "NOTHING_TO_DO",
                                  "unavailable_product_ids": []}


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "reserve", "order_id": SAMPLE_ORDER_ID, "lines": []},
        {"action": "reserve", "order_id": SAMPLE_ORDER_ID, "lines": [{"product_id": "p", "quantity": 0}]},
        {"action": "teleport", "order_id": SAMPLE_ORDER_ID},
        {"action": "release"},
    ],
    ids=["no-lines", "zero-quantity", "unknown-action", "no-order-id"],
)
def test_a_command_outside_the_contract_raises(tables, payload):
    with pytest.raises(ValidationError):
        invoke("InventoryReservationsFunction", payload)
    assert stored_items(tables["InventoryTable"]) == {}


class UnavailableStockRepository(FakeStockRepository):
    def get_reservation(self, order_id: str):
        raise DependencyUnavailable("inventory table")

    def hold(self, reservation: Reservation) -> None:
        raise DependencyUnavailable("inventory table")


@pytest.mark.parametrize("name", ["reserve", "release", "commit", "restock"])
def test_an_outage_makes_the_command_fail_so_the_caller_retries(name):
    with override_services(InventoryServices(stock=UnavailableStockRepository(), catalog=None)), \
            pytest.raises(DependencyUnavailable):
        command(name)


# ---------------------------------------------------------------- expiry sweep


def test_sweep_event_releases_expired_reservations_only(tables):
    set_stock(10)
    now = datetime.now(timezone.utc)
    line = [Line(product_id=SAMPLE_PRODUCT_ID, quantity=1)]
    ttl = commands.RESERVATION_TTL
    service.reserve(create_services().stock, "abandoned", line, now=now - timedelta(hours=1), ttl=ttl)
    service.reserve(create_services().stock, "in-checkout", line, now=now, ttl=ttl)
    assert stock_of() == (10, 2, 8)

    result = invoke("ReservationSweepFunction", sample_event("ReservationSweepFunction"))
    again = invoke("ReservationSweepFunction", sample_event("ReservationSweepFunction"))

    assert result == {"released": 1, "order_ids": ["abandoned"]}
    assert again == {"released": 0, "order_ids": []}
    assert stock_of() == (10, 1, 9)
    assert create_services().stock.get_reservation("in-checkout").status == "RESERVED"


def test_reservations_expire_after_the_configured_ttl():
    environment = FUNCTIONS["InventoryReservationsFunction"]["Properties"]["Environment"]["Variables"]

    assert commands.RESERVATION_TTL == timedelta(minutes=15)
    assert environment["RESERVATION_TTL_SECONDS"] == {"Ref": "ReservationTtlSeconds"}
    default = load_template()["Parameters"]["ReservationTtlSeconds"]["Default"]
    assert int(default) == commands.RESERVATION_TTL.total_seconds()


@pytest.mark.parametrize(("raw", "expected"), [("60", timedelta(seconds=60)), ("", timedelta(minutes=15))])
def test_reservation_ttl_is_read_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("RESERVATION_TTL_SECONDS", raw)

    assert commands._reservation_ttl() == expected


@pytest.mark.parametrize("raw", ["0", "-5", "15m", "1.5"])
def test_a_reservation_ttl_that_is_not_a_positive_whole_number_fails_at_start(monkeypatch, raw):
    monkeypatch.setenv("RESERVATION_TTL_SECONDS", raw)

    with pytest.raises(RuntimeError, match="RESERVATION_TTL_SECONDS"):
        commands._reservation_ttl()


def test_a_customer_setting_stock_is_403_json_and_nothing_is_stored(tables, catalog):
    event = as_caller(sample_event("SetStockFunction"), CUSTOMER)

    result = invoke("SetStockFunction", event)

    assert result["statusCode"] == 403
    assert json.loads(result["body"]) == {"code": "forbidden", "message": "Only staff may do this"}
    assert stored_items(tables["InventoryTable"]) == {}
    assert catalog.asked == []
