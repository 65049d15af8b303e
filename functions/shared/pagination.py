"""Paginated listing: the query a client sends, the page a repository answers, and the
opaque cursors between them (the last evaluated key, base64url-encoded JSON)."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import FieldError, InvalidInput

T = TypeVar("T")


class PageQuery(BaseModel):
    """`?limit=&cursor=` of every listing endpoint."""

    model_config = ConfigDict(extra="forbid")

    limit: Annotated[int, Field(ge=1, le=100)] = 20
    cursor: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(
    cursor: str | None, key_attributes: frozenset[str], fixed: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """Decode a cursor, accepting only a key of the index being read (non-empty strings).

    `fixed` names attributes whose value the query itself determines, e.g. the partition
    key: DynamoDB rejects a start key outside the partition being queried.
    A forged cursor is the client's mistake (400), not a DynamoDB ValidationException (500).
    """
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not _is_string_key(key, key_attributes) or any(
        key[name]["S"] != value for name, value in (fixed or {}).items()
    ):
        raise InvalidInput("Invalid cursor", [FieldError("cursor", "Not a cursor returned by this API")])
    return key


def _is_string_key(key: Any, key_attributes: frozenset[str]) -> bool:
    # DynamoDB rejects an empty string as a key attribute value, in a start key too.
    return (
        isinstance(key, dict)
        and set(key) == key_attributes
        and all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) and v["S"]
                for v in key.values())
    )
