"""ListUserOrdersFunction: `GET /users/{user_id}/orders` (staff)."""
from __future__ import annotations

from orders import queries
from orders.api import OrderPageResponse, UserOrdersQuery, page_response
from orders.settings import OrdersTableSettings
from orders.repository import DynamoDBOrderRepository
from shared.http import ApiRequest, ApiResponse, lambda_endpoint

settings = OrdersTableSettings.from_environ()
orders = DynamoDBOrderRepository()


@lambda_endpoint(query=UserOrdersQuery, responses={200: OrderPageResponse}, errors=(403,))
def list_user_orders(request: ApiRequest) -> ApiResponse:
    caller = request.authenticated()
    query = request.parse_query(UserOrdersQuery)
    return page_response(queries.list_orders_of(orders, caller, request.path_params["user_id"], query.limit,
                                                 query.cursor))
