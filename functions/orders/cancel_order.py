"""CancelOrderFunction: `POST /orders/{order_id}/cancel`."""
from __future__ import annotations

from orders import service
from orders.api import OrderResponse
from orders.bootstrap import create_services
from orders.settings import CancelOrderSettings
from shared.http import ApiRequest, ApiResponse, lambda_endpoint

settings = CancelOrderSettings.from_environ()


@lambda_endpoint(responses={202: OrderResponse}, errors=(404, 409))
def cancel_order(request: ApiRequest) -> ApiResponse:
    order = service.cancel_order(create_services(settings), request.authenticated(), request.path_params["order_id"])
    return ApiResponse(202, OrderResponse.of(order))
