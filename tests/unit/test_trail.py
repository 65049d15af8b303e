"""infra.trail against a fake CloudWatch Logs client: two passes, JSON checked here, time order."""
from __future__ import annotations

import json

from botocore.exceptions import ClientError

from infra.trail import order_trail, render

FUNCTIONS = {"PlaceOrderFunction": "shop-Place", "OrderProcessorFunction": "shop-Processor",
             "ProductLookupFunction": "shop-Lookup", "NotificationsFunction": "shop-Notify"}


def line(at: str, message: str, **keys) -> str:
    return json.dumps({"level": "INFO", "location": "x:1", "message": message,
                       "timestamp": f"2026-11-25 15:10:{at}+0000", "service": "s", **keys})


# MiniStack stamps every line of an invocation with the time it ended: the trail must
# order by the lines' own timestamps.
GROUPS = {
    "/aws/lambda/shop-Place": [
        (9000, line("01,100", "order placed", correlation_id="c-1", order_id="o-1")),
        (9000, line("01,200", "request", correlation_id="c-1", order_id="o-1", status=202)),
        (9500, line("30,000", "request", correlation_id="c-2", path="/orders/o-1", status=200)),
    ],
    "/aws/lambda/shop-Processor": [
        (9900, "START RequestId: r1 Version: $LATEST"),
        (9900, line("02,000", "order status changed", correlation_id="c-1", order_id="o-1", status="CONFIRMED")),
        (9900, '{"_aws": {"CloudWatchMetrics": []}, "OrdersConfirmed": [1.0], "order_id": "o-1"}'),
        (9900, line("03,000", "order status changed", correlation_id="c-9", order_id="o-2")),
    ],
    "/aws/lambda/shop-Lookup": [
        (8000, line("00,900", "command handled", correlation_id="c-1", command="LookupProducts")),
    ],
}


class FakeLogs:
    def __init__(self) -> None:
        self.patterns: list[str] = []

    def get_paginator(self, name: str):
        assert name == "filter_log_events"
        return self

    def paginate(self, logGroupName: str, filterPattern: str, startTime: int | None = None):  # noqa: N803
        self.patterns.append(filterPattern)
        if logGroupName not in GROUPS:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no group"}},
                              "FilterLogEvents")
        term = filterPattern.strip('"')
        yield {"events": [{"timestamp": ts, "message": message} for ts, message in GROUPS[logGroupName]
                          if term in message]}


def test_the_trail_joins_the_order_and_its_correlation_id_in_time_order():
    logs = FakeLogs()

    lines = order_trail(logs, FUNCTIONS, "o-1")

    assert [(entry.function, entry.message) for entry in lines] == [
        ("ProductLookupFunction", "command handled"),  # before the order existed: by correlation id
        ("PlaceOrderFunction", "order placed"),
        ("PlaceOrderFunction", "request"),
        ("OrderProcessorFunction", "order status changed"),
    ]
    assert {entry.correlation_id for entry in lines} == {"c-1"}
    assert set(logs.patterns) == {'"o-1"', '"c-1"'}
    assert "correlation id(s): c-1" in render("o-1", lines)


def test_an_unknown_order_has_an_empty_trail():
    assert order_trail(FakeLogs(), FUNCTIONS, "nope") == []
    assert render("nope", []) == "No log lines found for order nope"
