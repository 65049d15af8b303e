"""`make bench` with `--profile`: py-spy records the emulator and its Lambda workers while the
order backlog drains, and this sums the samples by where the time went.

Only samples of threads holding the GIL are taken (`--gil`): the emulator keeps dozens of
threads blocked on pipes, which would otherwise drown what runs. Every sample is put in one
bucket: the process (the emulator, or a worker by its function) and, inside it, the outermost
recognisable layer on the stack (a DynamoDB call made by our code counts as the SDK's).
"""
from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

# Emulator: which service a request thread was serving; otherwise its HTTP server.
_EMULATOR = (("services/dynamodb", "DynamoDB emulation"), ("services/sqs", "SQS emulation"),
             ("lambda_svc", "Lambda invoke / ESM plumbing"), ("lambda_runtime", "Lambda invoke / ESM plumbing"),
             ("services/apigateway", "API Gateway emulation"))
# Workers: outermost first, so the SDK's time includes what it calls.
_WORKER = (("botocore", "AWS SDK (botocore, HTTP)"), ("urllib3", "AWS SDK (botocore, HTTP)"),
           ("pydantic", "pydantic"), ("logging", "logging (Powertools, stdlib)"),
           ("aws_lambda_powertools", "Powertools (batch, metrics)"), ("/code/", "our code"))


@contextlib.contextmanager
def recording(py_spy: str, pid: int, out: Path, log: Path) -> Iterator[None]:
    """py-spy on `pid` and its children for the duration of the block."""
    with open(log, "ab") as sink:
        recorder = subprocess.Popen(
            [py_spy, "record", "--pid", str(pid), "--subprocesses", "--gil", "--nonblocking", "--rate", "50",
             "--format", "speedscope", "-o", str(out)], stdout=sink, stderr=subprocess.STDOUT)
    time.sleep(1)  # attached before the first batch is dispatched
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=120)


def summarize(speedscope: Path) -> dict:
    """Share of the GIL-holding samples per process and per layer inside it, largest first."""
    document = json.loads(speedscope.read_text())
    frames = document["shared"]["frames"]
    by_bucket: Counter[tuple[str, str]] = Counter()
    for profile in document["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"]):
            by_bucket[_bucket([frames[i] for i in stack])] += weight
    total = sum(by_bucket.values()) or 1
    processes: Counter[str] = Counter()
    for (process, _), seconds in by_bucket.items():
        processes[process] += seconds
    return {
        "sampled_seconds": round(total, 1),
        "processes": [
            {"process": process, "share": round(seconds / total, 3),
             "layers": [{"layer": layer, "share": round(s / total, 3)}
                        for (p, layer), s in by_bucket.most_common() if p == process]}
            for process, seconds in processes.most_common()
        ],
    }


def _bucket(stack: list[dict]) -> tuple[str, str]:
    process_frame = " ".join(frame["name"] for frame in stack if frame["name"].startswith("process "))
    function = re.search(r"ministack-lambda-[^-]+-(\w+?)Function", process_frame)
    files = " ".join(frame.get("file") or "" for frame in stack)
    if function is None:
        return "emulator", next((label for key, label in _EMULATOR if key in files), "HTTP server (hypercorn, asyncio)")
    return function.group(1), next((label for key, label in _WORKER if key in files), "worker plumbing")
