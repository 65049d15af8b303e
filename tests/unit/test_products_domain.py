"""Catalog rules: SKUs, money, partial updates. Pure Python, no AWS."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import BaseModel, ValidationError

from products.domain import MAX_PRICE_CENTS, Product, ProductChanges, ProductDetails, Sku
from products.handlers import PriceRequest
from shared.money import Money

LONG_AGO = datetime(2020, 1, 1, tzinfo=timezone.utc)


class SkuHolder(BaseModel):
    sku: Sku


def make_product(**overrides) -> Product:
    fields = {
        "id": "p-1",
        "sku": "WID-1",
        "name": "Widget",
        "description": "A widget",
        "price": Money(amount=1999, currency="EUR"),
        "created_at": LONG_AGO,
        "updated_at": LONG_AGO,
        "version": 1,
    }
    return Product(**{**fields, **overrides})


def error_fields(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in item["loc"]) for item in error.errors()}


# ---------------------------------------------------------------- SKU


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("wid-1", "WID-1"),
        ("  Wid_2  ", "WID_2"),
        ("a", "A"),
        ("0" * 64, "0" * 64),
        ("9-x_Y", "9-X_Y"),
    ],
)
def test_sku_is_stripped_and_upper_cased(given, stored):
    assert SkuHolder(sku=given).sku == stored


@pytest.mark.parametrize(
    "sku",
    [
        "",
        "   ",
        "-WID",  # must start with a letter or digit
        "_WID",
        "WID 1",
        "WID.1",
        "WID/1",
        "WÏD",
        "A" * 65,
        123,  # not coerced from a number
        None,
    ],
)
def test_sku_outside_the_pattern_is_rejected(sku):
    with pytest.raises(ValidationError) as raised:
        SkuHolder(sku=sku)
    assert error_fields(raised.value) == {"sku"}


def test_product_sku_is_normalised_on_creation():
    price = Money(amount=1, currency="EUR")
    product = Product.create(ProductDetails(sku=" tsh-blk-m ", name="T-shirt", description="", price=price))

    assert product.sku == "TSH-BLK-M"


# ---------------------------------------------------------------- Money


@pytest.mark.parametrize("amount", [0, 1, 1999, MAX_PRICE_CENTS])
def test_money_accepts_integer_cents_in_range(amount):
    money = Money(amount=amount, currency="USD")

    assert (money.amount, money.currency) == (amount, "USD")


@pytest.mark.parametrize(
    "amount",
    [
        19.99,
        20.0,  # integral float: still not integer cents
        "1999",  # strict: no string coercion
        True,  # strict: a bool is not a number of cents
        -1,
        None,
    ],
)
def test_money_rejects_anything_but_integer_cents_in_range(amount):
    with pytest.raises(ValidationError) as raised:
        Money(amount=amount, currency="EUR")
    assert error_fields(raised.value) == {"amount"}


def test_a_price_a_client_sends_is_at_most_max_price_cents():
    assert PriceRequest(amount=MAX_PRICE_CENTS, currency="EUR").amount == MAX_PRICE_CENTS
    with pytest.raises(ValidationError) as raised:
        PriceRequest(amount=MAX_PRICE_CENTS + 1, currency="EUR")
    assert error_fields(raised.value) == {"amount"}


def test_money_from_json_rejects_fractional_amounts():
    with pytest.raises(ValidationError) as raised:
        Money.model_validate_json('{"amount": 19.99, "currency": "EUR"}')
    assert error_fields(raised.value) == {"amount"}
    whole = Money.model_validate_json('{"amount": 1999, "currency": "EUR"}')
    assert whole == Money(amount=1999, currency="EUR")


@pytest.mark.parametrize("currency", ["eur", "Eur", "EU", "EURO", "E1R", "", " EUR", 978])
def test_money_currency_is_a_three_letter_upper_case_code(currency):
    with pytest.raises(ValidationError) as raised:
        Money(amount=100, currency=currency)
    assert error_fields(raised.value) == {"currency"}


def test_money_rejects_unknown_fields_and_is_immutable():
    with pytest.raises(ValidationError) as raised:
        Money(amount=100, currency="EUR", cents=True)
    assert error_fields(raised.value) == {"cents"}

    money = Money(amount=100, currency="EUR")
    with pytest.raises(ValidationError):
        money.amount = 200
    assert money.amount == 100


# ---------------------------------------------------------------- Product and changes


def test_new_product_starts_at_version_1_with_equal_timestamps():
    before = datetime.now(timezone.utc)
    price = Money(amount=5, currency="EUR")
    product = Product.create(ProductDetails(sku="wid-1", name=" Widget ", description="", price=price))
    after = datetime.now(timezone.utc)

    assert product.version == 1
    assert product.name == "Widget"
    assert product.created_at == product.updated_at
    assert before <= product.created_at <= after
    assert product.created_at.tzinfo is not None


def test_every_new_product_gets_its_own_id():
    price = Money(amount=5, currency="EUR")
    ids = {Product.create(ProductDetails(sku=f"S{n}", name="x", price=price)).id for n in range(20)}

    assert len(ids) == 20


def test_apply_changes_only_the_given_fields_and_bumps_version_and_updated_at():
    product = make_product(version=3)
    before = datetime.now(timezone.utc)

    updated = product.apply(ProductChanges(name="Gadget", price=Money(amount=2500, currency="USD")))

    after = datetime.now(timezone.utc)
    assert updated.name == "Gadget"
    assert updated.price == Money(amount=2500, currency="USD")
    assert isinstance(updated.price, Money)
    assert (updated.id, updated.sku, updated.description) == (product.id, product.sku, product.description)
    assert updated.version == 4
    assert updated.created_at == LONG_AGO
    assert before <= updated.updated_at <= after


def test_apply_leaves_the_original_untouched():
    product = make_product()

    product.apply(ProductChanges(sku="new-sku", description="changed"))

    assert (product.sku, product.description, product.version, product.updated_at) == (
        "WID-1", "A widget", 1, LONG_AGO,
    )


def test_changes_normalise_the_sku():
    updated = make_product().apply(ProductChanges(sku=" new-sku "))

    assert updated.sku == "NEW-SKU"


def test_empty_description_is_a_change_not_an_omission():
    updated = make_product().apply(ProductChanges(description=""))

    assert updated.description == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sku": "bad sku"}, "sku"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"description": "x" * 2001}, "description"),
        ({"price": {"amount": 1.5, "currency": "EUR"}}, "price.amount"),
        ({"price": {"amount": 100}}, "price.currency"),
        ({"version": 7}, "version"),  # clients cannot set the version
        ({"id": "other"}, "id"),
    ],
)
def test_invalid_changes_are_rejected_naming_the_field(changes, field):
    with pytest.raises(ValidationError) as raised:
        ProductChanges.model_validate(changes)
    assert error_fields(raised.value) == {field}


def test_product_version_starts_at_one():
    with pytest.raises(ValidationError) as raised:
        make_product(version=0)
    assert error_fields(raised.value) == {"version"}
