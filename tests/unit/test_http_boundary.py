"""What every HTTP function refuses before its endpoint runs (shared.http), and the text
and currency types of the request models, driven by the sample events in events/."""
from __future__ import annotations

import base64
import json

import pytest
from pydantic import TypeAdapter, ValidationError

from products.handlers import IsoCurrency
from shared.http import is_json_media_type
from shared.text import Identifier, MultiLineText, SingleLineText
from tests.unit.api_events import (
    EVENTS_DIR,
    FUNCTIONS,
    api_event_of,
    create_product,
    invoke,
    products_table,
    sample_event,
    with_body,
    with_header,
    with_path_param,
)

# Every sample event of a route with a path parameter (the orders, payments and inventory
# ones included: the boundary answers before any service code, table or catalog).
PATH_PARAMETER_EVENTS = sorted(
    name for name in FUNCTIONS
    if api_event_of(name) and "{" in api_event_of(name)["Path"] and (EVENTS_DIR / f"{name}.json").is_file())


def test_every_route_with_a_path_parameter_has_a_sample_event_here():
    assert {"GetProductFunction", "GetOrderFunction", "CancelOrderFunction", "GetUserFunction",
            "ListUserOrdersFunction", "GetPaymentFunction", "SetStockFunction",
            "UpdateProductFunction", "DeleteProductFunction"} <= set(PATH_PARAMETER_EVENTS)


@pytest.mark.parametrize("function_id", PATH_PARAMETER_EVENTS)
@pytest.mark.parametrize("bad_id", ["x" * 2000, "x" * 65, "a b", "a\x00b", "\u202eevil", "../x", "-x", ""],
                         ids=["2000", "65", "space", "nul", "bidi", "path", "leading-dash", "empty"])
def test_an_id_that_cannot_be_an_id_is_a_400_naming_the_parameter(tables, function_id, bad_id):
    event = sample_event(function_id)
    (name,) = event["pathParameters"]

    result = invoke(function_id, with_path_param(event, name, bad_id))

    assert result.error_fields == [name]


def test_an_id_of_64_letters_digits_dots_dashes_and_underscores_reaches_the_endpoint(tables):
    result = invoke("GetProductFunction", with_path_param(sample_event("GetProductFunction"), "product_id",
                                                          "A1._-" + "x" * 59))

    assert (result.status, result.json["code"]) == (404, "not_found")


# ---------------------------------------------------------------- bodies

def base64_body(event: dict, raw: bytes) -> dict:
    """The event as API Gateway sends it with BinaryMediaTypes */* (the template's)."""
    event = dict(event, body=base64.b64encode(raw).decode(), isBase64Encoded=True)
    return event


def test_a_base64_body_is_read_as_the_utf8_the_client_sent(tables):
    payload = {**json.loads(sample_event("CreateProductFunction")["body"]), "name": "Café ☕ שלום"}

    result = invoke("CreateProductFunction",
                    base64_body(sample_event("CreateProductFunction"), json.dumps(payload, ensure_ascii=False).encode()))

    assert (result.status, result.json["name"]) == (201, "Café ☕ שלום")


@pytest.mark.parametrize("raw", [b'{"sku": "X-1", "name": "caf\xe9", "price": {"amount": 1, "currency": "EUR"}}',
                                 b'{"sku": "X-1", "name": "\xed\xa0\x80", "price": {"amount": 1, "currency": "EUR"}}',
                                 b"\xff\xfe{\x00}\x00"],
                         ids=["latin-1", "encoded-surrogate", "utf-16"])
def test_a_body_that_is_not_utf8_is_a_400_and_nothing_is_stored(tables, raw):
    result = invoke("CreateProductFunction", base64_body(sample_event("CreateProductFunction"), raw))

    assert result.error_fields == ["body"]
    assert "\ufffd" not in result.body
    assert products_table(tables) == {}


def test_a_body_that_is_not_base64_as_it_claims_is_a_400(tables):
    event = dict(sample_event("CreateProductFunction"), body="not base64!", isBase64Encoded=True)

    assert invoke("CreateProductFunction", event).error_fields == ["body"]


@pytest.mark.parametrize("function_id", ["ListProductsFunction", "ListUserOrdersFunction"])
def test_a_query_parameter_given_twice_is_a_400_naming_it(tables, function_id):
    """API Gateway hands the function one of the values (which one differs between gateways):
    reading it would answer a question the client did not ask."""
    event = dict(sample_event(function_id), queryStringParameters={"cursor": "", "limit": "2"},
                 multiValueQueryStringParameters={"cursor": ["", "forged"], "limit": ["2"]})

    result = invoke(function_id, event)

    assert (result.status, result.error_fields) == (400, ["cursor"])


def test_an_escaped_lone_surrogate_is_a_400_not_a_500(tables):
    raw = '{"sku": "X-1", "name": "\\ud800", "price": {"amount": 1, "currency": "EUR"}}'

    result = invoke("CreateProductFunction", with_body(sample_event("CreateProductFunction"), raw=raw))

    assert result.status == 400, result.body
    assert products_table(tables) == {}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "text/json", "application/json; charset=iso-8859-1", None])
@pytest.mark.parametrize("function_id", ["CreateProductFunction", "UpdateMyProfileFunction", "UpdateProductFunction",
                                         "SetStockFunction", "PlaceOrderFunction"])
def test_a_body_in_another_media_type_is_a_415_json_error(tables, function_id, content_type):
    event = with_header(with_header(sample_event(function_id), "Content-Type", None), "content-type", None)
    if content_type is not None:
        event = with_header(event, "Content-Type", content_type)

    result = invoke(function_id, event)

    assert (result.status, result.json["code"]) == (415, "unsupported_media_type")
    assert "application/json" in result.json["message"]


@pytest.mark.parametrize(("content_type", "json_"), [
    ("application/json", True), ("application/json; charset=utf-8", True), ('application/json;charset="UTF-8"', True),
    ("APPLICATION/JSON", True), ("application/problem+json", True), ("application/merge-patch+json", True),
    ("application/json; charset=utf-16", False), ("application/jsonx", False), ("text/json", False),
    ("application/x-json-stream", False), ("", False), (None, False), ("json", False),
])
def test_json_media_types(content_type, json_):
    assert is_json_media_type(content_type) is json_


def test_a_request_without_a_body_needs_no_content_type(tables):
    product = create_product()
    event = with_header(with_path_param(sample_event("GetProductFunction"), "product_id", product["id"]),
                        "Content-Type", "text/plain")

    assert invoke("GetProductFunction", event).status == 200


# ---------------------------------------------------------------- answers' headers

def test_json_answers_are_never_cached_nor_sniffed(tables):
    for result in (invoke("CreateProductFunction", sample_event("CreateProductFunction")),
                   invoke("GetUserFunction", sample_event("GetUserFunction")),  # a 404 too
                   invoke("HealthFunction", sample_event("HealthFunction"))):
        assert result.headers["Cache-Control"] == "no-store"
        assert result.headers["X-Content-Type-Options"] == "nosniff"


def test_the_docs_page_forbids_framing():
    from docs.handlers import docs_page

    headers = docs_page(sample_event("GetProductFunction") | {"pathParameters": None}, None)["headers"]

    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------- text and ids

SINGLE_LINE = TypeAdapter(SingleLineText(max_length=200))
MULTI_LINE = TypeAdapter(MultiLineText(max_length=200))


@pytest.mark.parametrize("text", ["Ada Lovelace", "Café ☕", "👩‍👩‍👧‍👦 family", "🇪🇺", "שלום עולם", "مرحبا بالعالم",
                                  "e\u0301", "zero\u200dwidth joiner", "left\u200emark"])
def test_text_round_trips_exactly(text):
    assert SINGLE_LINE.validate_python(text) == text
    assert MULTI_LINE.validate_python(text) == text


@pytest.mark.parametrize("character", ["\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\u2029",
                                       "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                       "\u2066", "\u2067", "\u2068", "\u2069"])
def test_a_single_line_refuses_control_and_bidi_override_characters(character):
    with pytest.raises(ValidationError, match=f"U\\+{ord(character):04X}"):
        SINGLE_LINE.validate_python(f"name{character}")


@pytest.mark.parametrize("sent", ["x" * 201, "x" * 200 + " ", " " + "x" * 200, "   ", ""])
def test_a_single_line_is_as_long_as_sent_and_not_blank(sent):
    """The API document's maxLength is the text as sent: 201 characters are refused even
    when some are spaces the field would strip; a blank one is no text at all."""
    with pytest.raises(ValidationError):
        SINGLE_LINE.validate_python(sent)


def test_a_single_line_of_200_characters_is_stored_without_the_spaces_around_it():
    assert SINGLE_LINE.validate_python("x" * 199 + " ") == "x" * 199
    assert SINGLE_LINE.validate_python("  Ada ") == "Ada"


def test_multi_line_text_takes_line_breaks_and_tabs_but_no_other_control_character():
    assert MULTI_LINE.validate_python("one\ntwo\r\n\tthree") == "one\ntwo\r\n\tthree"
    for character in ("\x00", "\x1b", "\u202e", "\u2066"):
        with pytest.raises(ValidationError):
            MULTI_LINE.validate_python(f"text{character}")


def test_the_documented_patterns_say_what_the_validators_do():
    """The schema's pattern (for clients and schemathesis) refuses exactly what the type does."""
    import re

    single = re.compile(SINGLE_LINE.json_schema()["pattern"])
    multi = re.compile(MULTI_LINE.json_schema()["pattern"])
    for code in [*range(0, 0xA0), 0x2028, 0x2029, *range(0x2020, 0x2070), 0x1F600]:
        text = f"a{chr(code)}b"
        for adapter, pattern in ((SINGLE_LINE, single), (MULTI_LINE, multi)):
            try:
                adapter.validate_python(text)
                accepted = True
            except ValidationError:
                accepted = False
            assert accepted == bool(pattern.match(text)), (hex(code), pattern.pattern)


def test_ids():
    ids = TypeAdapter(Identifier)
    assert ids.validate_python("0f8fad5b-d9cb-469f-a165-70867728950e")
    assert ids.validate_python("pay_7c9e6679-7425-40de-944b-e07fc1f90ae7")
    for bad in ("", "x" * 65, "a/b", "a b", "-a", ".a", "ä"):
        with pytest.raises(ValidationError):
            ids.validate_python(bad)


# ---------------------------------------------------------------- currencies

@pytest.mark.parametrize("code", ["EUR", "USD", "JPY", "CHF", "BHD", "CLF", "UYW"])
def test_iso_4217_currencies_are_accepted(code):
    assert TypeAdapter(IsoCurrency).validate_python(code) == code


@pytest.mark.parametrize("code", ["ZZZ", "XXX", "XTS", "XAU", "XDR", "eur", "EURO", "", "€"])
def test_other_currencies_are_refused(code):
    with pytest.raises(ValidationError, match="ISO 4217"):
        TypeAdapter(IsoCurrency).validate_python(code)


def test_a_product_priced_in_a_made_up_currency_is_a_400_and_not_stored(tables):
    payload = {**json.loads(sample_event("CreateProductFunction")["body"]), "price": {"amount": 1, "currency": "ZZZ"}}

    result = invoke("CreateProductFunction", with_body(sample_event("CreateProductFunction"), payload))

    assert result.error_fields == ["price.currency"]
    assert products_table(tables) == {}


def test_a_price_changed_to_a_made_up_currency_is_a_400_and_changes_nothing(tables):
    product = create_product()
    event = with_body(with_path_param(sample_event("UpdateProductFunction"), "product_id", product["id"]),
                      {"price": {"amount": 5, "currency": "ZZZ"}})

    assert invoke("UpdateProductFunction", event).error_fields == ["price.currency"]
    fetched = invoke("GetProductFunction", with_path_param(sample_event("GetProductFunction"), "product_id",
                                                           product["id"]))
    assert fetched.json["price"] == product["price"]
