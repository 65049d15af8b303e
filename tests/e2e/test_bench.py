"""`make bench`'s harness works: a quick run against the session's stack gives sane figures.

A smoke test, not a benchmark: the numbers of a run this short are noise, so nothing
here is timed; only that every figure exists and is self-consistent.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from bench.run import QUICK, run_benchmarks
from infra.deploy import local_session
from tests.e2e.conftest import E2E_DIR


pytestmark = pytest.mark.emulator_controls(
    "the harness reads the session's SAM build and disables the processor's mapping to hold a backlog")


def sane(figure: dict) -> None:
    assert figure["count"] > 0 and figure["rps"] > 0, figure
    assert 0 < figure["p50"] <= figure["p95"] <= figure["p99"], figure


def test_quick_bench_run_gives_sane_numbers(stack):
    # The session's `sam build` output, where conftest put it.
    build_dir = E2E_DIR / str(urlsplit(stack.endpoint).port) / "build"

    results = run_benchmarks(stack, build_dir, QUICK, progress=lambda message: None)

    for name in ("ours", "reference", "raw_getitem"):
        for level in QUICK.levels:
            sane(results["get"][name][str(level)])
    for name in ("ours", "stock"):
        sane(results["chalice_local"][name][str(QUICK.chalice_levels[0])])
    sane(results["raw_sqs"]["single"])
    assert results["raw_sqs"]["batched_rps"] > 0
    sane(results["order_latency"])
    drain = results["order_drain"]
    assert drain["statuses"].get("CONFIRMED") == QUICK.burst_orders and drain["drain_rps"] > 0, drain
    # The disabled mapping held the whole burst; the drain is timed from its release.
    assert drain["moved_before_release"] == 0, drain
    assert drain["intake_rps"] > 0 and 0 < drain["seconds_to_drain"] <= drain["end_to_end_seconds"], drain
    mappings = local_session(stack.endpoint).client("lambda").list_event_source_mappings()["EventSourceMappings"]
    assert all(mapping["State"] == "Enabled" for mapping in mappings), mappings
    cold = results["cold_start"]
    assert cold["boto3_ms"] > 0 and set(cold["functions"]) == set(QUICK.import_only)
    for function in cold["functions"].values():
        assert function["import_ms"] > 0 and function["package_bytes"] > 0 and function["layer_bytes"] > 0
    # Each function's layers carry only what it imports (infra/layers); the reference, boto3 alone.
    assert all(not function["unused_layer_packages"] for function in cold["functions"].values()), cold
    reference = cold["functions"]["ReferenceGetProductFunction"]
    assert "boto3" in reference["layer_modules"] and "pydantic" not in reference["layer_modules"], reference
