"""An unexpected exception in a handler answers a bare 500: no trace, no internal names."""
from __future__ import annotations

import json

from shared.http import ApiRequest, ApiResponse, lambda_endpoint
from tests.unit.api_events import sample_event


class SecretRepositoryError(RuntimeError):
    pass


@lambda_endpoint
def exploding(request: ApiRequest) -> ApiResponse:
    raise SecretRepositoryError("table shop-orders-internal: KeyError 'pk' at repository.py:42")


@lambda_endpoint(responses={200: None})
def exploding_declared(request: ApiRequest) -> ApiResponse:
    raise KeyError("pk")


def test_unhandled_exception_is_a_bare_internal_error():
    for handler in (exploding, exploding_declared):
        result = handler(sample_event("GetProductFunction"), None)

        assert result["statusCode"] == 500
        assert json.loads(result["body"]) == {"code": "internal_error", "message": "Internal server error"}
        for leak in ("Traceback", "SecretRepositoryError", "repository.py", "shop-orders", "KeyError", "pk"):
            assert leak not in result["body"]
        assert set(result["headers"]) == {"Content-Type", "Cache-Control", "X-Content-Type-Options"}
