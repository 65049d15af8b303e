"""shared.tracing in a Lambda-like process: segments reach an X-Ray daemon where tracing
is on, nothing is sent and nothing is logged where it is off (the emulator).

A fresh interpreter per case: the Tracer patches botocore for the whole process, which
the other unit tests must not get. The "daemon" is a UDP socket of this test.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"

_HANDLER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from shared.tracing import traced

@traced
def handle(event, context):
    return {"doubled": event["n"] * 2}

# Decorating is importing the handler's module: the Tracer is created then (shared/tracing.py).
at_import = "aws_xray_sdk" in sys.modules
print(json.dumps({"answer": handle({"n": 21}, None), "sdk_at_import": at_import}))
"""


@pytest.fixture
def daemon():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        udp.setblocking(False)
        yield udp


def run_in_lambda(daemon: socket.socket, *, trace_disabled: str) -> tuple[dict, str]:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(LAMBDA_TASK_ROOT="/var/task", AWS_LAMBDA_FUNCTION_NAME="probe", AWS_DEFAULT_REGION="us-east-1",
               POWERTOOLS_SERVICE_NAME="payments", POWERTOOLS_TRACE_DISABLED=trace_disabled,
               _X_AMZN_TRACE_ID="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
               AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:%d" % daemon.getsockname()[1])
    finished = subprocess.run([sys.executable, "-c", _HANDLER, str(FUNCTIONS)], env=env,
                              capture_output=True, text=True, check=True)
    return json.loads(finished.stdout), finished.stderr


def sent_segments(daemon: socket.socket) -> list[dict]:
    """What reached the daemon: each datagram is a header line and one segment document."""
    segments = []
    while True:
        try:
            datagram = daemon.recv(65536)
        except BlockingIOError:  # the process has exited: anything it sent is queued here
            return segments
        header, _, document = datagram.decode().partition("\n")
        assert json.loads(header) == {"format": "json", "version": 1}
        segments.append(json.loads(document))


def test_where_x_ray_runs_the_handler_is_a_subsegment_of_lambdas_trace(daemon):
    result, stderr = run_in_lambda(daemon, trace_disabled="false")
    assert result == {"answer": {"doubled": 42}, "sdk_at_import": True}
    (segment,) = sent_segments(daemon)
    assert segment["name"] == "## handle"
    assert segment["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert segment["parent_id"] == "53995c3f42cd8ad8"
    assert segment["annotations"]["Service"] == "payments"
    assert "handle response" not in json.dumps(segment)  # answers stay out of traces
    assert stderr == ""


def test_where_x_ray_does_not_run_nothing_is_sent_and_nothing_logged(daemon):
    result, stderr = run_in_lambda(daemon, trace_disabled="true")
    assert result["answer"] == {"doubled": 42}
    assert sent_segments(daemon) == []
    assert stderr == ""
