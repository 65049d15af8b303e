"""The same tiers under a real `chalice local` process, pointed at the session's stack.

Stage `e2e` of .chalice/config.json is `local` without a fixed stack file: the test
passes the session stack's outputs through SHOP_STACK_FILE. Keys come from the emulator
(made with `infra.keys`), plans from the template, throttling from infra/usage_plans.py.
"""
from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from infra.emulator import free_port
from infra.keys import KeyAdmin, emulator_usage
from tests.e2e.test_usage_plans import accepted, hammer, limits

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.emulator_controls("chalice local's gateway layer reads the keys from the emulator")


class Local:
    def __init__(self, base_url: str, usage_file: Path) -> None:
        self.base_url, self.usage_file = base_url, usage_file


@pytest.fixture(scope="module")
def chalice_local(stack, tmp_path_factory) -> Iterator[Local]:
    state = tmp_path_factory.mktemp("chalice-local")
    stack.save(state / "stack.json")
    port = free_port()
    env = dict(os.environ, SHOP_STACK_FILE=str(state / "stack.json"),
               SHOP_USAGE_FILE=str(state / "usage.json"))
    env.pop("AWS_ENDPOINT_URL", None)
    with open(state / "chalice.log", "wb") as log:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "chalice"), "local", "--stage", "e2e", "--port", str(port),
             "--no-autoreload"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (state / "chalice.log").read_text()
            try:
                requests.get(f"{base_url}/health", timeout=30)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "chalice local did not start"
                time.sleep(0.3)
        yield Local(base_url, state / "usage.json")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_chalice_local_throttles_a_free_key_like_api_gateway(stack, chalice_local):
    admin = KeyAdmin(stack.endpoint, stack.stack_name)
    key = admin.create(f"local-{uuid.uuid4().hex[:8]}", "free")
    rate, burst = limits("FreePlan")
    seconds = 5.0
    local_stack = type("LocalStack", (), {"base_url": chalice_local.base_url})()
    [counts] = hammer(local_stack, [key.value], seconds, threads_per_key=2)
    expected = rate * seconds + burst
    print(f"chalice local, free: {accepted(counts)} accepted of {sum(counts.values())}; expected {expected}")
    assert set(counts) <= {404, 429}, counts
    assert abs(accepted(counts) - expected) <= 0.1 * expected, (counts, expected)

    # What the gateway counted is what the operator command reports for this key.
    usage = emulator_usage(admin, key.id, chalice_local.usage_file)
    assert usage["free"]["used"] == accepted(counts)
    assert usage["free"]["source"] == "chalice local"

    refused = requests.get(f"{chalice_local.base_url}/products/x", timeout=30)
    assert (refused.status_code, refused.json()) == (403, {"message": "Forbidden"})
    admin.disable(key.id)
    time.sleep(1.1)  # the local layer re-reads the emulator's keys every second
    refused = requests.get(f"{chalice_local.base_url}/products/x", headers={"x-api-key": key.value},
                           timeout=30)
    assert (refused.status_code, refused.json()) == (403, {"message": "Forbidden"})
