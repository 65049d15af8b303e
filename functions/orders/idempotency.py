"""Powertools' idempotency for `POST /orders`: one order per customer and Idempotency-Key.

Only PlaceOrderFunction uses it. `orders.handlers` imports this module when an order is
first placed, not at import: three more functions (get, list, cancel) load that module,
and setting this up imports Powertools' idempotency (and boto3) and opens a DynamoDB
client, which they would pay for at every cold start and never use.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
# Caught by orders.handlers, which maps them to its answers (422, 409, 503).
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from botocore.config import Config

# Idempotency records live in the orders table (the service's own), next to the orders.
_store = DynamoDBPersistenceLayer(
    table_name=os.environ["ORDERS_TABLE"],
    key_attr="pk",
    status_attr="idempotency_status",
    data_attr="idempotency_response",
    boto_config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2}),
)
_config = IdempotencyConfig(
    # The key is hashed with the customer's id: two customers who happen to send the
    # same key (and body) place two orders, and neither is answered the other's.
    event_key_jmespath="[customer_id, idempotency_key]",
    # The same key with another body is a client bug, not a retry: rejected (422).
    payload_validation_jmespath="body",
    expires_after_seconds=24 * 60 * 60,
    raise_on_no_idempotency_key=True,
)


def register_lambda_context(context: Any) -> None:
    # Without the context Powertools cannot bound an in-progress record by the time the
    # function has left: a request that timed out would lock its key (409) until the
    # record expires, a day later, instead of for at most the function's timeout.
    _config.register_lambda_context(context)


@functools.cache
def once(fn: Callable[..., str]) -> Callable[..., str]:
    """`fn(request=..., ...)` run once per `request["customer_id"]` and `request["idempotency_key"]`;
    a repeat gets the first return value back from the store. The records are keyed by fn's module and name."""
    return idempotent_function(data_keyword_argument="request", config=_config, persistence_store=_store)(fn)
