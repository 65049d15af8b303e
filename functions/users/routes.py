"""The users service's routes for Chalice; each calls the handler the template deploys for it."""
from __future__ import annotations

from chalice import Blueprint, Response

from shared.chalice_routes import ANY_CONTENT_TYPE, invoke
from users import handlers

bp = Blueprint(__name__)


@bp.route("/users", methods=["POST"], api_key_required=True, content_types=ANY_CONTENT_TYPE)
def create_user() -> Response:
    return invoke(handlers.create_user, bp.current_request)


# Chalice passes `user_id` as an argument; the handler reads it from the event instead,
# as it does on Lambda.
@bp.route("/users/{user_id}", methods=["GET"], api_key_required=True, content_types=ANY_CONTENT_TYPE)
def get_user(user_id: str) -> Response:
    return invoke(handlers.get_user, bp.current_request)
