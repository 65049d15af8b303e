"""API Gateway's API keys and usage plans, enforced in front of `chalice local`.

On AWS and on the emulator, API Gateway checks the key, the plan's throttle and its
quota before a function runs. `chalice local` has no such layer, so this module is it:

* the plans (throttle, per-method throttles, quota) come from infra/template.yaml,
  read with cfn-lint's decoder as CloudFormation reads it: one definition, no copy;
* the keys come from the running emulator's API Gateway (the keys `python -m infra.keys`
  creates, with their values and the plans they are on), re-read every `refresh` seconds;
* each key has a token bucket per plan (AWS semantics: it starts full at `burst`, refills
  at `rate` per second) and one per throttled method, and a quota counter per period;
* the answers are API Gateway's: 403 `{"message":"Forbidden"}`, 429
  `{"message":"Too Many Requests"}`, 429 `{"message":"Limit Exceeded"}`.

Handlers contain no throttling code. The layer is installed only by app.py for the
`local` stage (SHOP_STACK_FILE set); in-process unit tests of the app never see it.
Its counters go to .local/usage.json, which `python -m infra.keys usage --local` reads.
"""
from __future__ import annotations

import calendar
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
USAGE_FILE = ROOT / ".local" / "usage.json"

FORBIDDEN = (403, {"message": "Forbidden"})
THROTTLED = (429, {"message": "Too Many Requests"})
QUOTA_EXCEEDED = (429, {"message": "Limit Exceeded"})

Clock = Callable[[], float]  # seconds since the epoch, like time.time


# ---------------------------------------------------------------- plans


@dataclass(frozen=True)
class Throttle:
    rate: float  # tokens added per second
    burst: int  # bucket capacity


@dataclass(frozen=True)
class Quota:
    limit: int
    period: str  # DAY | WEEK | MONTH
    offset: int = 0  # WEEK: 0 = Sunday; MONTH: 0 = the 1st


@dataclass(frozen=True)
class Plan:
    logical_id: str  # FreePlan, StandardPlan, ...
    throttle: Throttle | None
    quota: Quota | None
    # "/orders/POST" -> its own bucket, taken in addition to the plan's.
    method_throttles: Mapping[str, Throttle] = field(default_factory=dict)

    @property
    def tier(self) -> str:
        return self.logical_id.removesuffix("Plan").lower()


def _throttle(raw: Mapping[str, Any] | None) -> Throttle | None:
    if not raw:
        return None
    return Throttle(rate=float(raw.get("RateLimit", 0)), burst=int(raw.get("BurstLimit", 0)))


def plans_from_template(template: Mapping[str, Any] | None = None) -> dict[str, Plan]:
    """Every AWS::ApiGateway::UsagePlan of the template, by logical id."""
    if template is None:
        from infra.template import load_template  # cfn-lint, a dev dependency: chalice local only

        template = load_template()
    plans = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::ApiGateway::UsagePlan":
            continue
        properties = resource["Properties"]
        methods: dict[str, Throttle] = {}
        for stage in properties.get("ApiStages", []):
            for method, raw in (stage.get("Throttle") or {}).items():
                methods[method] = _throttle(raw)
        quota = properties.get("Quota")
        plans[logical_id] = Plan(
            logical_id=logical_id,
            throttle=_throttle(properties.get("Throttle")),
            quota=Quota(int(quota["Limit"]), quota["Period"], int(quota.get("Offset", 0))) if quota else None,
            method_throttles=methods,
        )
    return plans


# ---------------------------------------------------------------- counters


class TokenBucket:
    """AWS's throttle: starts full at `burst`, refills at `rate` tokens per second."""

    def __init__(self, throttle: Throttle, now: float) -> None:
        self.throttle = throttle
        self.tokens = float(throttle.burst)
        self.updated = now

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.throttle.burst), self.tokens + elapsed * self.throttle.rate)
        self.updated = now

    def has_token(self, now: float) -> bool:
        self.refill(now)
        return self.tokens >= 1

    def take(self) -> None:
        self.tokens -= 1


def quota_period_start(quota: Quota, now: float) -> datetime:
    """Start (UTC) of the calendar period `now` falls in, as API Gateway counts quotas."""
    moment = datetime.fromtimestamp(now, timezone.utc)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if quota.period == "DAY":
        return day
    if quota.period == "WEEK":
        # Python: Monday = 0; API Gateway: offset 0 = Sunday.
        days_back = (day.weekday() + 1 - quota.offset) % 7
        return day - timedelta(days=days_back)
    if quota.period == "MONTH":
        start_day = quota.offset + 1
        if day.day >= start_day:
            return day.replace(day=start_day)
        previous = (day.replace(day=1) - timedelta(days=1))
        return previous.replace(day=min(start_day, calendar.monthrange(previous.year, previous.month)[1]))
    raise ValueError(f"unknown quota period {quota.period!r}")


def quota_period_end(quota: Quota, start: datetime) -> datetime:
    if quota.period == "DAY":
        return start + timedelta(days=1)
    if quota.period == "WEEK":
        return start + timedelta(days=7)
    month = start.month % 12 + 1
    year = start.year + (start.month == 12)
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


@dataclass
class QuotaCounter:
    quota: Quota
    period_start: datetime
    used: int = 0

    def roll(self, now: float) -> None:
        start = quota_period_start(self.quota, now)
        if start != self.period_start:
            self.period_start, self.used = start, 0

    @property
    def remaining(self) -> int:
        return max(0, self.quota.limit - self.used)


# ---------------------------------------------------------------- keys


@dataclass(frozen=True)
class Key:
    id: str
    name: str
    enabled: bool
    plans: tuple[str, ...]  # logical ids of the plans the key is on


KeySource = Callable[[], Mapping[str, Key]]  # key value -> Key


def is_enabled(raw: object) -> bool:
    """`enabled` as API Gateway means it. MiniStack stores boto3's patch value as the
    string "false" (see docs/usage-plans.md), which must not read as enabled."""
    if isinstance(raw, str):
        return raw.strip().lower() != "false"
    return raw is None or bool(raw)


def emulator_keys(session: Any, plan_ids: Mapping[str, str]) -> KeySource:
    """Keys with their values and plans, read from API Gateway (`plan_ids`: logical id -> id)."""
    apigateway = session.client("apigateway")

    def read() -> dict[str, Key]:
        plans_of: dict[str, list[str]] = {}
        for logical_id, plan_id in plan_ids.items():
            for page in apigateway.get_paginator("get_usage_plan_keys").paginate(usagePlanId=plan_id):
                for item in page.get("items", []):
                    plans_of.setdefault(item["id"], []).append(logical_id)
        keys = {}
        for page in apigateway.get_paginator("get_api_keys").paginate(includeValues=True):
            for item in page.get("items", []):
                if item.get("value"):
                    keys[item["value"]] = Key(
                        id=item["id"], name=item.get("name", ""), enabled=is_enabled(item.get("enabled")),
                        plans=tuple(plans_of.get(item["id"], ())),
                    )
        return keys

    return read


# ---------------------------------------------------------------- the gateway


class UsagePlanGateway:
    """Decides, per request, what API Gateway would: pass, 403 or 429."""

    def __init__(
        self,
        plans: Mapping[str, Plan],
        keys: KeySource,
        *,
        clock: Clock = time.time,
        refresh: float = 1.0,
        on_change: Callable[[UsagePlanGateway], None] | None = None,
    ) -> None:
        self.plans = dict(plans)
        self._read_keys = keys
        self._clock = clock
        self._refresh = refresh
        self._keys: Mapping[str, Key] = {}
        self._keys_read_at: float | None = None
        self._buckets: dict[tuple, TokenBucket] = {}
        self._quotas: dict[tuple[str, str], QuotaCounter] = {}
        self._lock = threading.Lock()
        self._on_change = on_change

    def _key(self, value: str | None, now: float) -> Key | None:
        if self._keys_read_at is None or now - self._keys_read_at >= self._refresh:
            self._keys, self._keys_read_at = self._read_keys(), now
        return self._keys.get(value) if value else None

    def _bucket(self, slot: tuple, throttle: Throttle, now: float) -> TokenBucket:
        bucket = self._buckets.get(slot)
        if bucket is None or bucket.throttle != throttle:
            bucket = self._buckets[slot] = TokenBucket(throttle, now)
        return bucket

    def check(self, api_key: str | None, resource_path: str, method: str) -> tuple[int, dict] | None:
        """None when the request may reach its handler, else API Gateway's (status, body)."""
        with self._lock:
            now = self._clock()
            key = self._key(api_key, now)
            plans = [self.plans[p] for p in key.plans if p in self.plans] if key and key.enabled else []
            if not plans:
                return FORBIDDEN
            method_key = f"{resource_path}/{method.upper()}"
            buckets = []
            for plan in plans:
                if plan.throttle is not None:
                    buckets.append(self._bucket((key.id, plan.logical_id), plan.throttle, now))
                if method_key in plan.method_throttles:
                    buckets.append(self._bucket((key.id, plan.logical_id, method_key),
                                                plan.method_throttles[method_key], now))
            if not all(bucket.has_token(now) for bucket in buckets):
                return THROTTLED
            counters = []
            for plan in plans:
                if plan.quota is None:
                    continue
                counter = self._quotas.get((key.id, plan.logical_id))
                if counter is None or counter.quota != plan.quota:
                    counter = self._quotas[(key.id, plan.logical_id)] = QuotaCounter(
                        plan.quota, quota_period_start(plan.quota, now))
                counter.roll(now)
                counters.append(counter)
            if any(counter.remaining <= 0 for counter in counters):
                return QUOTA_EXCEEDED
            for bucket in buckets:
                bucket.take()
            for counter in counters:
                counter.used += 1
        if self._on_change is not None:
            self._on_change(self)
        return None

    def usage(self) -> dict[str, dict[str, dict[str, Any]]]:
        """key id -> plan logical id -> used / remaining / period of the quota counters."""
        with self._lock:
            now = self._clock()
            report: dict[str, dict[str, dict[str, Any]]] = {}
            for (key_id, logical_id), counter in self._quotas.items():
                counter.roll(now)
                start = counter.period_start
                report.setdefault(key_id, {})[logical_id] = {
                    "tier": self.plans[logical_id].tier,
                    "used": counter.used,
                    "remaining": counter.remaining,
                    "limit": counter.quota.limit,
                    "period": counter.quota.period,
                    "period_start": start.isoformat(),
                    "period_end": quota_period_end(counter.quota, start).isoformat(),
                }
            return report


def save_usage(path: Path) -> Callable[[UsagePlanGateway], None]:
    def save(gateway: UsagePlanGateway) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        scratch.write_text(json.dumps(gateway.usage(), indent=2) + "\n")
        os.replace(scratch, path)

    return save


# ---------------------------------------------------------------- chalice


def install(app: Any, gateway: UsagePlanGateway) -> None:
    """Put `gateway` in front of every route of `app` that requires an API key."""
    from chalice import Response

    @app.middleware("http")
    def usage_plans(event: Any, get_response: Callable[[Any], Any]) -> Any:
        resource_path = event.context.get("resourcePath", event.path)
        entry = app.routes.get(resource_path, {}).get(event.method)
        if entry is None or not entry.api_key_required:
            return get_response(event)
        refusal = gateway.check(event.headers.get("x-api-key"), resource_path, event.method)
        if refusal is None:
            return get_response(event)
        status, body = refusal
        return Response(body=json.dumps(body), status_code=status,
                        headers={"Content-Type": "application/json"})


def install_local_gateway(app: Any, stack_file: Path) -> UsagePlanGateway:
    """The `local` stage: plans from the template, keys from the stack's emulator."""
    from infra.deploy import local_session

    stack = json.loads(stack_file.read_text())
    plans = plans_from_template()
    plan_ids = {logical_id: stack["outputs"][f"{logical_id}Id"] for logical_id in plans
                if f"{logical_id}Id" in stack["outputs"]}
    gateway = UsagePlanGateway(
        plans,
        emulator_keys(local_session(stack["endpoint"]), plan_ids),
        refresh=float(os.environ.get("SHOP_KEYS_REFRESH_SECONDS", "1")),
        on_change=save_usage(Path(os.environ.get("SHOP_USAGE_FILE", USAGE_FILE))),
    )
    install(app, gateway)
    return gateway
