"""AWS clients for the calls PynamoDB does not make: Lambda invokes, SQS, health checks.

botocore's clients, not boto3's: boto3 wraps the same `create_client` and adds resources
and S3 transfers, which no function uses. Importing it costs a cold start 30-40 ms on top
of botocore, which PynamoDB loads anyway.
"""
from __future__ import annotations

import functools
from typing import Any

import botocore.session
from botocore.config import Config


@functools.cache
def _session() -> botocore.session.Session:
    # One session per process, as boto3's default one: its clients share what botocore
    # reads once (endpoint rules, partitions, credentials).
    return botocore.session.get_session()


def create_client(service_name: str, config: Config) -> Any:
    """A client configured from the environment (region, credentials, AWS_ENDPOINT_URL), as boto3's."""
    return _session().create_client(service_name, config=config)
