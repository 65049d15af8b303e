"""The chalice local gateway (infra/usage_plans.py): API Gateway's keys, throttles and
quotas, with the template's plans, a fake clock and a spy handler behind it."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from chalice import Chalice
from chalice.test import Client

from infra.usage_plans import (
    FORBIDDEN,
    QUOTA_EXCEEDED,
    THROTTLED,
    Key,
    Plan,
    Quota,
    Throttle,
    UsagePlanGateway,
    install,
    is_enabled,
    plans_from_template,
    quota_period_start,
    save_usage,
)
from infra.template import load_template

PROJECT_DIR = str(Path(__file__).resolve().parents[2])
PLANS = plans_from_template(load_template())
START = datetime(2026, 3, 31, 23, 0, tzinfo=timezone.utc).timestamp()  # a Tuesday, 1 h before April


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def key(key_id: str, *plans: str, enabled: bool = True) -> Key:
    return Key(id=key_id, name=f"user-{key_id}", enabled=enabled, plans=plans)


KEYS = {
    "free-a": key("A", "FreePlan"),
    "free-b": key("B", "FreePlan"),
    "standard": key("S", "StandardPlan"),
    "partner": key("P", "PartnerPlan"),
    "probe": key("Q", "QuotaProbePlan"),
    "off": key("D", "FreePlan", enabled=False),
    "planless": key("N"),
}


def gateway(clock: FakeClock, keys: dict[str, Key] | None = None, **kwargs) -> UsagePlanGateway:
    source = keys if keys is not None else KEYS
    return UsagePlanGateway(PLANS, lambda: source, clock=clock, **kwargs)


def accepted_over(gw: UsagePlanGateway, clock: FakeClock, api_key: str, seconds: float, per_second: int,
                  path: str = "/products/{product_id}", method: str = "GET") -> int:
    """Offer `per_second` evenly spaced requests for `seconds`; count those let through."""
    passed = 0
    for _ in range(int(seconds * per_second)):
        passed += gw.check(api_key, path, method) is None
        clock.advance(1 / per_second)
    return passed


def test_plans_are_the_templates_tiers():
    assert {"FreePlan", "StandardPlan", "PartnerPlan"} <= set(PLANS)
    periods = {PLANS[name].quota.period for name in ("FreePlan", "StandardPlan", "PartnerPlan")}
    assert periods == {"DAY", "WEEK", "MONTH"}
    for name in ("FreePlan", "StandardPlan", "PartnerPlan"):
        assert "/orders/POST" in PLANS[name].method_throttles
        assert PLANS[name].method_throttles["/orders/POST"].rate < PLANS[name].throttle.rate
    rates = [PLANS[name].throttle.rate for name in ("FreePlan", "StandardPlan", "PartnerPlan")]
    assert rates == sorted(rates)


@pytest.mark.parametrize("plan", ["FreePlan", "StandardPlan", "PartnerPlan"])
@pytest.mark.parametrize("seconds", [3.0, 10.0])
def test_token_bucket_accepts_rate_times_seconds_plus_burst(plan, seconds):
    clock = FakeClock()
    api_key = {"FreePlan": "free-a", "StandardPlan": "standard", "PartnerPlan": "partner"}[plan]
    throttle = PLANS[plan].throttle
    offered = int(throttle.rate * 4) + 1  # well past the rate
    passed = accepted_over(gateway(clock), clock, api_key, seconds, offered)
    expected = throttle.rate * seconds + throttle.burst
    assert abs(passed - expected) <= 0.1 * expected, (passed, expected)


def test_bucket_starts_full_at_burst_then_refills_at_rate():
    clock = FakeClock()
    gw = gateway(clock)
    burst = PLANS["FreePlan"].throttle.burst
    answers = [gw.check("free-a", "/products", "GET") for _ in range(burst + 1)]
    assert answers == [None] * burst + [THROTTLED]
    clock.advance(1 / PLANS["FreePlan"].throttle.rate)
    assert gw.check("free-a", "/products", "GET") is None
    assert gw.check("free-a", "/products", "GET") == THROTTLED


def test_two_keys_on_one_plan_have_their_own_buckets():
    clock = FakeClock()
    gw = gateway(clock)
    burst = PLANS["FreePlan"].throttle.burst
    assert [gw.check("free-a", "/products", "GET") for _ in range(burst + 1)][-1] == THROTTLED
    assert [gw.check("free-b", "/products", "GET") for _ in range(burst)] == [None] * burst


def test_post_orders_has_its_own_tighter_bucket_besides_the_plans():
    clock = FakeClock()
    gw = gateway(clock)
    method = PLANS["FreePlan"].method_throttles["/orders/POST"]
    orders = [gw.check("free-a", "/orders", "POST") for _ in range(method.burst + 1)]
    assert orders == [None] * method.burst + [THROTTLED]
    # The rest of the plan's burst is still there for other routes.
    assert gw.check("free-a", "/products", "GET") is None
    seconds = 10.0
    clock.advance(60)
    passed = accepted_over(gw, clock, "free-a", seconds, 20, path="/orders", method="POST")
    expected = method.rate * seconds + method.burst
    assert abs(passed - expected) <= 0.1 * expected


@pytest.mark.parametrize("api_key", [None, "", "not-a-key", "off", "planless"])
def test_missing_unknown_disabled_or_planless_keys_are_forbidden(api_key):
    assert gateway(FakeClock()).check(api_key, "/products", "GET") == FORBIDDEN


def test_a_key_disabled_upstream_is_refused_once_the_keys_are_read_again():
    clock = FakeClock()
    keys = dict(KEYS)
    gw = gateway(clock, keys, refresh=1.0)
    assert gw.check("free-a", "/products", "GET") is None
    keys["free-a"] = key("A")  # taken off its plan, as `infra.keys disable` does
    clock.advance(1.0)
    assert gw.check("free-a", "/products", "GET") == FORBIDDEN


def test_quota_is_limit_exceeded_until_its_period_ends():
    clock = FakeClock()
    gw = gateway(clock)
    limit = PLANS["QuotaProbePlan"].quota.limit
    assert PLANS["QuotaProbePlan"].quota.period == "DAY"
    answers = []
    for _ in range(limit + 1):
        answers.append(gw.check("probe", "/products", "GET"))
        clock.advance(1)
    assert answers == [None] * limit + [QUOTA_EXCEEDED]
    assert gw.usage()["Q"]["QuotaProbePlan"]["remaining"] == 0
    clock.now = datetime(2026, 3, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp()
    assert gw.check("probe", "/products", "GET") == QUOTA_EXCEEDED
    clock.now = datetime(2026, 4, 1, 0, 0, 0, tzinfo=timezone.utc).timestamp()  # UTC midnight
    assert gw.check("probe", "/products", "GET") is None
    assert gw.usage()["Q"]["QuotaProbePlan"]["used"] == 1


def test_throttled_requests_do_not_use_quota():
    clock = FakeClock()
    gw = gateway(clock)
    burst = PLANS["FreePlan"].throttle.burst
    for _ in range(burst + 10):
        gw.check("free-a", "/products", "GET")
    assert gw.usage()["A"]["FreePlan"]["used"] == burst


@pytest.mark.parametrize(("period", "offset", "now", "start"), [
    ("DAY", 0, datetime(2026, 4, 15, 13, 5), datetime(2026, 4, 15)),
    ("WEEK", 0, datetime(2026, 4, 15, 13, 5), datetime(2026, 4, 12)),  # Wednesday -> Sunday
    ("WEEK", 0, datetime(2026, 4, 12, 0, 0), datetime(2026, 4, 12)),
    ("WEEK", 1, datetime(2026, 4, 12, 9, 0), datetime(2026, 4, 6)),  # offset 1: Monday
    ("MONTH", 0, datetime(2026, 4, 30, 23, 59), datetime(2026, 4, 1)),
    ("MONTH", 0, datetime(2026, 5, 1, 0, 0), datetime(2026, 5, 1)),
    ("MONTH", 14, datetime(2026, 4, 3), datetime(2026, 3, 15)),
])
def test_quota_periods_are_calendar_periods_in_utc(period, offset, now, start):
    quota = Quota(limit=10, period=period, offset=offset)
    moment = now.replace(tzinfo=timezone.utc).timestamp()
    assert quota_period_start(quota, moment) == start.replace(tzinfo=timezone.utc)


def test_weekly_and_monthly_quotas_reset_at_their_period():
    clock = FakeClock(datetime(2026, 4, 11, 12, tzinfo=timezone.utc).timestamp())  # Saturday
    plans = {"WeekPlan": Plan("WeekPlan", Throttle(100, 100), Quota(2, "WEEK")),
             "MonthPlan": Plan("MonthPlan", Throttle(100, 100), Quota(2, "MONTH"))}
    keys = {"w": key("W", "WeekPlan"), "m": key("M", "MonthPlan")}
    gw = UsagePlanGateway(plans, lambda: keys, clock=clock)
    for api_key in ("w", "m"):
        assert [gw.check(api_key, "/products", "GET") for _ in range(3)] == [None, None, QUOTA_EXCEEDED]
    clock.now = datetime(2026, 4, 12, tzinfo=timezone.utc).timestamp()  # Sunday: a new week
    assert gw.check("w", "/products", "GET") is None
    assert gw.check("m", "/products", "GET") == QUOTA_EXCEEDED
    clock.now = datetime(2026, 5, 1, tzinfo=timezone.utc).timestamp()
    assert gw.check("m", "/products", "GET") is None


@pytest.mark.parametrize(("raw", "enabled"), [(True, True), (False, False), ("false", False),
                                              ("False", False), ("true", True), (None, True)])
def test_enabled_reads_minstacks_string_as_api_gateway_means_it(raw, enabled):
    assert is_enabled(raw) is enabled


# ---------------------------------------------------------------- in front of Chalice routes


@pytest.fixture
def spied_app():
    """A Chalice app with the gateway installed and spy handlers behind it."""
    app = Chalice(app_name="spied")
    calls: list[str] = []

    @app.route("/products/{product_id}", api_key_required=True)
    def get_product(product_id):
        calls.append(product_id)
        return {"id": product_id}

    @app.route("/orders", methods=["POST"], api_key_required=True)
    def place_order():
        calls.append("order")
        return {"ok": True}

    @app.route("/health")
    def health():
        calls.append("health")
        return {"status": "ok"}

    clock = FakeClock()
    gw = gateway(clock)
    install(app, gw)
    return Client(app, project_dir=PROJECT_DIR).http, calls, clock, gw


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "not-a-key"}, {"x-api-key": "off"},
                                     {"X-API-Key": "planless"}])
def test_refused_requests_never_reach_the_handler(spied_app, headers):
    http, calls, _, _ = spied_app
    answer = http.get("/products/p1", headers=headers)
    assert (answer.status_code, json.loads(answer.body)) == (403, {"message": "Forbidden"})
    assert calls == []


def test_throttled_and_over_quota_requests_never_reach_the_handler(spied_app):
    http, calls, clock, _ = spied_app
    burst = PLANS["FreePlan"].throttle.burst
    answers = [http.get(f"/products/p{n}", headers={"x-api-key": "free-a"}) for n in range(burst + 1)]
    assert [a.status_code for a in answers] == [200] * burst + [429]
    assert json.loads(answers[-1].body) == {"message": "Too Many Requests"}
    assert calls == [f"p{n}" for n in range(burst)]

    calls.clear()
    limit = PLANS["QuotaProbePlan"].quota.limit
    answers = [http.get("/products/q", headers={"x-api-key": "probe"}) for _ in range(limit + 1)]
    assert answers[-1].status_code == 429
    assert json.loads(answers[-1].body) == {"message": "Limit Exceeded"}
    assert len(calls) == limit


def test_keyless_routes_pass_untouched(spied_app):
    http, calls, _, _ = spied_app
    assert http.get("/health").status_code == 200
    assert calls == ["health"]


def test_post_orders_is_throttled_by_its_method_limit(spied_app):
    http, calls, _, _ = spied_app
    method = PLANS["FreePlan"].method_throttles["/orders/POST"]
    statuses = [http.post("/orders", headers={"x-api-key": "free-a"}, body=b"{}").status_code
                for _ in range(method.burst + 1)]
    assert statuses == [200] * method.burst + [429]
    assert calls == ["order"] * method.burst


def test_usage_is_written_for_the_operator_command(tmp_path):
    clock = FakeClock()
    path = tmp_path / "usage.json"
    gw = gateway(clock, on_change=save_usage(path))
    gw.check("standard", "/products", "GET")
    usage = json.loads(path.read_text())["S"]["StandardPlan"]
    assert usage["used"] == 1 and usage["tier"] == "standard" and usage["period"] == "WEEK"
    assert usage["remaining"] == PLANS["StandardPlan"].quota.limit - 1


def test_the_shop_app_has_no_gateway_unless_the_local_stage_installs_it():
    from app import app

    assert "usage_plans" not in [getattr(handler, "__name__", "") for handler, _ in app.middleware_handlers]
