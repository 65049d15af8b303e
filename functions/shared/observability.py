"""Structured logs and business metrics, shared by every function.

Logs: one Powertools `Logger` per service (every `Logger()` of a process writes through
the same formatter, so a key appended here shows on every line of that function).
A correlation id (`correlation_id`) and, where there is one, the order id (`order_id`)
are appended for exactly as long as the work they describe: an invocation
(`invocation_scope`, used by the HTTP, SQS and command wrappers) or one SQS record
(`log_scope`). Warm workers are reused, so nothing appended inside a scope survives it.

Metrics: CloudWatch Embedded Metric Format (EMF) through Powertools `Metrics`, namespace
"Shop" (POWERTOOLS_METRICS_NAMESPACE overrides it), dimension `service`. `count` adds
to the invocation's metric set, which `invocation_scope` flushes once, as one JSON line,
when the invocation ends; `count_by_reason` writes its own line at once, with a second
dimension set (service, reason). CloudWatch turns those lines into metrics; nothing
else is sent anywhere.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "Shop"

logger = Logger()
metrics = Metrics(namespace=NAMESPACE)


def current_correlation_id() -> str | None:
    """The correlation id of the work in progress, if any (what an outgoing call passes on)."""
    return logger.get_current_keys().get("correlation_id")


@contextlib.contextmanager
def log_scope(**keys: object) -> Iterator[None]:
    """Append `keys` (None values are left out) to every log line inside the block, then put
    the keys back exactly as they were before it, whatever was appended inside."""
    before = dict(logger.get_current_keys())
    logger.append_keys(**{name: value for name, value in keys.items() if value is not None})
    try:
        yield
    finally:
        logger.remove_keys([name for name in list(logger.get_current_keys()) if name not in before])
        logger.append_keys(**before)


@contextlib.contextmanager
def invocation_scope(**keys: object) -> Iterator[None]:
    """One Lambda invocation: starts with no appended keys but `keys`, ends with the
    invocation's metrics flushed (one EMF line, if any were counted) and the keys cleared."""
    logger.clear_state()  # a previous invocation that crashed mid-way left nothing behind
    try:
        with log_scope(**keys):
            yield
    finally:
        try:
            flush_metrics()
        finally:
            logger.clear_state()


def count(name: str, value: int = 1) -> None:
    """Add to a count metric of this invocation (flushed when the invocation ends)."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_by_reason(name: str, reason: str) -> None:
    """Emit one count now, both per service and per (service, reason)."""
    single = EphemeralMetrics(namespace=NAMESPACE)
    single.add_dimensions(service=single.service or "service_undefined", reason=reason)
    single.add_metric(name=name, unit=MetricUnit.Count, value=1)
    single.flush_metrics()


def flush_metrics() -> None:
    if metrics.metric_set:
        metrics.flush_metrics()
