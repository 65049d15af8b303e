"""`GET /health` for Chalice; calls the handler the template deploys for it."""
from __future__ import annotations

from chalice import Blueprint, Response

from health import handlers
from shared.chalice_routes import ANY_CONTENT_TYPE, invoke

bp = Blueprint(__name__)


# Keyless, as in the template: the only event there that overrides ShopApi's ApiKeyRequired.
@bp.route("/health", methods=["GET"], api_key_required=False, content_types=ANY_CONTENT_TYPE)
def check_health() -> Response:
    return invoke(handlers.check_health, bp.current_request)
