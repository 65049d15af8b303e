"""The API reference's routes for Chalice; each calls the handler the template deploys for it."""
from __future__ import annotations

from chalice import Blueprint, Response

from docs import assets, handlers
from shared.chalice_routes import ANY_CONTENT_TYPE, invoke

bp = Blueprint(__name__)


# Keyless, as in the template: anyone may read the reference.
@bp.route("/docs", methods=["GET"], api_key_required=False, content_types=ANY_CONTENT_TYPE)
def docs_page() -> Response:
    return invoke(handlers.docs_page, bp.current_request)


@bp.route("/docs/{asset}", methods=["GET"], api_key_required=False, content_types=ANY_CONTENT_TYPE)
def docs_asset(asset: str) -> Response:
    return invoke(assets.docs_asset, bp.current_request)
