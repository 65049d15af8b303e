"""End-to-end tier: one MiniStack and one SAM deploy for the whole session.

Tests talk to the deployed stack over real HTTPS through API Gateway with an API key
and, on every route but the public reads, a real IdToken from the stack's own user pool
(`people`: a fresh customer per test, one staff member). They isolate themselves with
fresh ids and fresh people, never with fresh stacks. If the emulator cannot
start or the deploy fails, every test here errors: the tier never silently skips.

Where the stack is and how to trust it (endpoint, CA bundle) is the `stack` fixture's
DeployedStack and nothing else: every fixture and test reads them from there.

The same tests prove a stack that is already deployed, on AWS, LocalStack or a running
emulator (`make test-e2e STACK=shop ENDPOINT=`): SHOP_E2E_STACK names it,
SHOP_E2E_ENDPOINT is where its APIs answer ('' for AWS). Then nothing is started or
deployed, and only the tests marked `emulator_controls` (they stop the session's own
emulator, hold one of its mappings, wait for its shortened schedules, or pin one of its
deviations) are skipped, each by name with its reason.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from infra.deploy import DeployedStack, aws_session, deploy, describe
from infra.emulator import Emulator, free_port
from infra.people import Person, UserPool

E2E_DIR = Path(__file__).resolve().parents[2] / ".local" / "e2e"
TARGET_STACK = os.environ.get("SHOP_E2E_STACK", "")
TARGET_ENDPOINT = os.environ.get("SHOP_E2E_ENDPOINT", "")


def pytest_report_header() -> str:
    if TARGET_STACK:
        return f"e2e target: stack {TARGET_STACK!r} at {TARGET_ENDPOINT or 'AWS (your credentials)'}"
    return "e2e target: a MiniStack of the session's own, deployed once with the SAM CLI"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """The session's emulator, over HTTPS, with a state dir of its own that starts empty
    and is kept across a restart (tests/e2e/test_restart.py stops and starts it)."""
    assert not TARGET_STACK, "only tests marked emulator_controls use the session's emulator"
    port = free_port()
    # Per session (port): logs, state and the SAM build, so sessions never share files.
    session_dir = E2E_DIR / str(port)
    shutil.rmtree(session_dir / "state", ignore_errors=True)
    session_dir.mkdir(parents=True, exist_ok=True)
    running = Emulator(port, session_dir / "emulator.log", session_dir / "state", persist=True).start()
    try:
        yield running
    finally:
        # Nothing to keep (the next session starts empty): no waiting for the test
        # clients' idle TLS connections to close, which a state save needs (Emulator.stop).
        running.stop(grace=3)
        shutil.rmtree(session_dir / "state", ignore_errors=True)  # ~40 MB; the logs stay


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Iterator[DeployedStack]:
    build_dir = None
    before = os.environ.get("REQUESTS_CA_BUNDLE")
    try:
        if TARGET_STACK:
            deployed = describe(TARGET_ENDPOINT, TARGET_STACK)
        else:
            emulator = request.getfixturevalue("emulator")
            session_dir = emulator.log_path.parent
            build_dir = session_dir / "build"  # the bench's smoke test reads the layers built here
            deployed = deploy(emulator.endpoint, log_path=session_dir / "deploy.log", build_dir=build_dir)
        if deployed.ca_bundle:
            # Plain `requests.get(...)` calls and sessions in the tests verify the stack with
            # its CA too (this variable beats a Session's `verify` in requests).
            os.environ["REQUESTS_CA_BUNDLE"] = deployed.ca_bundle
        yield deployed
    finally:
        if build_dir:
            shutil.rmtree(build_dir, ignore_errors=True)  # ~50 MB a session; the logs stay
        if before is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = before


class People:
    """People in the stack's user pool, made as an operator makes them and signed in as
    the shop's clients sign in: a fresh customer for each call, one staff member."""

    def __init__(self, stack: DeployedStack) -> None:
        self.pool = UserPool(stack)
        self._staff: Person | None = None

    def customer(self) -> Person:
        return self.pool.new_person(f"customer.{uuid.uuid4().hex}@example.com")

    def staff(self) -> Person:
        if self._staff is None:
            self._staff = self.pool.new_person(f"staff.{uuid.uuid4().hex}@example.com", staff=True)
        return self._staff


class Api:
    """A client of the deployed API: `api.get("/products")` with a key and, acting as a
    person, their IdToken in `Authorization`."""

    def __init__(self, stack: DeployedStack, api_key: str | None, person: Person | None = None) -> None:
        self.stack = stack
        self.api_key = api_key
        self.person = person
        self.base_url = stack.base_url
        self.verify = stack.verify
        self.http = requests.Session()
        if api_key is not None:
            self.http.headers["x-api-key"] = api_key
        if person is not None:
            self.http.headers["Authorization"] = person.id_token

    @property
    def user_id(self) -> str:
        assert self.person is not None, "a client acting as no one has no user id"
        return self.person.user_id

    def acting_as(self, person: Person | None) -> Api:
        """The same client application (key), acting as `person` (None: signed out)."""
        return Api(self.stack, self.api_key, person)

    def copy(self) -> Api:
        """The same key and person on a session of its own (one per thread)."""
        return Api(self.stack, self.api_key, self.person)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One request; a 429 (the usage plan's throttle) is retried with backoff, as a
        well-behaved client does: the throttle itself is tested without this client."""
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("verify", self.verify)
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
def people(stack: DeployedStack) -> People:
    return People(stack)


@pytest.fixture(scope="session")
def api(stack: DeployedStack, people: People) -> Api:
    """The demo key, acting as the shop's staff: sets up catalogs and stock, reads anything."""
    return Api(stack, stack.api_key, people.staff())


@pytest.fixture
def customer(api: Api, people: People) -> Api:
    """The demo key, acting as a customer of the test's own."""
    return api.acting_as(people.customer())


@pytest.fixture(scope="session")
def signed_out(stack: DeployedStack) -> Api:
    """The demo key and no one signed in: the public reads answer it, nothing else."""
    return Api(stack, stack.api_key)


@pytest.fixture(scope="session")
def anonymous(stack: DeployedStack) -> Api:
    return Api(stack, api_key=None)


@pytest.fixture(scope="session")
def aws(stack: DeployedStack):
    """boto3 clients for the stack's account, to inspect queues and inject deliveries."""
    return aws_session(stack.endpoint)


@pytest.fixture
def unique() -> str:
    """A fresh token for SKUs, emails and names: tests share one stack."""
    return uuid.uuid4().hex[:12].upper()


# "file::test" prefixes run first and last, in these orders. The cold burst is about
# workers that have not started yet. The sweep's hold is made early and checked late, so
# the wait for its schedule overlaps the other tests. The
# benchmark harness's smoke test asserts no timings, and with every worker already warm
# from the other tests it takes seconds instead of a minute. The restart test stops and
# starts the session's emulator (its workers come back cold).
FIRST = ("test_cold_burst.py", "test_reservation_sweep.py::test_an_abandoned_order_holds_its_stock")
LAST = ("test_reservation_sweep.py::test_the_scheduled_sweep_gives_the_stock_back",
        "test_bench.py", "test_restart.py")


def _rank(item: pytest.Item) -> int:
    name = f"{item.path.name}::{item.name}"
    for rank, prefix in enumerate(FIRST):
        if name.startswith(prefix):
            return rank - len(FIRST)
    for rank, prefix in enumerate(LAST):
        if name.startswith(prefix):
            return rank + 1
    return 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the session (above); against a stack deployed elsewhere, skip the tests that
    need the session's own emulator."""
    items.sort(key=_rank)
    if not TARGET_STACK:
        return
    for item in items:
        if marker := item.get_closest_marker("emulator_controls"):
            item.add_marker(pytest.mark.skip(reason=f"needs the session's own emulator: {marker.args[0]}"))
