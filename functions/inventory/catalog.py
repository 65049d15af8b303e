"""The catalog as inventory sees it: a port, and its adapter over `ProductLookupFunction`.

Stock is kept for catalog products only, so `PUT /inventory/{product_id}` asks the
catalog first, synchronously, as the orders API does to price an order: the answer is
the catalog's current one, and an outage is a clear 503 to the operator who set the
stock, who retries. (Not from catalog events: the catalog publishes none, and a copy of
the catalog kept from events would answer "unknown" for a product created a moment ago.)
"""
from __future__ import annotations

import abc

from products.contracts import LookupProducts, LookupProductsResult
from shared.invocation import FunctionClient


class AbstractCatalog(abc.ABC):
    @abc.abstractmethod
    def has_product(self, product_id: str) -> bool:
        """Whether the catalog has this product; raises DependencyUnavailable if it cannot tell."""


class LambdaCatalog(AbstractCatalog):
    def __init__(self, function_name: str) -> None:
        self._function = FunctionClient(function_name, "catalog")

    def has_product(self, product_id: str) -> bool:
        result = self._function.call(LookupProducts(product_ids=[product_id]), LookupProductsResult)
        return product_id not in result.missing_product_ids
