"""Opaque cursors: what the API hands out decodes back; anything forged is a 400, never a 500."""
from __future__ import annotations

import base64
import json

import pytest

from shared.errors import InvalidInput
from shared.pagination import decode_cursor, encode_cursor

KEYS = frozenset({"pk", "kind", "listing_key"})
LAST_KEY = {
    "pk": {"S": "PRODUCT#0f8fad5b-d9cb-469f-a165-70867728950e"},
    "kind": {"S": "PRODUCT"},
    "listing_key": {"S": "2026-11-25T14:20:31.123456+00:00#0f8fad5b-d9cb-469f-a165-70867728950e"},
}


def forge(payload: object) -> str:
    """A cursor built the way encode_cursor builds one, around any JSON."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def assert_rejected(cursor: str, **kwargs) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(cursor, KEYS, **kwargs)
    fields = [(f.field, f.message) for f in raised.value.fields]
    assert fields == [("cursor", "Not a cursor returned by this API")]
    assert raised.value.code == "invalid_request"


def test_roundtrip_returns_the_last_evaluated_key():
    cursor = encode_cursor(LAST_KEY)

    assert decode_cursor(cursor, KEYS) == LAST_KEY
    assert decode_cursor(cursor, KEYS, fixed={"kind": "PRODUCT"}) == LAST_KEY


@pytest.mark.parametrize("size", [1, 2, 3, 4, 50])
def test_cursor_is_url_safe_without_padding_for_any_length(size):
    key = {**LAST_KEY, "listing_key": {"S": "é?/+" * size}}

    cursor = encode_cursor(key)

    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor, KEYS) == key


def test_encoding_does_not_depend_on_key_order():
    reordered = dict(reversed(list(LAST_KEY.items())))

    assert encode_cursor(reordered) == encode_cursor(LAST_KEY)


@pytest.mark.parametrize("last_key", [None, {}])
def test_no_last_key_means_no_cursor(last_key):
    assert encode_cursor(last_key) is None


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_first_page(cursor):
    assert decode_cursor(cursor, KEYS) is None


@pytest.mark.parametrize(
    "key",
    [
        {"pk": LAST_KEY["pk"], "kind": LAST_KEY["kind"]},  # a key attribute missing
        {**LAST_KEY, "extra": {"S": "x"}},  # an attribute the index does not have
        {"id": {"S": "x"}},
        {},
    ],
    ids=["missing-attribute", "extra-attribute", "other-attributes", "empty"],
)
def test_wrong_key_attributes_are_rejected(key):
    assert_rejected(forge(key))


@pytest.mark.parametrize(
    "value",
    [
        {"N": "1"},
        {"S": 1},
        {"S": None},
        {"S": ["x"]},
        {"S": "x", "N": "1"},
        {"B": "eA=="},
        "PRODUCT#x",
        None,
        {"S": ""},  # DynamoDB rejects an empty string in a key
    ],
)
def test_non_string_key_values_are_rejected(value):
    assert_rejected(forge({**LAST_KEY, "pk": value}))


@pytest.mark.parametrize("payload", [[LAST_KEY], "a string", 42, None, True])
def test_json_that_is_not_an_object_is_rejected(payload):
    assert_rejected(forge(payload))


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "%%%%",
        "abc",  # impossible base64 length
        "a",
        base64.urlsafe_b64encode(b"\xff\xfe\xfa\x00").decode(),  # not UTF-8
    ],
)
def test_text_that_is_not_base64_json_is_rejected(cursor):
    assert_rejected(cursor)


@pytest.mark.parametrize("text", ["hello", "{'pk': 1}", '{"pk": ', "PRODUCT#1"])
def test_base64_of_something_other_than_json_is_rejected(text):
    assert_rejected(base64.urlsafe_b64encode(text.encode()).decode())


def test_key_outside_the_queried_partition_is_rejected():
    other_partition = {**LAST_KEY, "kind": {"S": "ORDER"}}

    assert decode_cursor(forge(other_partition), KEYS) == other_partition  # shape alone is fine
    assert_rejected(forge(other_partition), fixed={"kind": "PRODUCT"})
