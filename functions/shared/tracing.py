"""X-Ray traces of the order saga's hops: PlaceOrder, the order processor and the
inventory and payments command functions (infra/template.yaml gives them XRayLayer).

`traced(handler)` runs a Lambda handler inside Powertools Tracer's handler segment; the
Tracer patches botocore, so every DynamoDB, SQS and Lambda call of the hop is a
subsegment, and Lambda passes the trace header on to the function it invokes.

Creating a Tracer imports the X-Ray SDK and patches botocore: ~45 ms of CPU in Lambda
(measured on the project's machine; outside Lambda the SDK also builds a sampling client,
~250 ms). It is created when the handler is decorated, at import: each traced handler
has a module of its own, loaded only by a function that traces and carries the SDK.
Where no X-Ray daemon listens (the emulator: POWERTOOLS_TRACE_DISABLED, from the
template's SendTraces) and outside Lambda, the Tracer is a no-op.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Tracer

LambdaHandler = Callable[[Any, Any], Any]


def traced(handler: LambdaHandler) -> LambdaHandler:
    # Not the response: answers carry order contents, which traces need not keep.
    return Tracer().capture_lambda_handler(handler, capture_response=False)
