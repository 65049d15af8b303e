"""What the API takes as text and as an id: the pydantic types every request model uses.

A name is one line of text as a person reads it. So a single-line field refuses
control characters (NUL, CR, LF, every other Unicode `Cc`, and the line and paragraph
separators U+2028/U+2029) and the bidirectional embeddings, overrides and isolates
(U+202A-U+202E, U+2066-U+2069), which make text display other than it is stored
("Trojan Source"). Everything else is text and round-trips exactly: emoji (with their
zero-width joiners), right-to-left scripts, combining marks.

An id (in a path or a body) is what this API hands out: letters, digits, `.`, `_`, `-`,
at most 64 characters. Anything else cannot name a resource, and would otherwise reach
a table as a key (DynamoDB refuses keys over 2 KB, with an error, not a 404).
"""
from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_SEPARATORS = frozenset("\u2028\u2029")
# The same rules for the API document, as a pattern JSON Schema (ECMA-262) understands.
_BIDI_RANGES = r"\u202a-\u202e\u2066-\u2069"
SINGLE_LINE_PATTERN = rf"^[^\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI_RANGES}]*$"
# Multi-line text (a description) may also hold tabs and line breaks.
MULTI_LINE_PATTERN = rf"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_RANGES}]*$"
_MULTI_LINE_ALLOWED = frozenset("\t\n\r")

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
ID_MAX_LENGTH = 64
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]


def _refuse(value: Any, forbidden: Callable[[str], bool], kind: str) -> Any:
    # Runs before the strip: "name\n" is refused, not silently stored as "name".
    if isinstance(value, str):  # str validation itself answers for what is not a string
        for character in value:
            if forbidden(character):
                raise ValueError(f"must be {kind} without control or bidirectional-override "
                                 f"characters (found U+{ord(character):04X})")
    return value


def _not_text(character: str) -> bool:
    return unicodedata.category(character) == "Cc" or character in _BIDI_CONTROLS


def _single_line(value: Any) -> Any:
    return _refuse(value, lambda c: _not_text(c) or c in _LINE_SEPARATORS, "a single line of text")


def _multi_line(value: Any) -> Any:
    return _refuse(value, lambda c: _not_text(c) and c not in _MULTI_LINE_ALLOWED, "text")


def SingleLineText(*, max_length: int, min_length: int = 1, strip: bool = True) -> Any:  # noqa: N802 - a type
    """A single line of text: names, tokens, anything shown on one line.

    Its lengths are those of the text as sent, as the API document states them (201
    characters are refused, trailing spaces or not); with `strip`, the spaces around it
    then go, and what is left must still be `min_length` long: a blank name is no name.
    """
    checks: list[Any] = [StringConstraints(min_length=min_length, max_length=max_length, pattern=SINGLE_LINE_PATTERN),
                         BeforeValidator(_single_line)]
    if strip:
        checks.append(AfterValidator(functools.partial(_stripped, min_length=min_length)))
    return Annotated[(str, *checks)]


def _stripped(value: str, min_length: int) -> str:
    value = value.strip()
    if len(value) < min_length:
        raise ValueError(f"must have at least {min_length} character(s) besides the spaces around them")
    return value


def MultiLineText(*, max_length: int) -> Any:  # noqa: N802 - a type
    """Text that may span lines (a description): tabs and line breaks, no other control character."""
    return Annotated[str, StringConstraints(max_length=max_length, pattern=MULTI_LINE_PATTERN),
                     BeforeValidator(_multi_line)]
