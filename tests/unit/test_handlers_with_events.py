"""The deployed handlers, driven by the sample API Gateway events in events/.

Each function's handler is the one infra/template.yaml names for it; the tables are
moto's, built from the template. Events are varied (body, path, query) the way a
client would vary its request, and everything else about them stays as API Gateway
sends it.
"""
from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path

import boto3
import pytest

from shared.caller import Caller
from shared.pagination import encode_cursor
from infra.template import load_template, resources_of_type
from tests.unit.api_events import (
    EVENTS_DIR,
    FUNCTIONS,
    PRODUCT_RESPONSE_FIELDS,
    SAMPLE_PRODUCT_ID,
    SAMPLE_USER_ID,
    USER_RESPONSE_FIELDS,
    Result,
    api_event_of,
    call_on_product,
    covered_functions,
    create_product,
    invoke,
    list_products,
    products_table,
    sample_event,
    users_table,
    with_body,
    with_path_param,
)
from tests.unit.callers import CUSTOMER, OTHER_CUSTOMER, as_caller


# ---------------------------------------------------------------- the sample events


def test_every_http_function_of_these_services_has_a_sample_event():
    functions = covered_functions()

    assert {"HealthFunction", "CreateProductFunction", "GetUserFunction"} <= set(functions)
    missing = [name for name in functions if not (EVENTS_DIR / f"{name}.json").is_file()]
    assert missing == [], f"no events/<FunctionLogicalId>.json for {missing}"


def api_sample_events() -> list[Path]:
    """events/<FunctionLogicalId>.json of every function behind the API (other files are
    payloads of functions invoked some other way)."""
    return sorted(p for p in EVENTS_DIR.glob("*.json") if p.stem in FUNCTIONS and api_event_of(p.stem))


@pytest.mark.parametrize("path", api_sample_events(), ids=lambda p: p.stem)
def test_sample_event_is_what_api_gateway_sends_to_that_function(path):
    event = json.loads(path.read_text())
    route = api_event_of(path.stem)
    api = resources_of_type("AWS::Serverless::Api")[route["RestApiId"]["Ref"]]["Properties"]
    default = api.get("Auth", {}).get("ApiKeyRequired", False)
    key_required = route.get("Auth", {}).get("ApiKeyRequired", default)
    stage = load_template()["Parameters"]["StageName"]["Default"]
    context = event["requestContext"]

    assert (event["resource"], event["httpMethod"]) == (route["Path"], route["Method"].upper())
    assert (context["resourcePath"], context["httpMethod"]) == (route["Path"], route["Method"].upper())
    path_params = event["pathParameters"] or {}
    assert event["path"] == route["Path"].format(**path_params)
    assert (context["stage"], context["path"]) == (stage, f"/{stage}{event['path']}")
    assert context["requestId"] and context["identity"]["sourceIp"]
    assert event["multiValueHeaders"] == {name: [value] for name, value in event["headers"].items()}
    query = event["queryStringParameters"]
    assert event["multiValueQueryStringParameters"] == ({k: [v] for k, v in query.items()} if query else None)
    assert event["headers"]["x-api-key"]
    assert context["identity"]["apiKey"] == (event["headers"]["x-api-key"] if key_required else None)
    assert event["isBase64Encoded"] is False
    if event["body"] is not None:
        assert event["headers"]["Content-Type"] == "application/json"
        assert isinstance(json.loads(event["body"]), dict)
    assert "stageVariables" in event
    # Behind the authorizer, the verified token's claims, every value a string; none elsewhere.
    authorizer = route.get("Auth", {}).get("Authorizer", api.get("Auth", {}).get("DefaultAuthorizer"))
    if authorizer in (None, "NONE"):
        assert "authorizer" not in context
    else:
        claims = context["authorizer"]["claims"]
        assert claims["sub"] and claims["email"] and claims["token_use"] == "id"
        assert all(isinstance(value, str) for value in claims.values())


# ---------------------------------------------------------------- health


def test_health_is_200_when_every_table_answers(tables):
    result = invoke("HealthFunction", sample_event("HealthFunction"))

    body = result.json
    assert (result.status, body["status"]) == (200, "ok")
    table_checks = {name: value for name, value in body["checks"].items() if name.startswith("table:")}
    assert table_checks == {f"table:{name}": "ok" for name in tables.values()}


def test_health_is_503_naming_a_missing_table(tables):
    boto3.client("dynamodb").delete_table(TableName=tables["UsersTable"])

    result = invoke("HealthFunction", sample_event("HealthFunction"))

    body = result.json
    assert (result.status, body["status"]) == (503, "unavailable")
    assert body["failing"] == [f"table:{tables['UsersTable']}"]
    assert body["checks"][f"table:{tables['UsersTable']}"] == "unreachable: ResourceNotFoundException"
    assert body["checks"][f"table:{tables['ProductsTable']}"] == "ok"


# ---------------------------------------------------------------- create product


def test_create_product_event_creates_the_product(tables):
    event = sample_event("CreateProductFunction")
    sent = json.loads(event["body"])

    result = invoke("CreateProductFunction", event)

    assert result.status == 201, result.body
    product = result.json
    assert set(product) == PRODUCT_RESPONSE_FIELDS
    assert {k: product[k] for k in ("sku", "name", "description", "price")} == sent
    assert product["created_at"] == product["updated_at"]
    assert result.headers["Location"] == f"/products/{product['id']}"
    assert set(products_table(tables)) == {f"PRODUCT#{product['id']}", f"SKU#{sent['sku']}"}
    fetched = call_on_product("GetProductFunction", product["id"])
    assert (fetched.status, fetched.json) == (200, product)


def test_create_product_normalises_the_sku(tables):
    product = create_product(sku="  tsh-org-wht-l ")

    assert product["sku"] == "TSH-ORG-WHT-L"


def test_create_product_body_may_arrive_base64_encoded(tables):
    event = sample_event("CreateProductFunction")
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True

    result = invoke("CreateProductFunction", event)

    assert result.status == 201, result.body
    sent = json.loads(sample_event("CreateProductFunction")["body"])
    assert result.json["description"] == sent["description"]


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"sku": "bad sku!", "name": "", "price": {"amount": 12.5, "currency": "eur"}},
         {"sku", "name", "price.amount", "price.currency"}),
        ({"sku": None}, {"sku"}),
        ({"price": {"amount": "2499", "currency": "EUR"}}, {"price.amount"}),
        ({"price": {"amount": -1, "currency": "EUR"}}, {"price.amount"}),
        ({"price": {"amount": 2499, "currency": "EUR", "tax": 19}}, {"price.tax"}),
        ({"price": 2499}, {"price"}),
        ({"colour": "black"}, {"colour"}),
        ({"description": "x" * 2001}, {"description"}),
    ],
)
def test_create_product_with_invalid_fields_is_400_naming_each(aws, changes, fields):
    # `aws` without tables: a request that got past validation would fail with a 500.
    payload = {**json.loads(sample_event("CreateProductFunction")["body"]), **changes}

    result = invoke("CreateProductFunction", with_body(sample_event("CreateProductFunction"), payload))

    assert set(result.error_fields) == fields
    assert result.json["message"] == "Invalid request body"
    assert all(error["message"] for error in result.json["errors"])


def test_create_product_with_invalid_fields_writes_nothing(tables):
    payload = {"sku": "bad sku!", "name": "Shirt", "price": {"amount": 2499, "currency": "EUR"}}

    result = invoke("CreateProductFunction", with_body(sample_event("CreateProductFunction"), payload))

    assert result.error_fields == ["sku"]
    assert products_table(tables) == {}


def test_create_product_without_required_fields_names_them(aws):
    event = with_body(sample_event("CreateProductFunction"), {"description": "x"})

    result = invoke("CreateProductFunction", event)

    assert set(result.error_fields) == {"sku", "name", "price"}


@pytest.mark.parametrize("raw", ['{"sku": "TSH-1", "name": ', "not json", "{'sku': 'TSH-1'}", "[]", '"text"'])
def test_create_product_with_a_body_that_is_not_a_json_object_is_400(aws, raw):
    result = invoke("CreateProductFunction", with_body(sample_event("CreateProductFunction"), raw=raw))

    assert result.error_fields == ["body"]


@pytest.mark.parametrize("raw", [None, ""])
def test_create_product_without_a_body_is_400(aws, raw):
    result = invoke("CreateProductFunction", with_body(sample_event("CreateProductFunction"), raw=raw))

    assert result.error_fields == ["body"]
    assert result.json["errors"][0]["message"] == "Field required"


def test_create_product_with_a_taken_sku_is_409_and_writes_nothing(tables):
    first = create_product()
    before = products_table(tables)

    result = invoke("CreateProductFunction", with_body(
        sample_event("CreateProductFunction"), {"sku": first["sku"].lower(), "name": "Copy",
                                                "price": {"amount": 1, "currency": "EUR"}}))

    assert (result.status, result.json) == (
        409, {"code": "conflict", "message": f"A product with SKU {first['sku']} already exists"}
    )
    assert products_table(tables) == before
    assert len(before) == 2


# ---------------------------------------------------------------- get product


def test_get_product_event_for_an_unknown_id_is_404(tables):
    result = invoke("GetProductFunction", sample_event("GetProductFunction"))

    assert (result.status, result.json) == (
        404, {"code": "not_found", "message": f"Product {SAMPLE_PRODUCT_ID} not found"}
    )


def test_get_product_event_returns_the_product(tables):
    product = create_product()

    result = call_on_product("GetProductFunction", product["id"])

    assert (result.status, result.json) == (200, product)


def test_event_without_its_path_parameter_is_a_500_without_internals(tables):
    event = sample_event("GetProductFunction")
    event["pathParameters"] = None

    result = invoke("GetProductFunction", event)

    assert result.status == 500
    assert result.json == {"code": "internal_error", "message": "Internal server error"}


# ---------------------------------------------------------------- list products


def test_list_products_event_pages_through_all_products_in_creation_order(tables):
    created = [create_product(sku=f"TSH-{n}")["id"] for n in range(5)]
    limit = int(sample_event("ListProductsFunction")["queryStringParameters"]["limit"])

    pages, cursor = [], None
    for _ in range(len(created)):
        result = list_products({"limit": str(limit), **({"cursor": cursor} if cursor else {})})
        assert result.status == 200, result.body
        pages.append([item["id"] for item in result.json["items"]])
        cursor = result.json["next_cursor"]
        if cursor is None:
            break

    assert cursor is None
    assert [product_id for page in pages for product_id in page] == created
    assert [len(page) for page in pages[:-1]] == [limit] * (len(pages) - 1)


def test_list_products_reads_the_multi_value_query_when_alone(tables):
    for n in range(3):
        create_product(sku=f"TSH-{n}")
    event = sample_event("ListProductsFunction")
    event["queryStringParameters"] = None
    event["multiValueQueryStringParameters"] = {"limit": ["1"]}

    result = invoke("ListProductsFunction", event)

    assert result.status == 200
    assert len(result.json["items"]) == 1
    assert result.json["next_cursor"]


def test_list_products_without_query_returns_up_to_20(tables):
    created = [create_product(sku=f"TSH-{n}")["id"] for n in range(3)]

    result = list_products(None)

    assert result.status == 200
    assert [item["id"] for item in result.json["items"]] == created
    assert result.json["next_cursor"] is None
    assert all(set(item) == PRODUCT_RESPONSE_FIELDS for item in result.json["items"])


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "2.5", ""])
def test_list_products_with_limit_out_of_range_is_400_naming_limit(aws, limit):
    result = list_products({"limit": limit})

    assert result.error_fields == ["limit"]
    assert result.json["message"] == "Invalid request query"


@pytest.mark.parametrize("limit", ["1", "100"])
def test_list_products_accepts_limits_at_the_bounds(tables, limit):
    assert list_products({"limit": limit}).status == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "eyJub3QiOiAiYSBrZXkifQ",  # base64 JSON of {"not": "a key"}
        encode_cursor({"pk": {"S": "ORDER#1"}, "kind": {"S": "ORDER"}, "listing_key": {"S": "2026"}}),
        encode_cursor({"pk": {"S": ""}, "kind": {"S": "PRODUCT"}, "listing_key": {"S": "2026"}}),
    ],
    ids=["not-base64-json", "wrong-keys", "other-partition", "empty-key-value"],
)
def test_list_products_with_a_forged_cursor_is_400_naming_cursor(aws, cursor):
    result = list_products({"limit": "2", "cursor": cursor})

    assert result.error_fields == ["cursor"]


def test_list_products_with_an_unknown_query_parameter_is_400_naming_it(aws):
    result = list_products({"limit": "2", "sort": "name"})

    assert result.error_fields == ["sort"]


# ---------------------------------------------------------------- update product


def test_update_product_event_changes_only_what_it_sends(tables):
    product = create_product()
    sent = json.loads(sample_event("UpdateProductFunction")["body"])

    result = call_on_product("UpdateProductFunction", product["id"], sent)

    assert result.status == 200, result.body
    updated = result.json
    assert (updated["name"], updated["price"]) == (sent["name"], sent["price"])
    for unchanged in ("id", "sku", "description", "created_at"):
        assert updated[unchanged] == product[unchanged]
    assert updated["updated_at"] > product["updated_at"]
    assert call_on_product("GetProductFunction", product["id"]).json == updated


def test_update_product_event_for_an_unknown_id_is_404(tables):
    result = invoke("UpdateProductFunction", sample_event("UpdateProductFunction"))

    assert (result.status, result.json["code"]) == (404, "not_found")
    assert products_table(tables) == {}


def test_update_product_with_an_empty_object_is_400(tables):
    product = create_product()

    result = call_on_product("UpdateProductFunction", product["id"], {})

    assert result.error_fields == ["body"]
    assert "at least one of" in result.json["errors"][0]["message"]
    assert call_on_product("GetProductFunction", product["id"]).json == product


@pytest.mark.parametrize("field", ["sku", "name", "description", "price"])
def test_update_product_with_a_null_field_is_400_naming_it(aws, field):
    # The sample event's product does not exist: validation comes before any read.
    result = invoke("UpdateProductFunction", with_body(sample_event("UpdateProductFunction"), {field: None}))

    assert result.error_fields == [field]
    assert "must not be null" in result.json["errors"][0]["message"]


def test_update_product_with_a_null_name_changes_nothing(tables):
    product = create_product()

    result = call_on_product("UpdateProductFunction", product["id"], {"name": None, "description": "new"})

    assert result.error_fields == ["name"]
    assert call_on_product("GetProductFunction", product["id"]).json == product


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"sku": "no spaces", "price": {"amount": 9.99, "currency": "EUR"}}, {"sku", "price.amount"}),
        ({"version": 7}, {"version"}),
        ({"id": "another-id"}, {"id"}),
        ({"name": "   "}, {"name"}),
    ],
)
def test_update_product_with_invalid_fields_is_400_naming_each(aws, payload, fields):
    result = invoke("UpdateProductFunction", with_body(sample_event("UpdateProductFunction"), payload))

    assert set(result.error_fields) == fields


def test_update_product_with_invalid_json_is_400(aws):
    event = with_body(sample_event("UpdateProductFunction"), raw='{"name": "Gadget"')

    result = invoke("UpdateProductFunction", event)

    assert result.error_fields == ["body"]


def test_update_product_to_a_taken_sku_is_409_and_changes_nothing(tables):
    taken = create_product(sku="TAKEN-1")
    product = create_product(sku="MINE-1")
    before = products_table(tables)

    result = call_on_product("UpdateProductFunction", product["id"], {"sku": "taken-1", "name": "Renamed"})

    assert (result.status, result.json) == (
        409, {"code": "conflict", "message": "A product with SKU TAKEN-1 already exists"}
    )
    assert products_table(tables) == before
    assert call_on_product("GetProductFunction", product["id"]).json == product
    assert call_on_product("GetProductFunction", taken["id"]).json == taken


def test_update_product_sku_frees_the_old_sku(tables):
    product = create_product(sku="OLD-1")

    result = call_on_product("UpdateProductFunction", product["id"], {"sku": "new-1"})

    assert (result.status, result.json["sku"]) == (200, "NEW-1")
    assert create_product(sku="OLD-1")["sku"] == "OLD-1"
    payload = {"sku": "NEW-1", "name": "x", "price": {"amount": 1, "currency": "EUR"}}
    duplicate = invoke("CreateProductFunction", with_body(sample_event("CreateProductFunction"), payload))
    assert duplicate.status == 409


# ---------------------------------------------------------------- delete product


def test_delete_product_event_deletes_the_product_and_frees_its_sku(tables):
    product = create_product()

    result = call_on_product("DeleteProductFunction", product["id"])

    assert (result.status, result.body) == (204, "")
    assert "Content-Type" not in result.headers
    assert products_table(tables) == {}
    assert call_on_product("GetProductFunction", product["id"]).status == 404
    assert call_on_product("DeleteProductFunction", product["id"]).status == 404
    assert create_product(sku=product["sku"])["sku"] == product["sku"]


def test_delete_product_event_for_an_unknown_id_is_404(tables):
    kept = create_product()

    result = invoke("DeleteProductFunction", sample_event("DeleteProductFunction"))

    assert (result.status, result.json) == (
        404, {"code": "not_found", "message": f"Product {SAMPLE_PRODUCT_ID} not found"}
    )
    assert call_on_product("GetProductFunction", kept["id"]).json == kept


@pytest.mark.parametrize("function_id", ["CreateProductFunction", "UpdateProductFunction", "DeleteProductFunction"])
def test_a_customer_changing_the_catalog_is_403_json_and_nothing_changes(tables, function_id):
    product = create_product()
    before = products_table(tables)
    event = sample_event(function_id)
    if event["pathParameters"]:
        event = with_path_param(event, "product_id", product["id"])

    result = invoke(function_id, as_caller(event, CUSTOMER))

    assert result.status == 403
    assert result.json == {"code": "forbidden", "message": "Only staff may do this"}
    assert products_table(tables) == before


# ---------------------------------------------------------------- users


def my_profile(caller: Caller | None = None) -> Result:
    event = sample_event("GetMyProfileFunction")
    return invoke("GetMyProfileFunction", as_caller(event, caller) if caller else event)


def test_get_my_profile_event_makes_the_profile_of_the_tokens_subject_once(tables):
    claims = sample_event("GetMyProfileFunction")["requestContext"]["authorizer"]["claims"]

    first, again = my_profile(), my_profile()

    assert first.status == again.status == 200, first.body
    user = first.json
    assert set(user) == USER_RESPONSE_FIELDS
    assert (user["id"], user["email"], user["name"]) == (claims["sub"], claims["email"], claims["name"])
    assert again.json == user
    assert set(users_table(tables)) == {f"USER#{user['id']}", f"EMAIL#{claims['email'].casefold()}"}


def test_a_first_profile_without_a_name_claim_is_named_after_the_email(tables):
    assert my_profile(OTHER_CUSTOMER).json["name"] == OTHER_CUSTOMER.email.partition("@")[0]


def test_a_first_profile_with_an_email_another_holds_in_any_case_is_409_and_writes_nothing(tables):
    assert my_profile().status == 200
    before = users_table(tables)

    result = my_profile(dataclasses.replace(OTHER_CUSTOMER, email=CUSTOMER.email.upper()))

    assert (result.status, result.json["code"]) == (409, "conflict")
    assert users_table(tables) == before


def test_update_my_profile_event_renames_the_caller_and_nothing_else(tables):
    before = my_profile().json

    result = invoke("UpdateMyProfileFunction", sample_event("UpdateMyProfileFunction"))

    sent = json.loads(sample_event("UpdateMyProfileFunction")["body"])
    assert result.status == 200, result.body
    assert result.json == {**before, "name": sent["name"]}
    assert my_profile().json == result.json


def test_update_my_profile_as_the_first_call_makes_the_profile_with_that_name(tables):
    result = invoke("UpdateMyProfileFunction", sample_event("UpdateMyProfileFunction"))

    assert (result.status, result.json["name"]) == (200, json.loads(sample_event("UpdateMyProfileFunction")["body"])["name"])
    assert len(users_table(tables)) == 2


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"name": "Ada\nLovelace"}, {"name"}),
        ({}, {"name"}),
        ({"name": "Ada", "email": "other@example.com"}, {"email"}),
    ],
    ids=["blank", "two lines", "no name", "an email"],
)
def test_update_my_profile_with_invalid_fields_is_400_naming_each_and_writes_nothing(tables, payload, fields):
    result = invoke("UpdateMyProfileFunction", with_body(sample_event("UpdateMyProfileFunction"), payload))

    assert set(result.error_fields) == fields
    assert users_table(tables) == {}


def test_staff_get_any_users_profile(tables):
    user = my_profile().json

    result = invoke("GetUserFunction", with_path_param(sample_event("GetUserFunction"), "user_id", user["id"]))

    assert (result.status, result.json) == (200, user)


def test_a_customer_getting_a_profile_by_id_is_403_even_their_own(tables):
    user = my_profile().json
    event = as_caller(with_path_param(sample_event("GetUserFunction"), "user_id", user["id"]), CUSTOMER)

    result = invoke("GetUserFunction", event)

    assert (result.status, result.json["code"]) == (403, "forbidden")


def test_get_user_event_for_an_unknown_id_is_404(tables):
    result = invoke("GetUserFunction", sample_event("GetUserFunction"))

    assert result.status == 404
    assert result.json == {"code": "not_found", "message": f"User {SAMPLE_USER_ID} not found"}
