"""`make run`: the whole stack on the embedded emulator, in the foreground.

Starts MiniStack on 127.0.0.1 over HTTPS (`--http`: plain HTTP), deploys
infra/template.yaml with the SAM CLI, seeds a demo catalog and prints how to call the
API. Ctrl-C stops every process it started.

The emulator keeps its state in .local/state (PERSIST_STATE): the next start finds the
same catalog, users, orders, stock, payments and keys, and deploys only when something
SAM reads has changed (infra/changes.py). `--reset` (`make reset`) starts empty.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from infra.deploy import LOCAL_STATE, DeployedStack, DeployError, deploy_if_changed, start_warm_workers
from infra.emulator import Emulator, EmulatorError
from infra.people import PEOPLE_FILE, Person, demo_people
from infra.seed import seed_catalog

PID_FILE = LOCAL_STATE / "emulator.pid"
STATE_DIR = LOCAL_STATE / "state"


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def stop_leftover_emulator() -> None:
    """A previous `make run` that was killed hard may have left its emulator behind."""
    try:
        pid = int(PID_FILE.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ValueError):
        return
    if b"ministack" in cmdline:
        step(f"stopping the emulator left by an earlier run (pid {pid})")
        # SIGTERM first: it saves its state as it stops (Emulator.stop's grace).
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 40
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    PID_FILE.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 4566)))
    parser.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument("--reset", action="store_true", help="start empty: forget the kept state")
    args = parser.parse_args()

    started = time.monotonic()
    stop_leftover_emulator()
    if args.reset:
        step(f"forgetting the emulator's state ({STATE_DIR})")
        shutil.rmtree(STATE_DIR, ignore_errors=True)
    emulator = Emulator(args.port, LOCAL_STATE / "emulator.log", STATE_DIR, persist=True, tls=not args.http)
    # Ctrl-C and `kill` both end in the `finally` below. SIGINT is set explicitly: a shell
    # that starts us in the background has it ignored, and Python would inherit that.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        step(f"starting MiniStack on {emulator.endpoint} (log: {emulator.log_path})")
        emulator.start()
        PID_FILE.write_text(str(emulator.pid))
        stack = deploy_if_changed(emulator.endpoint, STATE_DIR, progress=step,
                                  log_path=LOCAL_STATE / "deploy.log")
        stack.save(LOCAL_STATE / "stack.json")
        step(f"signing in the demo customer and staff member (passwords: {os.path.relpath(PEOPLE_FILE)})")
        people = demo_people(stack)
        step("seeding the demo catalog")
        seed_catalog(stack, people["staff"].id_token)
        print_banner(stack.base_url, stack.api_key, stack.ca_bundle, people, time.monotonic() - started)
        # The workers a deploy starts (infra/deploy.py start_warm_workers) die with the
        # emulator: a restart that deployed nothing has none. Started after the banner, as
        # on 2 cores they take ~12 s, four times the rest of such a restart; the stack
        # answers meanwhile. After a deploy they are warm already: a few warm invokes.
        threading.Thread(target=start_workers_or_say, args=(stack,), daemon=True).start()
        signal.pause()
    except (EmulatorError, DeployError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        step("stopping the emulator and its Lambda workers")
        emulator.stop()
        PID_FILE.unlink(missing_ok=True)
    return 0


def start_workers_or_say(stack: DeployedStack) -> None:
    try:
        start_warm_workers(stack)
    except (DeployError, BotoCoreError, ClientError) as error:
        step(f"the saga's workers did not start ahead ({error}): their first requests start them")


def print_banner(base_url: str, api_key: str, ca_bundle: str | None, people: dict[str, Person],
                 seconds: float) -> None:
    # Relative to where `make run` was started (the checkout): short lines that work as printed.
    curl = f"curl --cacert {os.path.relpath(ca_bundle)}" if ca_bundle else "curl"
    trust = f"  CA        {ca_bundle} (verify with it: curl --cacert, AWS_CA_BUNDLE)\n" if ca_bundle else ""
    who = "".join(f"  {role:<9} {person.email} / {person.password}   (`make token AS={role}` prints a fresh token)\n"
                  for role, person in people.items())
    print(
        f"""
The API is live after {seconds:.0f} s (Ctrl-C stops everything; the data stays for the next run).

  base URL  {base_url}
  API key   {api_key}
{trust}  stack     .local/stack.json (outputs, for scripts)
{who}
  {curl} {base_url}/health
  {curl} -H 'x-api-key: {api_key}' '{base_url}/products?limit=2'
  {curl} -H 'x-api-key: {api_key}' -H "Authorization: Bearer $(make -s token AS=customer)" {base_url}/users/me
  {curl} -H 'x-api-key: {api_key}' -H "Authorization: Bearer $(make -s token AS=customer)" {base_url}/users/me/orders
  {curl} -H 'x-api-key: {api_key}' -H "Authorization: Bearer $(make -s token AS=staff)" \\
       -H 'content-type: application/json' -d '{{"sku": "CAP-1", "name": "Cap", "price": {{"amount": 1500, "currency": "EUR"}}}}' \\
       {base_url}/products
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
