"""GetOrderFunction: `GET /orders/{order_id}`."""
from __future__ import annotations

from orders import queries
from orders.api import OrderResponse
from orders.settings import OrdersTableSettings
from orders.repository import DynamoDBOrderRepository
from shared.http import ApiRequest, ApiResponse, lambda_endpoint

settings = OrdersTableSettings.from_environ()
orders = DynamoDBOrderRepository()


@lambda_endpoint(responses={200: OrderResponse}, errors=(404,))
def get_order(request: ApiRequest) -> ApiResponse:
    order = queries.get_order(orders, request.authenticated(), request.path_params["order_id"])
    return ApiResponse(200, OrderResponse.of(order))
