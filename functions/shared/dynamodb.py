"""DynamoDB access shared by every service's PynamoDB models."""
from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.models import Model

from shared.errors import DependencyUnavailable

# Error codes that mean "DynamoDB could not serve us right now", as opposed to a bug
# in our request (ValidationException) or a rule the caller broke (conditions).
_TRANSIENT_CODES = frozenset(
    {
        "InternalServerError",
        "LimitExceededException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "ThrottlingException",
    }
)


def table_name_from_env(variable: str) -> str:
    """Read a table name once, at import (cold start), and fail loudly if it is missing."""
    name = os.environ.get(variable, "").strip()
    if not name:
        raise RuntimeError(f"Environment variable {variable} must name the DynamoDB table")
    return name


class ClientSettings:
    """Tight timeouts so an outage becomes a fast 503 rather than a hung function.

    Every table entry's Meta inherits from this: `class Meta(ClientSettings)`.
    """

    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 2


def carry_stored_version(entry: Model, domain_version: int) -> None:
    """Set `entry.version` for a save that must find the version before this change stored.

    PynamoDB's VersionAttribute conditions a save on the entry's version and then
    increments it; a new object (domain version 1) carries none, so the save requires
    that nothing is stored yet.
    """
    if domain_version > 1:
        entry.version = domain_version - 1


def is_transient(error: PynamoDBException) -> bool:
    # No response code means the request never got an answer (connection refused, timeout).
    code = error.cause_response_code
    return code is None or code in _TRANSIENT_CODES


@contextmanager
def translate_outages(dependency: str) -> Iterator[None]:
    """Turn "DynamoDB did not answer" into `DependencyUnavailable`; let real bugs through."""
    try:
        yield
    except PynamoDBException as error:
        if is_transient(error):
            raise DependencyUnavailable(dependency) from error
        raise


@functools.cache
def create_connection() -> Connection:
    """A low-level connection with the same tight timeouts, for transactions.

    Built once per process: a new botocore client per transaction costs ~250 ms.
    """
    return Connection(
        connect_timeout_seconds=ClientSettings.connect_timeout_seconds,
        read_timeout_seconds=ClientSettings.read_timeout_seconds,
        max_retry_attempts=ClientSettings.max_retry_attempts,
    )


def failed_conditions(error: TransactWriteError) -> list[int]:
    """Positions of the transaction items whose condition failed."""
    return [
        position
        for position, reason in enumerate(error.cancellation_reasons)
        if reason is not None and reason.code == "ConditionalCheckFailed"
    ]
