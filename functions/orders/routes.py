"""The orders service's routes for Chalice; each calls the handler the template deploys for it."""
from __future__ import annotations

from chalice import Blueprint, Response

from orders import handlers
from shared.chalice_routes import ANY_CONTENT_TYPE, invoke

bp = Blueprint(__name__)

# Chalice passes path parameters as arguments; the handlers read them from the event
# instead, as they do on Lambda.


@bp.route("/orders", methods=["POST"], api_key_required=True, content_types=ANY_CONTENT_TYPE)
def place_order() -> Response:
    return invoke(handlers.place_order, bp.current_request)


@bp.route("/orders/{order_id}", methods=["GET"], api_key_required=True, content_types=ANY_CONTENT_TYPE)
def get_order(order_id: str) -> Response:
    return invoke(handlers.get_order, bp.current_request)


@bp.route("/orders/{order_id}/cancel", methods=["POST"], api_key_required=True,
          content_types=ANY_CONTENT_TYPE)
def cancel_order(order_id: str) -> Response:
    return invoke(handlers.cancel_order, bp.current_request)


@bp.route("/users/{user_id}/orders", methods=["GET"], api_key_required=True,
          content_types=ANY_CONTENT_TYPE)
def list_user_orders(user_id: str) -> Response:
    return invoke(handlers.list_user_orders, bp.current_request)
