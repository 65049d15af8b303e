"""Service-to-service calls: one Lambda function invoking another, synchronously.

A service never reads another service's table; it invokes one of that service's
functions with a pydantic command and validates the answer against the callee's
contract model (`<service>/contracts.py`).

A caller with several commands for one function (the order processor, a batch of
orders) sends them in one invoke, `{"commands": [...]}` (`CommandBatch`), and gets one
result or one failure per command back, in order (`BatchAnswer`): a failure stays the
command's own, as if it had been invoked alone. A single command is still a valid payload.
"""
from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from shared.aws_clients import create_client
from shared.errors import DependencyUnavailable
from shared.observability import current_correlation_id, invocation_scope, log_scope

logger = Logger()

Result = TypeVar("Result", bound=BaseModel)
Command = TypeVar("Command")

# Commands one invoke carries at most: one SQS batch's worth.
MAX_BATCH = 10


class CommandBatch(BaseModel):
    """Several commands for one function, handled one after the other by the callee."""

    model_config = ConfigDict(extra="forbid")

    # An empty batch asks nothing and is answered with no results: a worker started ahead
    # of the first real command (the local emulator's warm-up, infra/deploy.py) runs one.
    commands: Annotated[list[dict], Field(max_length=MAX_BATCH)]


class BatchItem(BaseModel):
    """What one command of a batch came to: its result, or why it failed (retry it)."""

    result: dict | None = None
    error: str | None = None


class BatchAnswer(BaseModel):
    results: list[BatchItem]


# How long a caller waits for one invoke: longer than every callee's own Timeout (6 s,
# infra/template.yaml), so a slow callee fails as its timeout (a FunctionError); shorter
# than every caller's work allows, so the caller answers that failure (503 from the API,
# a record retried in seconds by the processor) before its own timeout ends it (a 502,
# or a whole batch left invisible for the queue's 180 s). Retries belong to the caller's
# caller (a client's retry, a redelivery), so the client does not retry on its own.
INVOKE_TIMEOUT_SECONDS = 8
# A throttled invoke (TooManyRequestsException: the callee is at its concurrency limit)
# never ran, so it is safe and cheap to send again: retried with jittered exponential
# backoff for up to this long. Not botocore's retry modes: they would also re-send an
# invoke whose answer timed out, doubling the wait the line above bounds.
THROTTLED_RETRY_SECONDS = 10
_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=INVOKE_TIMEOUT_SECONDS, retries={"max_attempts": 1})


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
        return self._validate(self._invoke(command), result_model)

    def call_each(self, commands: list[BaseModel], result_model: type[Result]) -> list[Result | Exception]:
        """The commands in one invoke: per command, its result or the exception it came to.

        A command that failed at the callee is DependencyUnavailable (retried, as a failed
        invoke is); if the invoke itself fails, every command is.
        """
        batch = CommandBatch(commands=[command.model_dump(mode="json") for command in commands])
        answer = self._validate(self._invoke(batch), BatchAnswer)
        if len(answer.results) != len(commands):
            raise RuntimeError(f"{self.function_name} answered {len(answer.results)} results "
                               f"for {len(commands)} commands")
        outcomes: list[Result | Exception] = []
        for item in answer.results:
            if item.result is None:
                logger.warning("Command failed", extra={"function": self.function_name, "error": item.error})
                outcomes.append(DependencyUnavailable(self.dependency))
            else:
                outcomes.append(self._validate(item.result, result_model))
        return outcomes

    def _invoke(self, command: BaseModel) -> bytes:
        payload_out = command.model_dump_json().encode()
        give_up_at, backoff = time.monotonic() + THROTTLED_RETRY_SECONDS, 0.05
        while True:
            try:
                answer = _lambda_client().invoke(
                    FunctionName=self.function_name, InvocationType="RequestResponse", Payload=payload_out)
                payload = answer["Payload"].read()
                break
            except (BotoCoreError, ClientError) as error:
                throttled = isinstance(error, ClientError) and \
                    error.response.get("Error", {}).get("Code") == "TooManyRequestsException"
                if throttled and time.monotonic() + backoff < give_up_at:
                    time.sleep(random.uniform(backoff / 2, backoff))
                    backoff = min(backoff * 2, 1.0)
                    continue
                logger.warning("Invoke failed", extra={"function": self.function_name, "error": str(error)})
                raise DependencyUnavailable(self.dependency) from error
        if answer.get("FunctionError"):
            logger.warning("Callee failed", extra={"function": self.function_name, "payload": payload[:500]})
            raise DependencyUnavailable(self.dependency)
        return payload

    def _validate(self, payload: bytes | dict, result_model: type[Result]) -> Result:
        try:
            if isinstance(payload, dict):
                return result_model.model_validate(payload)
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
        def handle(event: dict) -> dict:
            command = adapter.validate_python(event)
            result = fn(command)
            logger.info("command handled", extra={"command": type(command).__name__,
                                                   "result": result.model_dump(mode="json")})
            return result.model_dump(mode="json")

        def handle_in_batch(event: dict) -> BatchItem:
            with log_scope(correlation_id=_log_key(event, "correlation_id"), order_id=_log_key(event, "order_id")):
                try:
                    return BatchItem(result=handle(event))
                except Exception as error:  # noqa: BLE001 - one command's failure is its own; the caller retries it
                    logger.exception("Command failed")
                    return BatchItem(error=f"{type(error).__name__}: {error}")

        @functools.wraps(fn)
        def handler(event: dict, context: Any) -> dict:
            if isinstance(event, dict) and "commands" in event:
                batch = CommandBatch.model_validate(event)  # a malformed batch is the caller's bug: it raises
                with invocation_scope():
                    return BatchAnswer(results=[handle_in_batch(command) for command in batch.commands]) \
                        .model_dump(mode="json")
            # A caller's correlation id and the order it is about go on every line of the
            # invocation, which clears them (and flushes its metrics) when it ends.
            keys = event if isinstance(event, dict) else {}
            with invocation_scope(correlation_id=_log_key(keys, "correlation_id"),
                                  order_id=_log_key(keys, "order_id")):
                return handle(event)

        return handler

    return decorate


def _log_key(event: dict, name: str) -> str | None:
    value = event.get(name)
    return value[:128] if isinstance(value, str) and value else None
