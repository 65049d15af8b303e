"""Service-to-service calls: one Lambda function invoking another, synchronously.

A service never reads another service's table; it invokes one of that service's
functions with a pydantic command and validates the answer against the callee's
contract model (`<service>/contracts.py`).
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.aws_clients import create_client
from shared.errors import DependencyUnavailable
from shared.observability import current_correlation_id, invocation_scope

logger = Logger()

Result = TypeVar("Result", bound=BaseModel)
Command = TypeVar("Command")

# The callee has its own timeout; retries belong to the queue (the whole step is
# retried by redelivery), so the client does not retry on its own.
_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=30, retries={"max_attempts": 1})


@functools.cache
def _lambda_client() -> Any:
    return create_client("lambda", _CLIENT_CONFIG)


class FunctionClient:
    """Invokes one named function of another service."""

    def __init__(self, function_name: str, dependency: str) -> None:
        self.function_name = function_name
        self.dependency = dependency

    def call(self, command: BaseModel, result_model: type[Result]) -> Result:
        correlation_id = current_correlation_id()
        if correlation_id and "correlation_id" in type(command).model_fields and not command.correlation_id:
            # The callee logs under the caller's correlation id (see lambda_command).
            command = command.model_copy(update={"correlation_id": correlation_id})
        try:
            answer = _lambda_client().invoke(
                FunctionName=self.function_name,
                InvocationType="RequestResponse",
                Payload=command.model_dump_json().encode(),
            )
            payload = answer["Payload"].read()
        except (BotoCoreError, ClientError) as error:
            logger.warning("Invoke failed", extra={"function": self.function_name, "error": str(error)})
            raise DependencyUnavailable(self.dependency) from error
        if answer.get("FunctionError"):
            logger.warning("Callee failed", extra={"function": self.function_name, "payload": payload[:500]})
            raise DependencyUnavailable(self.dependency)
        try:
            return result_model.model_validate_json(payload)
        except ValidationError as error:
            # The callee broke its contract: a bug, not an outage. Let it surface.
            raise RuntimeError(f"{self.function_name} answered outside its contract: {error}") from error


def lambda_command(command_type: Any) -> Callable[[Callable[[Command], BaseModel]], Callable[[dict, Any], dict]]:
    """Turn `fn(command) -> result model` into a Lambda handler for internal invocations.

    A payload that does not match the contract is the caller's bug: it raises, and the
    caller sees a FunctionError. So does a transient failure, which the caller retries.
    """
    adapter = TypeAdapter(command_type)

    def decorate(fn: Callable[[Command], BaseModel]) -> Callable[[dict, Any], dict]:
        @functools.wraps(fn)
        def handler(event: dict, context: Any) -> dict:
            # A caller's correlation id and the order it is about go on every line of the
            # invocation, which clears them (and flushes its metrics) when it ends.
            keys = event if isinstance(event, dict) else {}
            with invocation_scope(correlation_id=_log_key(keys, "correlation_id"),
                                  order_id=_log_key(keys, "order_id")):
                command = adapter.validate_python(event)
                result = fn(command)
                logger.info("command handled", extra={"command": type(command).__name__,
                                                       "result": result.model_dump(mode="json")})
                return result.model_dump(mode="json")

        return handler

    return decorate


def _log_key(event: dict, name: str) -> str | None:
    value = event.get(name)
    return value[:128] if isinstance(value, str) and value else None
