"""Powertools' idempotency for `POST /orders` (orders.place_order): one order per customer and Idempotency-Key."""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
# Caught by orders.place_order, which maps them to its answers (422, 409, 503).
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from botocore.config import Config

from shared.aws_clients import create_client

# Idempotency records live in the orders table (the service's own), next to the orders.
# The client is made from the function's botocore session, which PynamoDB's share, not
# from a boto3 session of Powertools' own (shared.aws_clients.session says why).
_store = DynamoDBPersistenceLayer(
    table_name=os.environ["ORDERS_TABLE"],
    key_attr="pk",
    status_attr="idempotency_status",
    data_attr="idempotency_response",
    boto3_client=create_client("dynamodb", Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2})),
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
# Records are keyed as they were when the function lived in orders.handlers (Powertools'
# default prefix is the function's module and name): a retry that straddles a deploy is
# still answered from the record its first attempt left.
_KEY_PREFIX = f"{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', 'test-func')}.orders.handlers._place_order_once"


def register_lambda_context(context: Any) -> None:
    # Without the context Powertools cannot bound an in-progress record by the time the
    # function has left: a request that timed out would lock its key (409) until the
    # record expires, a day later, instead of for at most the function's timeout.
    _config.register_lambda_context(context)


def once(fn: Callable[..., str]) -> Callable[..., str]:
    """`fn(request=<pydantic model>, ...)` run once per the request's `customer_id` and `idempotency_key`;
    a repeat gets the first return value back from the store."""
    return idempotent_function(data_keyword_argument="request", config=_config, persistence_store=_store,
                               key_prefix=_KEY_PREFIX)(fn)
