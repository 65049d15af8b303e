"""End-to-end tier: one MiniStack and one SAM deploy for the whole session.

Tests talk to the deployed stack over real HTTP through API Gateway with an API key,
and isolate themselves with fresh ids, never with fresh stacks. If the emulator cannot
start or the deploy fails, every test here errors: the tier never silently skips.
"""
from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from infra.deploy import DeployedStack, deploy, local_session
from infra.emulator import Emulator, free_port

E2E_DIR = Path(__file__).resolve().parents[2] / ".local" / "e2e"


@pytest.fixture(scope="session")
def stack() -> Iterator[DeployedStack]:
    port = free_port()
    # Per session (port): logs and the SAM build, so sessions never share files.
    session_dir = E2E_DIR / str(port)
    session_dir.mkdir(parents=True, exist_ok=True)
    build_dir = session_dir / "build"
    try:
        with Emulator(port, session_dir / "emulator.log") as emulator:
            yield deploy(emulator.endpoint, log_path=session_dir / "deploy.log", build_dir=build_dir)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)  # ~50 MB a session; the logs stay


class Api:
    """A client of the deployed API: `api.get("/products")` with the demo key."""

    def __init__(self, stack: DeployedStack, api_key: str | None) -> None:
        self.base_url = stack.base_url
        self.http = requests.Session()
        if api_key is not None:
            self.http.headers["x-api-key"] = api_key

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One request; a 429 (the usage plan's throttle) is retried with backoff, as a
        well-behaved client does: the throttle itself is tested without this client."""
        kwargs.setdefault("timeout", 30)
        for attempt in range(8):
            answer = self.http.request(method, f"{self.base_url}{path}", **kwargs)
            if answer.status_code != 429:
                return answer
            time.sleep(0.1 * 2**attempt)
        return answer

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture(scope="session")
def api(stack: DeployedStack) -> Api:
    return Api(stack, stack.api_key)


@pytest.fixture(scope="session")
def anonymous(stack: DeployedStack) -> Api:
    return Api(stack, api_key=None)


@pytest.fixture(scope="session")
def aws(stack: DeployedStack):
    """boto3 clients for the emulator, to inspect queues and inject deliveries."""
    return local_session(stack.endpoint)


@pytest.fixture
def unique() -> str:
    """A fresh token for SKUs, emails and names: tests share one stack."""
    return uuid.uuid4().hex[:12].upper()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the cold burst first: it is about workers that have not started yet. Run the
    benchmark harness's smoke test last: it asserts no timings, and with every worker
    already warm from the other tests it takes seconds instead of a minute."""
    items.sort(key=lambda item: (item.path.name != "test_cold_burst.py", item.path.name == "test_bench.py"))
