"""The reference route for Chalice, so app.py and the template keep serving the same API.

Only the route lives here; functions/reference/handler.py stays free of `shared`.
"""
from __future__ import annotations

from chalice import Blueprint, Response

from reference import handler
from shared.chalice_routes import ANY_CONTENT_TYPE, invoke

bp = Blueprint(__name__)


@bp.route("/reference/products/{product_id}", methods=["GET"], api_key_required=True,
          content_types=ANY_CONTENT_TYPE)
def get_product(product_id: str) -> Response:
    return invoke(handler.get_product, bp.current_request)
