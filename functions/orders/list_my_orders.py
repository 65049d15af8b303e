"""ListMyOrdersFunction: `GET /users/me/orders`."""
from __future__ import annotations

from orders import queries
from orders.api import OrderPageResponse, UserOrdersQuery, page_response
from orders.settings import OrdersTableSettings
from orders.repository import DynamoDBOrderRepository
from shared.http import ApiRequest, ApiResponse, lambda_endpoint

settings = OrdersTableSettings.from_environ()
orders = DynamoDBOrderRepository()


@lambda_endpoint(query=UserOrdersQuery, responses={200: OrderPageResponse})
def list_my_orders(request: ApiRequest) -> ApiResponse:
    query = request.parse_query(UserOrdersQuery)
    return page_response(queries.list_my_orders(orders, request.authenticated(), query.limit, query.cursor))
