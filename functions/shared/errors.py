"""Typed errors raised by domain and service code.

Domain code raises these; it never builds HTTP responses. The HTTP boundary
(`shared.http`) maps each family to one status code, in one place.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """Base of every error a client may see. `code` is a stable, machine-readable name."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    code = "invalid_request"

    def __init__(self, message: str, fields: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or []


class Unauthenticated(DomainError):
    """No verified identity on a route that needs one. API Gateway's authorizer answers
    401 before any function runs; this is the function's own refusal if one ever did."""

    code = "unauthenticated"


class Forbidden(DomainError):
    """A signed-in caller asking for what only staff may do."""

    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Unprocessable(DomainError):
    """Well-formed, but cannot be honoured as sent (e.g. an idempotency key reused for another body)."""

    code = "unprocessable"


class UnsupportedMediaType(DomainError):
    """A request body in another media type than the endpoint reads (JSON)."""

    code = "unsupported_media_type"


class DependencyUnavailable(DomainError):
    """A table, queue or service we depend on did not answer. Safe to retry."""

    code = "dependency_unavailable"

    def __init__(self, dependency: str) -> None:
        super().__init__(f"{dependency} is unavailable, try again later")
        self.dependency = dependency
