"""DynamoDB access shared by every service's PynamoDB models."""
from __future__ import annotations

import functools
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pynamodb.connection.base
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared import aws_clients
from shared.errors import DependencyUnavailable

# PynamoDB makes a botocore session of its own for every model (and thread), and takes no
# session as a parameter: its factory is pointed at the function's one (see
# shared.aws_clients.session for what each extra session costs a cold start).
pynamodb.connection.base.get_session = aws_clients.session

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

T = TypeVar("T")


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
def translate_outages(
    dependency: str, unavailable: type[DependencyUnavailable] = DependencyUnavailable
) -> Iterator[None]:
    """Turn "DynamoDB did not answer" into `unavailable(dependency)`; let real bugs through.

    `unavailable` is for a dependency whose outage has a name of its own in the domain
    (payments' card processor keeps its records in DynamoDB).
    """
    try:
        yield
    except PynamoDBException as error:
        if is_transient(error):
            raise unavailable(dependency) from error
        raise


def condition_failed(error: PynamoDBException) -> bool:
    """Whether a single-item write was refused by its condition (not by an outage or a bug)."""
    return error.cause_response_code == "ConditionalCheckFailedException"


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


# ---------------------------------------------------------------- contention
# Concurrent transactions on one item (a popular product, one SKU) make DynamoDB cancel
# all but one with `TransactionConflict`, and a plain write to an item inside a pending
# transaction fails with TransactionConflictException. Neither means "a condition
# failed" nor "DynamoDB is down": the write is retried after a short jittered pause.
_RETRYABLE_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
CONFLICT_ATTEMPTS = 6
CONFLICT_BASE_DELAY_SECONDS = 0.02


def is_contention(error: PynamoDBException) -> bool:
    if error.cause_response_code == "TransactionConflictException":
        return True
    if isinstance(error, TransactWriteError) and not failed_conditions(error):
        return any(reason is not None and reason.code in _RETRYABLE_REASONS
                   for reason in error.cancellation_reasons)
    return False


def retry_conflicts(attempt: Callable[[], T], dependency: str, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run `attempt`, again while it loses to a concurrent write; DependencyUnavailable if it keeps losing."""
    for number in range(CONFLICT_ATTEMPTS):
        try:
            return attempt()
        except PynamoDBException as error:
            if not is_contention(error):
                raise
            if number == CONFLICT_ATTEMPTS - 1:
                raise DependencyUnavailable(dependency) from error
            sleep(random.uniform(0, CONFLICT_BASE_DELAY_SECONDS * 2 ** number))
    raise AssertionError("unreachable")


def transact(write: Callable[[TransactWrite], None], dependency: str) -> None:
    """One TransactWriteItems built by `write`, retried on contention.

    Raises TransactWriteError if a condition failed (`failed_conditions` says which).
    """

    def attempt() -> None:
        with translate_outages(dependency), TransactWrite(connection=create_connection()) as tx:
            write(tx)

    retry_conflicts(attempt, dependency)


def add_with_claim(
    entry: Model, claim: Model, dependency: str, claim_taken: Exception, entry_exists: Exception | None = None
) -> None:
    """Store a new item and a claim item on one of its unique values, both or neither.

    Each is conditioned on its key being free, so two items can never hold the same
    claim (a product's SKU, a user's email). Raises `entry_exists`, if given, when the
    item is stored already (whatever the claim), else `claim_taken` when the claim is.
    """

    def write(tx: TransactWrite) -> None:
        tx.save(entry, condition=type(entry)._hash_key_attribute().does_not_exist())
        tx.save(claim, condition=type(claim)._hash_key_attribute().does_not_exist())

    try:
        transact(write, dependency)
    except TransactWriteError as error:
        failed = failed_conditions(error)
        if entry_exists is not None and 0 in failed:
            raise entry_exists from error
        if 1 in failed:
            raise claim_taken from error
        raise
