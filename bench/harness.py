"""The measurements of `make bench`. Each returns plain dicts (JSON-ready); run.py orders them.

Load comes from threads on this machine, each with its own keep-alive connection
(requests.Session) or boto3 client, so the client shares the 2 cores with the emulator:
ratios measured side by side in one run are the figures to read, not absolute rates.
"""
from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, nullcontext
from datetime import datetime
from pathlib import Path

import requests

from infra.deploy import DeployedStack, local_session
from infra.people import UserPool

ROOT = Path(__file__).resolve().parent.parent
TERMINAL = {"CONFIRMED", "FAILED", "CANCELLED"}
Progress = Callable[[str], None]


# ---------------------------------------------------------------- statistics

def summary(latencies: list[float], elapsed: float, errors: int = 0) -> dict:
    """Requests/s and latency percentiles (ms) of one measured window."""
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000

    return {"count": len(ordered), "errors": errors, "seconds": round(elapsed, 3),
            "rps": round(len(ordered) / elapsed, 1) if elapsed > 0 else 0.0,
            "p50": round(pct(50), 2), "p95": round(pct(95), 2), "p99": round(pct(99), 2)}


def closed_loop(make_worker: Callable[[], Callable[[], bool]], concurrency: int, seconds: float,
                warmup: float, warmup_calls: int = 3) -> dict:
    """`concurrency` threads call their worker back to back for `seconds`, all starting
    together once every thread has made `warmup_calls` calls and `warmup` s have passed
    (so the emulator's cold workers are spawned before the clock starts). A worker
    returns False for an error (counted, not timed)."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    window: dict[str, float] = {}
    warm_until = time.perf_counter() + warmup

    def run(slot: int) -> None:
        call = make_worker()
        calls = 0
        while calls < warmup_calls or time.perf_counter() < warm_until:
            call()  # the first calls at a new concurrency spawn the emulator's cold workers
            calls += 1
        if ready.wait() == 0:
            window["start"] = time.perf_counter()
            window["stop"] = window["start"] + seconds
        ready.wait()
        while True:
            began = time.perf_counter()
            if began >= window["stop"]:
                return
            if call():
                latencies[slot].append(time.perf_counter() - began)
            else:
                errors[slot] += 1

    ready = threading.Barrier(concurrency)
    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The window ends when the last request started in it returns.
    elapsed = time.perf_counter() - window["start"]
    return summary([x for slot in latencies for x in slot], elapsed, sum(errors))


def http_worker(url: str, headers: dict[str, str], verify: str | bool = True) -> Callable[[], Callable[[], bool]]:
    def make() -> Callable[[], bool]:
        session = requests.Session()
        session.headers.update(headers)

        def call() -> bool:
            try:
                return session.get(url, timeout=120, verify=verify).status_code == 200
            except requests.RequestException:
                return False
        return call
    return make


# ---------------------------------------------------------------- fixtures on the stack

def bench_api_key(stack: DeployedStack) -> str:
    """A key on a usage plan of its own with limits far above what this machine can send:
    the template's demo plan (50 req/s) would otherwise measure the throttle."""
    apigw = local_session(stack.endpoint).client("apigateway")
    tag = uuid.uuid4().hex[:8]
    plan = apigw.create_usage_plan(name=f"bench-{tag}", apiStages=[{"apiId": stack.api_id, "stage": stack.stage}],
                                   throttle={"rateLimit": 100000.0, "burstLimit": 100000})
    key = apigw.create_api_key(name=f"bench-{tag}", enabled=True)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    return key["value"]


def bench_people(stack: DeployedStack) -> tuple[str, str]:
    """IdTokens of a staff member (makes the catalog) and a customer (places the orders)."""
    pool = UserPool(stack)
    staff = pool.new_person(f"bench.staff.{uuid.uuid4().hex}@example.com", staff=True)
    customer = pool.new_person(f"bench.customer.{uuid.uuid4().hex}@example.com")
    return staff.id_token, customer.id_token


class Client:
    def __init__(self, stack: DeployedStack, api_key: str, token: str | None = None) -> None:
        self.base_url = stack.base_url
        self.verify = stack.verify
        self.http = requests.Session()
        self.http.headers["x-api-key"] = api_key
        if token is not None:
            self.http.headers["Authorization"] = token

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.base_url}{path}", timeout=90, verify=self.verify, **kwargs)

    def expect(self, status: int, method: str, path: str, **kwargs) -> dict:
        answer = self.call(method, path, **kwargs)
        if answer.status_code != status:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json()


def create_product(client: Client, units: int | None = None) -> str:
    sku = f"BENCH-{uuid.uuid4().hex[:12].upper()}"
    product = client.expect(201, "POST", "/products",
                            json={"sku": sku, "name": sku, "price": {"amount": 1000, "currency": "EUR"}})
    if units is not None:
        client.expect(200, "PUT", f"/inventory/{product['id']}", json={"on_hand": units})
    return product["id"]


# ---------------------------------------------------------------- 1. GET /products/{id}

def get_product(stack: DeployedStack, api_key: str, staff_token: str, levels: list[int], seconds: float,
                warmup: float, progress: Progress) -> dict:
    product_id = create_product(Client(stack, api_key, staff_token))
    headers = {"x-api-key": api_key}
    table = stack.outputs["ProductsTableName"]
    session = local_session(stack.endpoint)
    key = {"pk": {"S": f"PRODUCT#{product_id}"}}

    def raw_worker() -> Callable[[], bool]:
        dynamodb = session.client("dynamodb")

        def call() -> bool:
            try:
                return "Item" in dynamodb.get_item(TableName=table, Key=key)
            except Exception:  # noqa: BLE001 - an error is counted, whatever it is
                return False
        return call

    targets = {
        "ours": http_worker(f"{stack.base_url}/products/{product_id}", headers, stack.verify),
        "reference": http_worker(f"{stack.base_url}/reference/products/{product_id}", headers, stack.verify),
        "raw_getitem": raw_worker,
    }
    results: dict[str, dict[str, dict]] = {name: {} for name in targets}
    for level in levels:
        # Interleaved per level, so drift in the machine's load hits all three alike.
        for name, worker in targets.items():
            progress(f"GET: {name} at c={level} ({warmup:g} s warm-up + {seconds:g} s)")
            results[name][str(level)] = figure = closed_loop(worker, level, seconds, warmup)
            progress(f"      {figure['rps']} req/s, p50 {figure['p50']} ms, p99 {figure['p99']} ms, "
                     f"{figure['errors']} errors")
    return {"levels": levels, "product_id": product_id, **results}


# ---------------------------------------------------------------- 2. orders

def _place(client: Client, product_id: str) -> tuple[str, float]:
    """An order of the customer the client acts for."""
    began = time.perf_counter()
    body = {"payment_token": "tok_visa", "lines": [{"product_id": product_id, "quantity": 1}]}
    key = uuid.uuid4().hex
    for attempt in range(4):
        # A cold chain (PlaceOrder + lookups) on a loaded machine can pass the function's
        # 15 s timeout; the same Idempotency-Key makes the retry safe, as for any client.
        answer = client.call("POST", "/orders", json=body, headers={"Idempotency-Key": key})
        if answer.status_code < 500 or attempt == 3:
            break
        time.sleep(1)
    if answer.status_code != 202:
        raise RuntimeError(f"POST /orders: {answer.status_code} {answer.text[:300]}")
    return answer.json()["id"], began


def order_latency(stack: DeployedStack, api_key: str, orders: int, concurrency: int, products: list[str],
                  customer_token: str, progress: Progress, poll: float = 0.02) -> dict:
    """POST /orders, then GET /orders/{id} every `poll` s until terminal: what a client sees."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    done = [0]
    local = threading.local()

    def one(index: int, warmup: bool = False) -> None:
        if not hasattr(local, "client"):
            local.client = Client(stack, api_key, customer_token)
        client = local.client
        order_id, began = _place(client, products[index % len(products)])
        deadline = began + 120
        while True:
            status = client.expect(200, "GET", f"/orders/{order_id}")["status"]
            if status in TERMINAL or time.perf_counter() > deadline:
                break
            time.sleep(poll)
        elapsed = time.perf_counter() - began
        if warmup:
            return
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
            if status == "CONFIRMED":
                latencies.append(elapsed)
            done[0] += 1
            if done[0] % 25 == 0 or done[0] == orders:
                progress(f"      {done[0]}/{orders} orders finished")

    progress(f"orders: warming the saga's functions ({concurrency} orders, not counted)")
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda index: one(index, warmup=True), range(concurrency)))
    progress(f"orders: latency of {orders} orders, {concurrency} at a time (polling every {poll * 1000:g} ms)")
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(orders)))
    figure = summary(latencies, time.perf_counter() - started)
    figure.update(statuses=statuses, concurrency=concurrency, poll_ms=poll * 1000,
                  latencies_ms=[round(x * 1000, 1) for x in sorted(latencies)])
    progress(f"      p50 {figure['p50']} ms, p99 {figure['p99']} ms, statuses {statuses}")
    return figure


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def processor_mapping(stack: DeployedStack) -> str:
    """The UUID of the event source mapping that feeds the order events queue to the processor."""
    session = local_session(stack.endpoint)
    queue_arn = session.client("sqs").get_queue_attributes(
        QueueUrl=stack.outputs["OrderEventsQueueUrl"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mappings = session.client("lambda").list_event_source_mappings(EventSourceArn=queue_arn)["EventSourceMappings"]
    if len(mappings) != 1:
        raise RuntimeError(f"expected one mapping on {queue_arn}, found {len(mappings)}")
    return mappings[0]["UUID"]


def _order_states(dynamodb, table: str, order_ids: list[str]) -> dict[str, tuple[str, float]]:
    """Status and `updated_at` (epoch s) of each order, BatchGetItem 100 at a time."""
    states: dict[str, tuple[str, float]] = {}
    for chunk in (order_ids[i:i + 100] for i in range(0, len(order_ids), 100)):
        keys = [{"pk": {"S": f"ORDER#{order_id}"}} for order_id in chunk]
        while keys:
            answer = dynamodb.batch_get_item(RequestItems={table: {
                "Keys": keys, "ProjectionExpression": "id, #s, updated_at",
                "ExpressionAttributeNames": {"#s": "status"}}})
            for item in answer["Responses"].get(table, []):
                states[item["id"]["S"]] = (item["status"]["S"], _epoch(item["updated_at"]["S"]))
            keys = answer.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    return states


def order_drain(stack: DeployedStack, api_key: str, orders: int, concurrency: int, products: list[str],
                customer_token: str, progress: Progress, timeout: float,
                while_draining: Callable[[], AbstractContextManager] = nullcontext) -> dict:
    """The saga's drain rate, apart from the intake's.

    The processor's event source mapping is disabled while `concurrency` clients POST a
    burst of `orders`, so the burst waits in the queue as a backlog; the mapping is then
    enabled and the drain is timed from that moment to the last confirmation (the
    orders' own `updated_at`). The intake rate (POSTs accepted/s) and the end-to-end
    figure (first POST to last confirmation) are reported beside it. `while_draining`
    wraps the drain alone (run.py's --profile records the emulator under it).
    """
    session = local_session(stack.endpoint)
    lambda_ = session.client("lambda")
    dynamodb = session.client("dynamodb")
    table = stack.outputs["OrdersTableName"]
    mapping = processor_mapping(stack)
    local = threading.local()

    def post(index: int) -> str:
        if not hasattr(local, "client"):
            local.client = Client(stack, api_key, customer_token)
        return _place(local.client, products[index % len(products)])[0]

    progress(f"orders: burst of {orders} orders from {concurrency} clients, held in the queue")
    with ExitStack() as drain_phase:
        lambda_.update_event_source_mapping(UUID=mapping, Enabled=False)
        try:
            burst_start = time.time()
            with ThreadPoolExecutor(concurrency) as pool:
                order_ids = list(pool.map(post, range(orders)))
            burst_end = time.time()
            # A batch dispatched just before the mapping was disabled may still be running:
            # orders that moved before the release are counted, not hidden.
            held = _order_states(dynamodb, table, order_ids)
            moved_early = sum(1 for status, _ in held.values() if status != "PENDING")
            progress(f"      accepted {orders} in {burst_end - burst_start:.1f} s "
                     f"({moved_early} moved before the release); releasing the backlog")
            drain_phase.enter_context(while_draining())
            released = time.time()
        finally:
            # Whatever happened, the stack is left with its mapping on.
            lambda_.update_event_source_mapping(UUID=mapping, Enabled=True)
        pending = set(order_ids)
        finished: dict[str, tuple[str, float]] = {}
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for order_id, (status, at) in _order_states(dynamodb, table, list(pending)).items():
                if status in TERMINAL:
                    finished[order_id] = (status, at)
                    pending.discard(order_id)
            progress(f"      {len(finished)}/{orders} terminal")
            if pending:
                # Seldom: the poll shares the emulator; the times come from `updated_at`.
                time.sleep(1)
    confirmed = sorted(at for status, at in finished.values() if status == "CONFIRMED")
    statuses: dict[str, int] = {}
    for status, _ in finished.values():
        statuses[status] = statuses.get(status, 0) + 1
    last = confirmed[-1] if confirmed else released
    drain_seconds = last - released
    end_to_end = last - burst_start
    return {
        "orders": orders, "concurrency": concurrency, "statuses": statuses, "unfinished": len(pending),
        "moved_before_release": moved_early,
        "intake_seconds": round(burst_end - burst_start, 2),
        "intake_rps": round(orders / (burst_end - burst_start), 1),
        "seconds_to_drain": round(drain_seconds, 2),
        "drain_rps": round(len(confirmed) / drain_seconds, 1) if confirmed and drain_seconds > 0 else 0.0,
        "end_to_end_seconds": round(end_to_end, 2),
        "end_to_end_rps": round(len(confirmed) / end_to_end, 1) if confirmed else 0.0,
        # Cumulative confirmations over time since the mapping was enabled, for the chart.
        "timeline": [round(at - released, 3) for at in confirmed],
    }


def order_fixtures(stack: DeployedStack, api_key: str, staff_token: str, products: int) -> list[str]:
    client = Client(stack, api_key, staff_token)
    return [create_product(client, units=100_000) for _ in range(products)]


# ---------------------------------------------------------------- raw SQS

def raw_sqs(stack: DeployedStack, seconds: float, progress: Progress) -> dict:
    """The emulator's own ceiling for a message: send, receive, delete, back to back,
    one message at a time and ten at a time (batch calls), on a queue of the bench's own."""
    sqs = local_session(stack.endpoint).client("sqs")
    url = sqs.create_queue(QueueName=f"bench-raw-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    try:
        progress(f"raw SQS: send + receive + delete, one message at a time ({seconds:g} s)")
        latencies: list[float] = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            began = time.perf_counter()
            sqs.send_message(QueueUrl=url, MessageBody="x" * 200)
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            latencies.append(time.perf_counter() - began)
        single = summary(latencies, time.perf_counter() - start)
        progress(f"      {single['rps']} msg/s")
        progress(f"raw SQS: the same ten at a time (batch calls, {seconds:g} s)")
        moved, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x" * 200} for i in range(10)])
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if messages:
                sqs.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
            moved += len(messages)
        batched = round(moved / (time.perf_counter() - start), 1)
        progress(f"      {batched} msg/s")
        return {"single": single, "batched_rps": batched}
    finally:
        sqs.delete_queue(QueueUrl=url)


# ---------------------------------------------------------------- 3. cold start

_IMPORT_PROBE = r"""
import json, os, sys, time
fn_dir, layer_dirs, modules = sys.argv[1], sys.argv[2].split(os.pathsep), sys.argv[3].split("+")
sys.path[:0] = [fn_dir, *layer_dirs]
import importlib
began = time.perf_counter()
for module in modules:
    importlib.import_module(module)
elapsed = time.perf_counter() - began
used = sorted({name.split(".")[0] for name, m in list(sys.modules.items())
               if (getattr(m, "__file__", None) or "").startswith(tuple(layer_dirs))})
print(json.dumps({"seconds": elapsed, "layer_modules": used}))
"""


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _import_once(fn_dir: Path, layer_dirs: list[Path], module: str, env: dict[str, str]) -> dict:
    # -S -E: the standard library plus exactly the function's package and its layers,
    # as on Lambda; nothing from this virtualenv's site-packages.
    finished = subprocess.run([sys.executable, "-S", "-E", "-c", _IMPORT_PROBE, str(fn_dir),
                               os.pathsep.join(map(str, layer_dirs)), module],
                              env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"importing {module} failed:\n{finished.stderr[-2000:]}")
    return json.loads(finished.stdout)


def _importtime_top(fn_dir: Path, layer_dirs: list[Path], module: str, env: dict[str, str],
                    top: int = 8) -> list[list]:
    """`python -X importtime`: where an import's time goes, as the self time of every module
    summed by its top-level package (pydantic, botocore, our own `shared`, ...): a quick profile."""
    code = (f"import sys; sys.path[:0] = {[str(fn_dir), *map(str, layer_dirs)]!r}; "
            + "; ".join(f"import {name}" for name in module.split("+")))
    finished = subprocess.run([sys.executable, "-S", "-E", "-X", "importtime", "-c", code],
                              env=env, capture_output=True, text=True, check=False)
    by_package: dict[str, int] = {}
    for line in finished.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2 or "cumulative" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(own)
    ranked = sorted(by_package.items(), key=lambda kv: -kv[1])[:top]
    return [[name, round(us / 1000, 1)] for name, us in ranked]


def _packages(layer_dir: Path) -> list[str]:
    """Importable top-level packages and modules of a built layer."""
    return sorted(p.name.removesuffix(".py") for p in layer_dir.iterdir()
                  if (p.is_dir() and "." not in p.name and p.name not in {"__pycache__", "bin"})
                  or (p.is_file() and p.suffix == ".py"))


def cold_start(build_dir: Path, runs: int, only: list[str] | None, progress: Progress) -> dict:
    """Import time of each handler module in a fresh interpreter, and what each function carries."""
    build_dir = build_dir.resolve()
    from infra.template import import_environment, resources_of_type
    functions: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, resource in resources_of_type("AWS::Serverless::Function").items():
        properties = resource["Properties"]
        layers = [layer["Ref"] for layer in properties.get("Layers", [])]
        module = properties["Handler"].rpartition(".")[0]
        functions[name] = (module, tuple(dict.fromkeys(layers)))
    # Bare `import boto3` with the reference function's layers: exactly boto3 and botocore.
    baseline = "ReferenceGetProductFunction"
    baseline_layers = functions[baseline][1]
    functions_all = dict(functions)
    if only:
        functions = {name: spec for name, spec in functions.items() if name in only}
    layer_dirs = {layer: build_dir / layer / "python"
                  for _, layers in [*functions.values(), functions_all[baseline]] for layer in layers}
    for layer_dir in layer_dirs.values():
        if not layer_dir.is_dir():
            raise RuntimeError(f"{layer_dir} is missing: the bench reads what `sam build` built")
    layer_packages = {layer: _packages(path) for layer, path in layer_dirs.items()}
    layer_bytes = {layer: _dir_size(path) for layer, path in layer_dirs.items()}
    boto_path = [layer_dirs[layer] for layer in baseline_layers]
    specs = list(dict.fromkeys(functions.values()))
    first_of = {spec: next(name for name, s in functions.items() if s == spec) for spec in specs}
    boto_spec = ("boto3", baseline_layers)
    first_of[boto_spec] = baseline
    samples: dict[tuple[str, tuple[str, ...]], list[dict]] = {spec: [] for spec in [boto_spec, *specs]}
    environments = {spec: import_environment(first_of[spec]) for spec in samples}
    progress(f"cold start: bare `import boto3` and {len(specs)} handler modules, {runs} rounds")
    # Round-robin, so a change in the machine's load touches every module alike.
    for round_ in range(runs):
        for spec in samples:
            module, layers = spec
            samples[spec].append(_import_once(build_dir / first_of[spec], [layer_dirs[x] for x in layers],
                                              module, environments[spec]))
        progress(f"      round {round_ + 1}/{runs}: boto3 {samples[boto_spec][-1]['seconds'] * 1000:.0f} ms")
    boto_ms = round(statistics.median(x["seconds"] for x in samples.pop(boto_spec)) * 1000, 1)
    measured = {spec: {"median_ms": round(statistics.median(x["seconds"] for x in runs_) * 1000, 1),
                       "layer_modules": runs_[0]["layer_modules"], "function": first_of[spec]}
                for spec, runs_ in samples.items()}
    per_function = {}
    for name, spec in functions.items():
        module, layers = spec
        used = set(measured[spec]["layer_modules"])
        carried = [package for layer in layers for package in layer_packages[layer]]
        per_function[name] = {
            "module": module, "layers": list(layers), "import_ms": measured[spec]["median_ms"],
            "ratio_to_boto3": round(measured[spec]["median_ms"] / boto_ms, 2),
            "package_bytes": _dir_size(build_dir / name), "layer_bytes": sum(layer_bytes[x] for x in layers),
            "layer_modules": measured[spec]["layer_modules"],
            "unused_layer_packages": [package for package in carried if package not in used],
        }
    modules = {}
    for (module, _), figure in measured.items():
        modules[module] = {"median_ms": figure["median_ms"], "layer_modules": figure["layer_modules"]}
    slowest_spec = max(measured, key=lambda spec: measured[spec]["median_ms"])
    slowest_fn = build_dir / measured[slowest_spec]["function"]
    slowest_path = [layer_dirs[layer] for layer in slowest_spec[1]]
    return {"runs": runs, "boto3_ms": boto_ms, "layer_bytes": layer_bytes, "layer_packages": layer_packages,
            "functions": per_function, "modules": modules,
            "profile": {"module": slowest_spec[0],
                        "top_packages_ms": _importtime_top(slowest_fn, slowest_path, slowest_spec[0],
                                                           environments[slowest_spec])},
            "boto3_profile": _importtime_top(build_dir / baseline, boto_path, "boto3",
                                            environments[boto_spec])}


# ---------------------------------------------------------------- 4. chalice local

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chalice_local(stack: DeployedStack, product_id: str, api_key: str, stack_file: Path, levels: list[int],
                  seconds: float, warmup: float, log_path: Path, progress: Progress) -> dict:
    stack.save(stack_file)
    ours_port, stock_port = _free_port(), _free_port()
    progress("chalice local: starting it (ours: TCP_NODELAY; stock: as chalice ships)")
    with open(log_path, "ab") as log:
        # stdout (the handlers' log lines) to the log too: a pipe nobody reads would fill and block it.
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.chalice_server", "--stack-file", str(stack_file.relative_to(ROOT)),
             "--port", str(ours_port), "--stock-port", str(stock_port)],
            cwd=ROOT, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 90
        for port in (ours_port, stock_port):
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"bench.chalice_server did not start; see {log_path}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
        results: dict[str, dict[str, dict]] = {"ours": {}, "stock": {}}
        headers = {"x-api-key": api_key}
        for level in levels:
            for name, port in (("ours", ours_port), ("stock", stock_port)):
                progress(f"chalice local: {name} at c={level}, keep-alive ({seconds:g} s)")
                figure = closed_loop(http_worker(f"http://127.0.0.1:{port}/products/{product_id}", headers),
                                     level, seconds, warmup)
                results[name][str(level)] = figure
                progress(f"      {figure['rps']} req/s, p50 {figure['p50']} ms, p99 {figure['p99']} ms")
        return {"levels": levels, **results}
    finally:
        server.terminate()
        server.wait(timeout=10)
