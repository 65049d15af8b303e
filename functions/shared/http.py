"""The HTTP boundary: API Gateway (REST, proxy integration) events in, proxy results out.

Every HTTP function is `lambda_endpoint(fn)` where `fn` takes an `ApiRequest` and
returns an `ApiResponse`. Domain errors are mapped to status codes here and nowhere
else, so a handler never builds an error body by hand and never leaks a stack trace.
"""
from __future__ import annotations

import base64
import functools
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ValidationError

from shared.errors import (
    Conflict,
    DependencyUnavailable,
    DomainError,
    FieldError,
    InvalidInput,
    NotFound,
    Unprocessable,
)
from shared.observability import invocation_scope

logger = Logger()

Model = TypeVar("Model", bound=BaseModel)
LambdaHandler = Callable[[dict, Any], dict]

_STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 400),
    (NotFound, 404),
    (Conflict, 409),
    (Unprocessable, 422),
    (DependencyUnavailable, 503),
)


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    # Ties every log line and event caused by this request together (x-correlation-id
    # from the client if it sent one, else API Gateway's request id).
    correlation_id: str = ""

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> ApiRequest:
        body = event.get("body")
        if body is not None and event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        elif isinstance(body, bytes):
            # chalice local passes the raw bytes it read; API Gateway always sends text.
            body = body.decode("utf-8", errors="replace")
        # chalice local's event has method and path only in requestContext.
        context = event.get("requestContext") or {}
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        return cls(
            method=event.get("httpMethod") or context.get("httpMethod", ""),
            path=event.get("path") or context.get("path", ""),
            path_params=event.get("pathParameters") or {},
            query=_single_value_query(event),
            headers=headers,
            body=body,
            correlation_id=(headers.get("x-correlation-id") or "")[:128]
            or context.get("requestId")
            or str(uuid.uuid4()),
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def parse_body(self, model: type[Model]) -> Model:
        if not self.body:
            raise InvalidInput("Request body is required", [FieldError("body", "Field required")])
        try:
            return model.model_validate_json(self.body)
        except ValidationError as error:
            raise invalid_input_from(error, root="body") from None

    def parse_query(self, model: type[Model]) -> Model:
        try:
            return model.model_validate(dict(self.query))
        except ValidationError as error:
            raise invalid_input_from(error, root="query") from None


@dataclass(frozen=True)
class ApiResponse:
    status: int
    # A str body is sent as is, with the Content-Type its headers give (e.g. the docs page).
    body: BaseModel | Mapping[str, Any] | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def to_proxy_result(self) -> dict:
        if self.body is None:
            return {"statusCode": self.status, "headers": dict(self.headers), "body": ""}
        if isinstance(self.body, str):
            return {"statusCode": self.status, "headers": dict(self.headers), "body": self.body}
        if isinstance(self.body, BaseModel):
            payload = self.body.model_dump_json()
        else:
            payload = json.dumps(self.body)
        return {
            "statusCode": self.status,
            "headers": {"Content-Type": "application/json", **self.headers},
            "body": payload,
        }


def invalid_input_from(error: ValidationError, root: str) -> InvalidInput:
    """One `FieldError` per invalid field, named by its dotted path in the request."""
    fields = [
        FieldError(".".join(str(part) for part in item["loc"]) or root, item["msg"])
        for item in error.errors(include_url=False)
    ]
    return InvalidInput(f"Invalid request {root}", fields)


def error_response(error: DomainError) -> ApiResponse:
    status = next(code for kind, code in _STATUS_BY_ERROR if isinstance(error, kind))
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    headers: dict[str, str] = {}
    if isinstance(error, InvalidInput):
        body["errors"] = [{"field": f.field, "message": f.message} for f in error.fields]
    if isinstance(error, DependencyUnavailable):
        # Clients and SDKs back off on Retry-After; the outage is usually brief.
        headers["Retry-After"] = "1"
    return ApiResponse(status, body, headers)


@dataclass(frozen=True)
class EndpointDoc:
    """What an endpoint accepts and answers, as declared next to its code.

    infra/openapi.py builds the OpenAPI document from these and the template's routes.
    `responses` maps each non-error status to its body: a pydantic model, None (no
    body), or media type(s) of a non-JSON body. `errors` lists the DomainError statuses
    (400, 404, 409, 422) the endpoint can answer; 400 is implied by `body`, `query` and
    `headers`, and 500/503 by every endpoint.
    """

    summary: str
    responses: Mapping[int, Any]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # required header -> description
    errors: tuple[int, ...] = ()


def lambda_endpoint(
    endpoint: Callable[[ApiRequest], ApiResponse] | None = None,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    responses: Mapping[int, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    errors: tuple[int, ...] = (),
) -> Any:
    """Turn an endpoint into a Lambda handler that never lets an exception escape.

    Bare (`@lambda_endpoint`) or with the endpoint's contract for the API document:
    `@lambda_endpoint(body=CreateProductRequest, responses={201: ProductResponse}, errors=(409,))`.
    The contract is kept on the handler as `handler.endpoint_doc`.
    """
    if endpoint is None:
        return functools.partial(
            lambda_endpoint, body=body, query=query, responses=responses, headers=headers, errors=errors
        )
    handler = _lambda_handler(endpoint)
    if responses is not None:
        summary = (endpoint.__doc__ or endpoint.__name__.strip("_").replace("_", " ")).strip()
        handler.endpoint_doc = EndpointDoc(  # type: ignore[attr-defined]
            summary=summary.splitlines()[0].rstrip("."),
            responses=dict(responses),
            body=body,
            query=query,
            headers=dict(headers or {}),
            errors=tuple(errors),
        )
    return handler


def _lambda_handler(endpoint: Callable[[ApiRequest], ApiResponse]) -> LambdaHandler:
    @functools.wraps(endpoint)
    def handler(event: dict, context: Any) -> dict:
        request = ApiRequest.from_event(event)
        # Every line of the invocation, the access line included, carries the correlation id.
        with invocation_scope(correlation_id=request.correlation_id):
            try:
                response = endpoint(request)
            except DomainError as error:
                response = error_response(error)
            except Exception:
                logger.exception("Unhandled error", extra={"method": request.method, "path": request.path})
                response = ApiResponse(500, {"code": "internal_error", "message": "Internal server error"})
            # One structured line per invocation: the access log, and MiniStack answers
            # ~50 ms faster for a handler that prints something.
            logger.info(
                "request",
                extra={"method": request.method, "path": request.path, "status": response.status},
            )
        return response.to_proxy_result()

    return handler


def _single_value_query(event: Mapping[str, Any]) -> dict[str, str]:
    # REST API events carry both forms; chalice local only the multi-value one.
    single = event.get("queryStringParameters")
    if single:
        return dict(single)
    multi = event.get("multiValueQueryStringParameters") or {}
    return {name: values[-1] for name, values in multi.items() if values}
