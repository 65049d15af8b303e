"""Lambda entry points of the catalog, one per HTTP endpoint (see infra/template.yaml)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

import iso4217
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from products import service
from products.bootstrap import create_services
from products.domain import MAX_PRICE_CENTS, Product, ProductChanges, ProductDetails
from shared.http import ApiRequest, ApiResponse, lambda_endpoint
from shared.money import Money
from shared.pagination import PageQuery

# Currencies enter the system here, with a product's price: every other service takes
# them from the catalog. Only currencies with minor units: prices are integer minor units,
# which mean nothing for XAU (gold), XDR or XTS (testing), whose minor units are "N.A.".
ISO_4217_CURRENCIES = frozenset(
    code for code, entry in iso4217.raw_table.items() if code and (entry["CcyMnrUnts"] or "").isdigit())


def _iso_4217(code: str) -> str:
    if code not in ISO_4217_CURRENCIES:
        raise ValueError("must be an ISO 4217 currency code, e.g. EUR")
    return code


IsoCurrency = Annotated[str, AfterValidator(_iso_4217), WithJsonSchema(
    {"type": "string", "enum": sorted(ISO_4217_CURRENCIES), "description": "ISO 4217 alphabetic code"},
    mode="validation")]


class PriceRequest(Money):
    """A price as a client sends it: any Money, in an ISO 4217 currency."""

    amount: int = Field(ge=0, le=MAX_PRICE_CENTS, strict=True, description="Integer minor units (cents)")
    currency: IsoCurrency  # type: ignore[assignment]

    def to_money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)


class CreateProductRequest(ProductDetails):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "sku": "TSHIRT-RED-M", "name": "Red T-shirt, M", "description": "100% cotton",
        "price": {"amount": 1999, "currency": "EUR"},
    }]})

    price: PriceRequest

    def details(self) -> ProductDetails:
        return ProductDetails(**{**dict(self), "price": self.price.to_money()})


class UpdateProductRequest(ProductChanges):
    price: PriceRequest | None = None  # type: ignore[assignment]

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # ProductChanges reads None as "unchanged": a null sent here would be ignored silently.
        if value is None:
            raise ValueError("must not be null; omit the field to leave it unchanged")
        return value

    @model_validator(mode="after")
    def _changes_something(self) -> UpdateProductRequest:
        if not self.model_fields_set:
            raise ValueError(f"at least one of {', '.join(type(self).model_fields)} must be given")
        return self

    def changes(self) -> ProductChanges:
        given = {name: getattr(self, name) for name in self.model_fields_set}
        if self.price is not None:
            given["price"] = self.price.to_money()
        return ProductChanges(**given)


class ProductResponse(ProductDetails):
    # Every field is in every answer, defaults included: the document says so.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, product: Product) -> ProductResponse:
        return cls.model_validate(product, from_attributes=True)


class ProductPageResponse(BaseModel):
    items: list[ProductResponse]
    next_cursor: str | None


@lambda_endpoint(body=CreateProductRequest, responses={201: ProductResponse}, errors=(403, 409))
def create_product(request: ApiRequest) -> ApiResponse:
    body = request.parse_body(CreateProductRequest)
    product = service.create_product(create_services().products, request.authenticated(), body.details())
    return ApiResponse(201, ProductResponse.of(product),
                       {"Location": f"/products/{product.id}"})


@lambda_endpoint(responses={200: ProductResponse}, errors=(404,))
def get_product(request: ApiRequest) -> ApiResponse:
    product = service.get_product(create_services().products, request.path_params["product_id"])
    return ApiResponse(200, ProductResponse.of(product))


@lambda_endpoint(query=PageQuery, responses={200: ProductPageResponse})
def list_products(request: ApiRequest) -> ApiResponse:
    query = request.parse_query(PageQuery)
    page = service.list_products(create_services().products, query.limit, query.cursor)
    return ApiResponse(200, ProductPageResponse(
        items=[ProductResponse.of(p) for p in page.items],
        next_cursor=page.next_cursor,
    ))


@lambda_endpoint(body=UpdateProductRequest, responses={200: ProductResponse}, errors=(403, 404, 409))
def update_product(request: ApiRequest) -> ApiResponse:
    changes = request.parse_body(UpdateProductRequest).changes()
    product = service.update_product(create_services().products, request.authenticated(),
                                     request.path_params["product_id"], changes)
    return ApiResponse(200, ProductResponse.of(product))


@lambda_endpoint(responses={204: None}, errors=(403, 404))
def delete_product(request: ApiRequest) -> ApiResponse:
    service.delete_product(create_services().products, request.authenticated(),
                           request.path_params["product_id"])
    return ApiResponse(204)
