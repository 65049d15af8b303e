"""Lambda entry points of inventory (see infra/template.yaml); its commands are inventory.commands.

  set_stock, get_stock          one per HTTP endpoint (PUT, GET /inventory/{product_id})
  sweep_expired_reservations    ReservationSweepFunction: on a schedule, gives back the
                                stock of reservations whose orders never completed
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from inventory import service
from inventory.bootstrap import create_services
from inventory.domain import MAX_ON_HAND, StockItem
from shared.http import ApiRequest, ApiResponse, lambda_endpoint

logger = Logger()


# Reservations one sweep releases at most; the next run (minutes later) takes the rest.
SWEEP_LIMIT = 500


class SetStockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"on_hand": 25}]})

    on_hand: Annotated[int, Field(ge=0, le=MAX_ON_HAND, strict=True)]


class StockResponse(BaseModel):
    product_id: str
    on_hand: int
    reserved: int
    available: int

    @classmethod
    def of(cls, item: StockItem) -> StockResponse:
        return cls.model_validate(item, from_attributes=True)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@lambda_endpoint(body=SetStockRequest, responses={200: StockResponse}, errors=(403, 404, 409))
def set_stock(request: ApiRequest) -> ApiResponse:
    body = request.parse_body(SetStockRequest)
    services = create_services()
    if services.catalog is None:
        raise RuntimeError("PRODUCT_LOOKUP_FUNCTION must name the catalog's lookup function")
    item = service.set_stock(services.stock, services.catalog, request.authenticated(),
                             request.path_params["product_id"], body.on_hand)
    return ApiResponse(200, StockResponse.of(item))


@lambda_endpoint(responses={200: StockResponse}, errors=(404,))
def get_stock(request: ApiRequest) -> ApiResponse:
    item = service.get_stock(create_services().stock, request.path_params["product_id"])
    return ApiResponse(200, StockResponse.of(item))


def sweep_expired_reservations(event: dict, context: Any) -> dict:
    """Scheduled: release every reservation past its expiry (up to SWEEP_LIMIT per run)."""
    released = service.release_expired(create_services().stock, now=_now(), limit=SWEEP_LIMIT)
    logger.info("reservation sweep", extra={"released": len(released), "order_ids": released[:50]})
    return {"released": len(released), "order_ids": released}
