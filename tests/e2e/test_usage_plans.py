"""Usage plans on the emulator: tiers, keys made by `infra.keys`, API Gateway's answers.

Requests go to GET /products/{unknown id}: a fast 404 from a warm function, so any
answer but 403/429 means "accepted by the gateway". Throttle windows are a few seconds;
the plans are the template's (FreePlan, StandardPlan, PartnerPlan, QuotaProbePlan).
Where MiniStack deviates from API Gateway the test says so (docs/usage-plans.md).
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from infra.keys import KeyAdmin, UsageUnavailable, emulator_usage
from infra.template import resources_of_type

PLANS = resources_of_type("AWS::ApiGateway::UsagePlan")
FORBIDDEN = {"message": "Forbidden"}


def limits(logical_id: str) -> tuple[float, int]:
    throttle = PLANS[logical_id]["Properties"]["Throttle"]
    return float(throttle["RateLimit"]), int(throttle["BurstLimit"])


@pytest.fixture(scope="module")
def admin(stack) -> KeyAdmin:
    return KeyAdmin(stack.endpoint, stack.stack_name)


@pytest.fixture(scope="module")
def warm(api) -> None:
    """Warm workers for GET /products/{id}: a cold burst would throttle the client, not the gateway."""
    api.get("/products/warm", timeout=120)

    def touch(n: int) -> None:
        try:
            api.get(f"/products/warm-{n}", timeout=60)
        except requests.RequestException:
            pass  # a slow cold start only delays the warm-up; the tests measure warm workers

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(touch, range(60)))


def user() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def hammer(stack, keys: list[str], seconds: float, threads_per_key: int = 6) -> list[Counter]:
    """Send requests as fast as `threads_per_key` threads can for `seconds`, per key;
    no retries. Returns the status codes each key got."""
    counts = [Counter() for _ in keys]
    lock = threading.Lock()
    start = threading.Barrier(len(keys) * threads_per_key)

    def worker(index: int) -> None:
        http = requests.Session()
        http.headers["x-api-key"] = keys[index]
        start.wait()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status = http.get(f"{stack.base_url}/products/absent-{uuid.uuid4().hex}", timeout=30).status_code
            with lock:
                counts[index][status] += 1

    with ThreadPoolExecutor(len(keys) * threads_per_key) as pool:
        list(pool.map(worker, [i for i in range(len(keys)) for _ in range(threads_per_key)]))
    return counts


def accepted(counts: Counter) -> int:
    return sum(n for status, n in counts.items() if status not in (403, 429))


@pytest.mark.parametrize(("tier", "plan", "seconds"), [
    # The partner window is longer: at 50 req/s the client (on a shared 2-core machine)
    # needs a few seconds of sending faster than the rate to empty a 100-token bucket.
    ("free", "FreePlan", 5.0), ("standard", "StandardPlan", 3.0), ("partner", "PartnerPlan", 6.0),
])
def test_each_tier_accepts_rate_times_seconds_plus_burst(stack, admin, warm, tier, plan, seconds):
    key = admin.create(user(), tier)
    rate, burst = limits(plan)
    [counts] = hammer(stack, [key.value], seconds, threads_per_key=10 if tier == "partner" else 4)
    expected = rate * seconds + burst
    print(f"{tier}: {accepted(counts)} accepted of {sum(counts.values())} in {seconds} s; "
          f"expected {expected}")
    assert set(counts) <= {404, 429}, counts
    assert counts[429] > 0, "the client never went past the plan's rate"
    assert abs(accepted(counts) - expected) <= 0.1 * expected, (counts, expected)


def test_two_keys_on_one_plan_are_throttled_independently(stack, admin, warm):
    first, second = admin.create(user(), "free"), admin.create(user(), "free")
    rate, burst = limits("FreePlan")
    seconds = 5.0
    counts = hammer(stack, [first.value, second.value], seconds, threads_per_key=2)
    expected = rate * seconds + burst
    print(f"two free keys: {[accepted(c) for c in counts]} accepted; expected {expected} each")
    for each in counts:
        assert abs(accepted(each) - expected) <= 0.1 * expected, (counts, expected)


def _handler_log(aws, since_ms: int) -> str:
    """Everything the GetProduct function logged since `since_ms`: its access log has each path."""
    logs = aws.client("logs")
    pages = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix="/aws/lambda/")
    groups = [group["logGroupName"] for page in pages for group in page["logGroups"]
              if "GetProductFunction" in group["logGroupName"]]
    assert groups, "no log group of the GetProduct function"
    lines = []
    for group in groups:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=since_ms):
            lines += [event["message"] for event in page["events"]]
    return "\n".join(lines)


def test_no_wrong_or_disabled_key_is_forbidden_before_any_handler_runs(stack, admin, aws, warm):
    since_ms = int(time.time() * 1000) - 1000
    key = admin.create(user(), "free")
    token = uuid.uuid4().hex
    url = f"{stack.base_url}/products/{token}"
    assert requests.get(f"{url}-before", headers={"x-api-key": key.value}, timeout=30).status_code == 404

    plans = admin.disable(key.id)
    assert plans == [admin.plan_id("free")]
    refused = {
        "no-key": requests.get(f"{url}-no-key", timeout=30),
        "wrong-key": requests.get(f"{url}-wrong-key", headers={"x-api-key": f"not-{key.value}"}, timeout=30),
        "disabled": requests.get(f"{url}-disabled", headers={"x-api-key": key.value}, timeout=30),
    }
    for case, answer in refused.items():
        assert (case, answer.status_code, answer.json()) == (case, 403, FORBIDDEN)
    listed = {item["id"]: item for item in admin.list()}
    assert listed[key.id]["enabled"] is False and listed[key.id]["tiers"] == []

    # The handler logs one line per invocation with its path: the accepted requests'
    # lines arrive, the refused ones' never do.
    assert requests.get(f"{url}-after", headers={"x-api-key": stack.api_key}, timeout=30).status_code == 404
    deadline = time.monotonic() + 15
    while f"{token}-after" not in (log := _handler_log(aws, since_ms)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert f"{token}-before" in log and f"{token}-after" in log
    for case in refused:
        assert f"{token}-{case}" not in log


@pytest.mark.emulator_controls("pins MiniStack's handling of enabled=false")
def test_disabled_flag_alone_through_boto3_does_not_disable_on_the_emulator(stack, admin):
    """MiniStack deviation: boto3 sends `enabled` as the string "false", which the
    emulator stores as is and treats as true; AWS answers 403. `infra.keys disable`
    therefore also takes the key off its plans and patches with a JSON boolean."""
    key = admin.create(user(), "free")
    admin.apigateway.update_api_key(apiKey=key.id, patchOperations=[
        {"op": "replace", "path": "/enabled", "value": "false"}])
    reported = admin.apigateway.get_api_key(apiKey=key.id)["enabled"]  # botocore reads "false" as False
    answer = requests.get(f"{stack.base_url}/products/absent", headers={"x-api-key": key.value}, timeout=30)
    assert (reported, answer.status_code) == (False, 404), (
        "MiniStack now honours boto3's enabled=false: update docs/usage-plans.md and infra.keys")


def test_rotate_gives_a_new_key_on_the_same_plan_and_refuses_the_old(stack, admin):
    old = admin.create(user(), "standard")
    new = admin.rotate(old.id)
    assert (new.name, new.plan_id, new.tier) == (old.name, old.plan_id, "standard")
    assert new.value != old.value
    answers = {name: requests.get(f"{stack.base_url}/products/absent", headers={"x-api-key": value},
                                  timeout=30)
               for name, value in (("old", old.value), ("new", new.value))}
    assert (answers["old"].status_code, answers["old"].json()) == (403, FORBIDDEN)
    assert answers["new"].status_code == 404


def test_an_exhausted_quota_answers_limit_exceeded(stack, admin):
    quota = int(PLANS["QuotaProbePlan"]["Properties"]["Quota"]["Limit"])
    key = admin.create(user(), "quotaprobe", plan_id=stack.outputs["QuotaProbePlanId"])
    http = requests.Session()
    http.headers["x-api-key"] = key.value
    statuses = [http.get(f"{stack.base_url}/products/absent", timeout=30).status_code for _ in range(quota)]
    over = http.get(f"{stack.base_url}/products/absent", timeout=30)
    assert statuses == [404] * quota
    assert (over.status_code, over.json()) == (429, {"message": "Limit Exceeded"})


@pytest.mark.emulator_controls("pins MiniStack's missing GetUsage")
def test_quota_usage_is_reported_unavailable_on_the_emulator(admin, tmp_path):
    """MiniStack deviation: no GetUsage. The command says so instead of inventing numbers."""
    key = admin.create(user(), "free")
    with pytest.raises(UsageUnavailable, match="unavailable on the emulator"):
        emulator_usage(admin, key.id, tmp_path / "no-local-counters.json")


def test_post_orders_has_its_own_tighter_throttle(stack, admin, people):
    """On the emulator the deploy step sets this throttle through the API Gateway API
    (infra.deploy.enforce_method_throttles): MiniStack ignores the CloudFormation-made one.
    A signed-in customer: without a token the authorizer answers 401 before any throttle."""
    method = PLANS["FreePlan"]["Properties"]["ApiStages"][0]["Throttle"]["/orders/POST"]
    key = admin.create(user(), "free")
    http = requests.Session()
    http.headers["x-api-key"] = key.value
    http.headers["Authorization"] = people.customer().id_token
    # The plan's burst lets 5 through; the method's only BurstLimit (+1 refilled, at most).
    statuses = [http.post(f"{stack.base_url}/orders", json={}, timeout=30).status_code
                for _ in range(limits("FreePlan")[1])]
    assert sum(status != 429 for status in statuses) <= int(method["BurstLimit"]) + 1, statuses


@pytest.mark.emulator_controls("its usage step pins MiniStack's missing GetUsage")
def test_the_operator_command(stack, capsys):
    from infra.keys import main

    common = ["--endpoint", stack.endpoint, "--stack-name", stack.stack_name]
    name = user()
    assert main([*common, "create", "--user", name, "--tier", "standard"]) == 0
    created = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    assert created["tier"].startswith("standard")
    answer = requests.get(f"{stack.base_url}/products/absent", headers={"x-api-key": created["value"]},
                          timeout=30)
    assert answer.status_code == 404

    assert main([*common, "list"]) == 0
    [row] = [line.split() for line in capsys.readouterr().out.splitlines() if name in line]
    assert row == [created["id"], name, "standard", "yes"]

    assert main([*common, "usage", created["id"], "--usage-file", "/nonexistent/usage.json"]) == 2
    assert "unavailable on the emulator" in capsys.readouterr().err

    assert main([*common, "disable", created["id"]]) == 0
    assert main([*common, "list"]) == 0
    [row] = [line.split() for line in capsys.readouterr().out.splitlines() if name in line]
    assert row == [created["id"], name, "-", "no"]
