"""Serve the deployed Lambda handlers through Chalice (`chalice local`, `chalice.test`).

A Chalice route here is only a door: it hands the Lambda handler that
infra/template.yaml deploys for that route the API Gateway proxy event, and returns
its proxy result unchanged. Parsing, validation and error mapping stay in the handler,
so a local run exercises exactly the code that runs on Lambda. Chalice is never
deployed; the template stays the only definition of the deployed API.
"""
from __future__ import annotations

from chalice import Response
from chalice.app import Request

from shared.http import LambdaHandler

# API Gateway's proxy integration passes any Content-Type to the function, which
# parses the body itself. Chalice would answer 415 to anything but JSON by default.
ANY_CONTENT_TYPE = ["*/*"]


def invoke(handler: LambdaHandler, request: Request) -> Response:
    """Call `handler` as Lambda would, with the event behind `request`."""
    # No Lambda context: the handlers never read it, and chalice local has none worth passing.
    result = handler(request.to_original_event(), None)
    return Response(
        body=result.get("body") or "",
        headers=dict(result.get("headers") or {}),
        status_code=result["statusCode"],
    )
