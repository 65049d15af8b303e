"""`ProductLookupFunction`: the catalog as other services see it (see products.contracts).

Invoked directly (Lambda Invoke), not through API Gateway: the orders API prices an
order from here, so a client never sets a price. An unavailable table raises, and the
caller sees a FunctionError.
"""
from __future__ import annotations

from products import service
from products.contracts import LookupProducts, LookupProductsResult
from products.bootstrap import create_services
from shared.invocation import lambda_command


@lambda_command(LookupProducts)
def lookup_products(command: LookupProducts) -> LookupProductsResult:
    return LookupProductsResult.of(*service.find_products(create_services().products, command.product_ids))
