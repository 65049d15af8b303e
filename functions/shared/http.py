"""The HTTP boundary: API Gateway (REST, proxy integration) events in, proxy results out.

Every HTTP function is `lambda_endpoint(fn)` where `fn` takes an `ApiRequest` and
returns an `ApiResponse`. Domain errors are mapped to status codes here and nowhere
else, so a handler never builds an error body by hand and never leaks a stack trace.
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.caller import Caller, caller_from_claims
from shared.errors import (
    Conflict,
    DependencyUnavailable,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    Unprocessable,
    UnsupportedMediaType,
)
from shared.observability import invocation_scope
from shared.text import Identifier

logger = Logger()

Model = TypeVar("Model", bound=BaseModel)
LambdaHandler = Callable[[dict, Any], dict]

_STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Unprocessable, 422),
    (UnsupportedMediaType, 415),
    (DependencyUnavailable, 503),
)
# What an exception no domain error covers is answered with (500, no details).
INTERNAL_ERROR = "internal_error"
# Every `code` an error body may carry (infra/openapi.py documents them).
ERROR_CODES = (*(kind.code for kind, _ in _STATUS_BY_ERROR), INTERNAL_ERROR)
# Every path parameter is an id (shared.text.Identifier): checked here, for every route.
PATH_PARAMETER = TypeAdapter(Identifier)
# On every answer of a function: browsers never guess a content type from the body.
# JSON answers carry customers' data (names, emails, orders, payments): no cache, shared
# or private, keeps a copy. Every JSON answer, not a list of routes: a route added later
# is covered without anyone remembering to.
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}
_JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    # The body was not UTF-8 (refused by `check_boundary`: never decoded with replacement
    # characters, which would store text the client never sent).
    undecodable_body: bool = False
    # Query parameters the client gave more than once: `query` holds one value of each, so
    # reading them would silently pick one; `parse_query` refuses them instead.
    repeated_query: tuple[str, ...] = ()
    # Ties every log line and event caused by this request together (x-correlation-id
    # from the client if it sent one, else API Gateway's request id).
    correlation_id: str = ""
    # The person the API's authorizer verified (shared.caller); None on a public route.
    caller: Caller | None = None

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> ApiRequest:
        body, undecodable = _decoded_body(event)
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
            undecodable_body=undecodable,
            repeated_query=tuple(sorted(name for name, values in
                                        (event.get("multiValueQueryStringParameters") or {}).items()
                                        if values and len(values) > 1)),
            correlation_id=(headers.get("x-correlation-id") or "")[:128]
            or context.get("requestId")
            or str(uuid.uuid4()),
            caller=caller_from_claims((context.get("authorizer") or {}).get("claims")),
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def authenticated(self) -> Caller:
        """The verified caller of a route the template puts behind the authorizer. API Gateway
        refuses a request without a valid token before the function runs; a function that
        still got none (a route left public by mistake) refuses it too, rather than act
        for no one."""
        if self.caller is None:
            raise Unauthenticated("Sign in: send a valid token in the Authorization header")
        return self.caller

    def check_boundary(self) -> None:
        """What every endpoint refuses before it runs: ids that are not ids, bodies that are not JSON text."""
        for name, value in sorted(self.path_params.items()):
            try:
                PATH_PARAMETER.validate_python(value)
            except ValidationError as error:
                raise InvalidInput(f"Invalid {name}", [FieldError(name, error.errors()[0]["msg"])]) from None
        if self.body or self.undecodable_body:
            if not is_json_media_type(self.header("content-type")):
                raise UnsupportedMediaType("The request body must be JSON: send Content-Type: application/json")
            if self.undecodable_body:
                raise InvalidInput("Invalid request body", [FieldError("body", "Not valid UTF-8")])

    def parse_body(self, model: type[Model]) -> Model:
        if not self.body:
            raise InvalidInput("Request body is required", [FieldError("body", "Field required")])
        try:
            return model.model_validate_json(self.body)
        except ValidationError as error:
            raise invalid_input_from(error, root="body") from None

    def parse_query(self, model: type[Model]) -> Model:
        if self.repeated_query:
            raise InvalidInput("Invalid request query",
                               [FieldError(name, "Give this parameter once") for name in self.repeated_query])
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
            return {"statusCode": self.status, "headers": {**_SECURITY_HEADERS, **self.headers}, "body": ""}
        if isinstance(self.body, str):
            # Sent as is: its Content-Type (and caching) are the endpoint's, in `headers`.
            headers = {**_SECURITY_HEADERS, **self.headers}
            if headers.get("Content-Type", "").startswith("application/json"):
                headers = {**_JSON_HEADERS, **headers}
            return {"statusCode": self.status, "headers": headers, "body": self.body}
        if isinstance(self.body, BaseModel):
            payload = self.body.model_dump_json()
        else:
            payload = json.dumps(self.body)
        return {
            "statusCode": self.status,
            "headers": {**_SECURITY_HEADERS, **_JSON_HEADERS, **self.headers},
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
    (400, 404, 409, 422) the endpoint can answer; 400 is implied by `body`, `query`,
    `headers` and path parameters, 415 by `body`, and 500/503 by every endpoint.
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
                request.check_boundary()
                response = endpoint(request)
            except DomainError as error:
                response = error_response(error)
            except Exception:
                logger.exception("Unhandled error", extra={"method": request.method, "path": request.path})
                response = ApiResponse(500, {"code": INTERNAL_ERROR, "message": "Internal server error"})
            # One structured line per invocation: the access log, and MiniStack answers
            # ~50 ms faster for a handler that prints something.
            logger.info(
                "request",
                extra={"method": request.method, "path": request.path, "status": response.status},
            )
        return response.to_proxy_result()

    return handler


def is_json_media_type(content_type: str | None) -> bool:
    """`application/json` or a JSON-based type (`application/*+json`, RFC 6839), in UTF-8.

    A body with no Content-Type at all is not taken for JSON: HTTP says a recipient may
    treat it as `application/octet-stream` (RFC 9110, 8.3), and guessing from the bytes
    is the sniffing `X-Content-Type-Options: nosniff` asks browsers not to do.
    """
    if not content_type:
        return False
    media_type, *parameters = (part.strip() for part in content_type.split(";"))
    kind, _, subtype = media_type.lower().partition("/")
    if kind != "application" or not (subtype == "json" or subtype.endswith("+json")):
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        # JSON is UTF-8 (RFC 8259, 8.1); a body declared in another charset is not read as one.
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def _decoded_body(event: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The body as text, and whether it was not UTF-8 (then no text)."""
    body = event.get("body")
    try:
        if body is not None and event.get("isBase64Encoded"):
            # The API takes every media type as binary (template: BinaryMediaTypes), so
            # the function sees the bytes the client sent, not a lossy decoding of them.
            return base64.b64decode(body, validate=True).decode("utf-8"), False
        if isinstance(body, bytes):
            # chalice local passes the raw bytes it read.
            return body.decode("utf-8"), False
    except (binascii.Error, UnicodeDecodeError):
        return None, True
    return body, False


def _single_value_query(event: Mapping[str, Any]) -> dict[str, str]:
    # REST API events carry both forms; chalice local only the multi-value one.
    single = event.get("queryStringParameters")
    if single:
        return dict(single)
    multi = event.get("multiValueQueryStringParameters") or {}
    return {name: values[-1] for name, values in multi.items() if values}
