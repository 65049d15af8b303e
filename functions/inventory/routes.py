"""Inventory's routes for Chalice; each calls the handler the template deploys for it."""
from __future__ import annotations

from chalice import Blueprint, Response

from inventory import handlers
from shared.chalice_routes import ANY_CONTENT_TYPE, invoke

bp = Blueprint(__name__)

# Chalice passes `product_id` as an argument; the handler reads it from the event instead,
# as it does on Lambda.


@bp.route("/inventory/{product_id}", methods=["PUT"], api_key_required=True,
          content_types=ANY_CONTENT_TYPE)
def set_stock(product_id: str) -> Response:
    return invoke(handlers.set_stock, bp.current_request)


@bp.route("/inventory/{product_id}", methods=["GET"], api_key_required=True,
          content_types=ANY_CONTENT_TYPE)
def get_stock(product_id: str) -> Response:
    return invoke(handlers.get_stock, bp.current_request)
