"""AWS clients for the calls PynamoDB does not make: Lambda invokes, SQS, health checks.

botocore's clients, not boto3's: boto3 wraps the same `create_client` and adds resources
and S3 transfers, which no function uses. Importing it costs a cold start 30-40 ms on top
of botocore, which PynamoDB loads anyway.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import DependencyUnavailable


_per_thread = threading.local()


def session() -> botocore.session.Session:
    """This thread's botocore session, which every client of the function is made from:
    ours, PynamoDB's (shared.dynamodb) and Powertools' idempotency store (orders.idempotency).

    Each session reads botocore's endpoint data (1.2 MB of JSON) and each service's model
    anew: with sessions of their own, a cold PlaceOrder made four (ours, PynamoDB's for its
    model and for transactions, Powertools'), each parsing the endpoint data and three of
    them DynamoDB's model, about a quarter of its first request's CPU. One per thread, as
    PynamoDB keeps them: botocore's client creation is not thread-safe.
    """
    if getattr(_per_thread, "session", None) is None:
        _per_thread.session = botocore.session.get_session()
    return _per_thread.session


def create_client(service_name: str, config: Config) -> Any:
    """A client configured from the environment (region, credentials, AWS_ENDPOINT_URL), as boto3's."""
    return session().create_client(service_name, config=config)


@functools.cache
def sqs_client() -> Any:
    """The process's one SQS client: the orders publisher and every consumer's retry backoff share it.

    Tight timeouts, as DynamoDB's (shared.dynamodb.ClientSettings): an outage is a fast failure.
    """
    return create_client("sqs", Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2}))


@contextmanager
def translate_outages(dependency: str) -> Iterator[None]:
    """Turn a botocore call that got no usable answer into `DependencyUnavailable`.

    The calls PynamoDB makes get the same from `shared.dynamodb.translate_outages`.
    """
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise DependencyUnavailable(dependency) from error
