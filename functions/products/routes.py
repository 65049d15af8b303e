"""The catalog's routes for Chalice; each calls the handler the template deploys for it."""
from __future__ import annotations

from chalice import Blueprint, Response

from products import handlers
from shared.chalice_routes import ANY_CONTENT_TYPE, invoke

bp = Blueprint(__name__)

# Chalice passes `product_id` as an argument; the handler reads it from the event instead,
# as it does on Lambda.


@bp.route("/products", methods=["POST"], api_key_required=True, content_types=ANY_CONTENT_TYPE)
def create_product() -> Response:
    return invoke(handlers.create_product, bp.current_request)


@bp.route("/products", methods=["GET"], api_key_required=True, content_types=ANY_CONTENT_TYPE)
def list_products() -> Response:
    return invoke(handlers.list_products, bp.current_request)


@bp.route("/products/{product_id}", methods=["GET"], api_key_required=True,
          content_types=ANY_CONTENT_TYPE)
def get_product(product_id: str) -> Response:
    return invoke(handlers.get_product, bp.current_request)


@bp.route("/products/{product_id}", methods=["PATCH"], api_key_required=True,
          content_types=ANY_CONTENT_TYPE)
def update_product(product_id: str) -> Response:
    return invoke(handlers.update_product, bp.current_request)


@bp.route("/products/{product_id}", methods=["DELETE"], api_key_required=True,
          content_types=ANY_CONTENT_TYPE)
def delete_product(product_id: str) -> Response:
    return invoke(handlers.delete_product, bp.current_request)
