"""The shop API under Chalice, for `chalice local` and in-process tests; never deployed.

infra/template.yaml is what deploys the API: one Lambda function per route. This app
registers the template's routes itself (infra/template.py) and each one calls the very
handler the template deploys for it, with the API Gateway proxy event, returning its
proxy result unchanged: parsing, validation and error mapping stay in the handler, so a
local run exercises exactly the code that runs on Lambda.

Against the stack `make run` deployed on the local emulator (it writes the stack's
outputs to .local/stack.json, which the `local` stage points this app at), behind the
same gateway rules as deployed (the Cognito authorizer, then API keys and usage plans):

    .venv/bin/chalice local --stage local --port 8000
"""
from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from chalice import Chalice, Response
from chalice.app import Request
from chalice.local import ChaliceRequestHandler

from infra.template import FUNCTION, Route, environment, resources_of_type, routes

# chalice local: answer keep-alive requests without a ~40 ms stall. Its handler writes a
# response's headers and body in two send()s; with Nagle's algorithm on, the body waits
# for the client's delayed ACK of the headers (~40 ms on Linux), capping one keep-alive
# connection at ~23 req/s. TCP_NODELAY (socketserver's own switch) sends both at once.
# The only change this app makes to chalice local's server; docs/benchmarks.md measures it.
ChaliceRequestHandler.disable_nagle_algorithm = True

# `functions/` is the root of every Lambda package: its code imports `shared`,
# `products`, ... as top-level packages, exactly as it does inside a deployed function.
FUNCTIONS_DIR = str(Path(__file__).resolve().parent / "functions")
if FUNCTIONS_DIR not in sys.path:
    sys.path.insert(0, FUNCTIONS_DIR)

# API Gateway's proxy integration passes any Content-Type to the function, which
# parses the body itself. Chalice would answer 415 to anything but JSON by default.
ANY_CONTENT_TYPE = ["*/*"]


def _use_deployed_stack(stack_file: str) -> None:
    """Give the handlers the environment the template gives the deployed functions.

    One process serves every function, so it gets the union of their variables; a name
    means one thing across the template, and a clash fails here rather than misroutes.
    POWERTOOLS_* are this process's own (.chalice/config.json): it logs as one service.
    """
    path = Path(__file__).resolve().parent / stack_file
    if not path.exists():
        raise SystemExit(f"{path} not found: start the stack first with `make run`")
    stack = json.loads(path.read_text())
    os.environ["AWS_ENDPOINT_URL"] = stack["endpoint"]
    if stack.get("ca_bundle"):
        # The emulator serves HTTPS with the local CA's certificate: botocore verifies it.
        os.environ["AWS_CA_BUNDLE"] = stack["ca_bundle"]
    shared: dict[str, str] = {}
    for function in resources_of_type(FUNCTION):
        for name, value in environment(function, stack["outputs"]).items():
            if name.startswith("POWERTOOLS_"):
                continue
            if shared.setdefault(name, value) != value:
                raise SystemExit(f"{name} is {shared[name]!r} for one function and {value!r} for {function}")
    os.environ.update(shared)


def invoke(route: Route, request: Request) -> Response:
    """Call `route`'s handler as Lambda would, with the event behind `request`."""
    module_name, _, name = route.handler.rpartition(".")
    # Looked up per call, not kept: the module is the one place that names the handler.
    handler = getattr(sys.modules[module_name], name)
    # No Lambda context: the handlers never read it, and chalice local has none worth passing.
    result = handler(request.to_original_event(), None)
    return Response(
        body=result.get("body") or "",
        headers=dict(result.get("headers") or {}),
        status_code=result["statusCode"],
    )


def create_app() -> Chalice:
    """The template's routes, each a door to its function's handler."""
    app = Chalice(app_name="shop")
    for route in routes():
        importlib.import_module(route.handler.rpartition(".")[0])  # fail now, not on the first request

        # Chalice passes path parameters as arguments; the handler reads them from the
        # event instead, as it does on Lambda.
        def view(route: Route = route, **path_parameters: str) -> Response:
            return invoke(route, app.current_request)

        app.route(route.path, methods=[route.method], name=route.function,
                  api_key_required=route.api_key_required, content_types=ANY_CONTENT_TYPE)(view)
    return app


if os.environ.get("SHOP_STACK_FILE"):
    _use_deployed_stack(os.environ["SHOP_STACK_FILE"])

app = create_app()

if os.environ.get("SHOP_STACK_FILE"):
    # API Gateway in front of the routes, in its order: the Cognito authorizer first (the
    # stack's user pool and app client, infra/cognito_local.py: 401 before anything else),
    # then keys, usage plans and throttles (plans from the template, keys from the
    # emulator: docs/usage-plans.md). Chalice runs middleware in the order registered.
    from infra.cognito_local import install_local_authorizer  # noqa: E402
    from infra.usage_plans import install_local_gateway  # noqa: E402

    _stack_path = Path(__file__).resolve().parent / os.environ["SHOP_STACK_FILE"]
    install_local_authorizer(app, _stack_path, routes())
    install_local_gateway(app, _stack_path)
