"""`make bench`: one emulator, one deploy, every figure; writes docs/benchmarks.md and its charts.

    .venv/bin/python -m bench.run            # the full run (~5-8 min on 2 cores)
    .venv/bin/python -m bench.run --quick    # seconds: checks the harness, numbers are noise
    .venv/bin/python -m bench.run --profile  # then a second drain, recorded by py-spy (`make bench`)
                                             # (py-spy on PATH or --py-spy PATH; needs ptrace)

Benchmarks, not tests: targets are reported beside the figures, never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench import harness, profile
from infra.deploy import DeployedStack, DeployError, deploy
from infra.emulator import Emulator, free_port

ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = ROOT / ".local" / "bench"
DOCS = ROOT / "docs"


@dataclass(frozen=True)
class Settings:
    levels: list[int]
    seconds: float
    warmup: float
    chalice_levels: list[int]
    chalice_seconds: float
    latency_orders: int
    latency_concurrency: int
    burst_orders: int
    burst_concurrency: int
    drain_timeout: float
    sqs_seconds: float
    import_runs: int
    import_only: list[str] | None
    profiled_orders: int


FULL = Settings(levels=[1, 8, 32], seconds=5, warmup=3, chalice_levels=[1, 8], chalice_seconds=4,
                latency_orders=200, latency_concurrency=4, burst_orders=500, burst_concurrency=8,
                drain_timeout=240, sqs_seconds=5, import_runs=3, import_only=None, profiled_orders=300)
QUICK = Settings(levels=[1, 2], seconds=0.4, warmup=0.2, chalice_levels=[1], chalice_seconds=0.6,
                 latency_orders=2, latency_concurrency=2, burst_orders=4, burst_concurrency=4,
                 drain_timeout=30, sqs_seconds=0.3, import_runs=1,
                 import_only=["GetProductFunction", "ReferenceGetProductFunction"], profiled_orders=4)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run_benchmarks(stack: DeployedStack, build_dir: Path, settings: Settings, progress=say,
                   profiler: Callable[[], AbstractContextManager] | None = None) -> dict:
    """Every figure against a deployed stack (the bench's own, or the e2e session's) and
    the `sam build` output it was deployed from. With a `profiler`, a second drain runs
    under it once the figures are taken, so the measured drain carries no sampler."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: dict = {"settings": settings.__dict__}
    results["cold_start"] = harness.cold_start(build_dir, settings.import_runs, settings.import_only, progress)
    api_key = harness.bench_api_key(stack)
    staff_token, customer_token = harness.bench_people(stack)
    results["get"] = get = harness.get_product(stack, api_key, staff_token, settings.levels, settings.seconds,
                                               settings.warmup, progress)
    results["chalice_local"] = harness.chalice_local(
        stack, get["product_id"], api_key, WORK_DIR / f"stack-{os.getpid()}.json", settings.chalice_levels,
        settings.chalice_seconds, min(settings.warmup, 0.5), WORK_DIR / "chalice-local.log", progress)
    results["raw_sqs"] = harness.raw_sqs(stack, settings.sqs_seconds, progress)
    products = harness.order_fixtures(stack, api_key, staff_token, products=10)
    results["order_latency"] = harness.order_latency(stack, api_key, settings.latency_orders,
                                                     settings.latency_concurrency, products, customer_token, progress)
    results["order_drain"] = drain = harness.order_drain(stack, api_key, settings.burst_orders,
                                                         settings.burst_concurrency, products, customer_token,
                                                         progress, settings.drain_timeout)
    progress(f"      drained {drain['statuses']} at {drain['drain_rps']} orders/s")
    if profiler is not None:
        progress("profile: a second drain, recorded")
        results["profiled_drain"] = harness.order_drain(stack, api_key, settings.profiled_orders,
                                                        settings.burst_concurrency, products, customer_token,
                                                        progress, settings.drain_timeout, profiler)
    results["seconds"] = round(time.monotonic() - started, 1)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny runs: checks the harness works")
    parser.add_argument("--no-report", action="store_true", help="print the results, write no docs")
    parser.add_argument("--profile", action="store_true",
                        help="then drain a second backlog with py-spy recording the emulator and its workers")
    parser.add_argument("--py-spy", default=shutil.which("py-spy"), help="the py-spy binary (default: on PATH)")
    args = parser.parse_args()
    if args.profile and not args.py_spy:
        parser.error("--profile needs py-spy: pip install --target DIR py-spy, then --py-spy DIR/bin/py-spy")
    settings = QUICK if args.quick else FULL
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    # A state dir of its own, empty: the bench measures a fresh stack, state not kept.
    shutil.rmtree(WORK_DIR / "state", ignore_errors=True)
    with Emulator(free_port(), WORK_DIR / "emulator.log", WORK_DIR / "state") as emulator:
        say(f"emulator on {emulator.endpoint}")
        build_dir = WORK_DIR / "build"
        for attempt in range(3):
            try:
                stack = deploy(emulator.endpoint, log_path=WORK_DIR / "deploy.log", build_dir=build_dir,
                               progress=say)
                break
            except DeployError as error:
                # `sam build`'s dependency cache (.aws-sam/deps) is shared by every build in
                # this checkout: a concurrent build (a test session) can pull it from under us.
                if attempt == 2:
                    raise
                say(f"deploy failed, retrying: {str(error).splitlines()[-1]}")
        speedscope = WORK_DIR / "drain-profile.speedscope.json"
        profiler = (partial(profile.recording, args.py_spy, emulator.pid, speedscope, WORK_DIR / "py-spy.log")
                    if args.profile else None)
        results = run_benchmarks(stack, build_dir, settings, profiler=profiler)
        if args.profile:
            results["drain_profile"] = {"speedscope": str(speedscope.relative_to(ROOT)),
                                        **profile.summarize(speedscope)}
    results["total_seconds"] = round(time.monotonic() - began, 1)
    results["finished_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (WORK_DIR / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    say(f"results in {WORK_DIR / 'results.json'} ({results['total_seconds']} s in all)")
    if not args.no_report:
        from bench import report
        out = DOCS if not args.quick else WORK_DIR
        page = report.write(results, out, quick=args.quick)
        say(f"wrote {page} and its charts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
