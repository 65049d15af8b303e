"""shared.dynamodb: retrying a write that loses to concurrent ones."""
from __future__ import annotations

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from shared import dynamodb
from shared.dynamodb import is_contention, retry_conflicts
from shared.errors import DependencyUnavailable

def cancelled(*codes: str | None) -> TransactWriteError:
    """What PynamoDB raises when DynamoDB cancels a transaction, with one reason per item."""
    reasons = [None if code is None else CancellationReason(code=code) for code in codes]
    cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
                        "TransactWriteItems", cancellation_reasons=reasons)
    return TransactWriteError("Failed to write transaction items", cause)


def test_only_conflicts_without_a_failed_condition_are_contention():
    assert is_contention(cancelled(None, "TransactionConflict"))
    assert is_contention(cancelled("ThrottlingError"))
    assert not is_contention(cancelled("ConditionalCheckFailed", "TransactionConflict"))
    assert not is_contention(cancelled("ConditionalCheckFailed"))


def test_a_write_losing_to_concurrent_ones_is_retried_until_it_wins():
    outcomes = [cancelled(None, "TransactionConflict"), cancelled("TransactionConflict", None), "done"]
    pauses: list[float] = []

    def attempt():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert retry_conflicts(attempt, "a table", sleep=pauses.append) == "done"
    assert len(pauses) == 2 and all(pause >= 0 for pause in pauses)


def test_a_write_that_keeps_losing_becomes_dependency_unavailable():
    attempts = []

    def attempt():
        attempts.append(1)
        raise cancelled("TransactionConflict")

    with pytest.raises(DependencyUnavailable):
        retry_conflicts(attempt, "a table", sleep=lambda _: None)
    assert len(attempts) == dynamodb.CONFLICT_ATTEMPTS


def test_a_failed_condition_is_not_retried():
    attempts = []

    def attempt():
        attempts.append(1)
        raise cancelled("ConditionalCheckFailed")

    with pytest.raises(TransactWriteError):
        retry_conflicts(attempt, "a table", sleep=lambda _: None)
    assert len(attempts) == 1

