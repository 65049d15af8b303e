"""Payments' routes for Chalice; each calls the handler the template deploys for it."""
from __future__ import annotations

from chalice import Blueprint, Response

from payments import handlers
from shared.chalice_routes import ANY_CONTENT_TYPE, invoke

bp = Blueprint(__name__)


# Chalice passes `payment_id` as an argument; the handler reads it from the event instead,
# as it does on Lambda.
@bp.route("/payments/{payment_id}", methods=["GET"], api_key_required=True,
          content_types=ANY_CONTENT_TYPE)
def get_payment(payment_id: str) -> Response:
    return invoke(handlers.get_payment, bp.current_request)
