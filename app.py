"""The shop API under Chalice, for `chalice local` and in-process tests; never deployed.

infra/template.yaml is what deploys the API: one Lambda function per route. This app
serves the same routes by calling those very handlers (see shared.chalice_routes), and
tests/unit/test_routes_match_template.py fails when the two disagree.

Against the stack `make run` deployed on the local emulator (it writes the stack's
outputs to .local/stack.json, which the `local` stage points this app at):

    .venv/bin/chalice local --stage local --port 8000
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from chalice import Chalice
from chalice.local import ChaliceRequestHandler

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

# Stack outputs that are not `<Name>TableName` (which become `<NAME>_TABLE`), and the
# variables the functions read them from.
_OUTPUT_VARIABLES = {
    "OrderEventsQueueUrl": "ORDER_EVENTS_QUEUE_URL",
    "OrderUpdatesQueueUrl": "ORDER_UPDATES_QUEUE_URL",
    "ProductLookupFunctionName": "PRODUCT_LOOKUP_FUNCTION",
    "UserLookupFunctionName": "USER_LOOKUP_FUNCTION",
    "InventoryReservationsFunctionName": "INVENTORY_FUNCTION",
    "PaymentCommandsFunctionName": "PAYMENTS_FUNCTION",
}


def _use_deployed_stack(stack_file: str) -> None:
    """Give the handlers the environment the template gives the deployed functions."""
    path = Path(__file__).resolve().parent / stack_file
    if not path.exists():
        raise SystemExit(f"{path} not found: start the stack first with `make run`")
    stack = json.loads(path.read_text())
    outputs = stack["outputs"]
    os.environ["AWS_ENDPOINT_URL"] = stack["endpoint"]
    if stack.get("ca_bundle"):
        # The emulator serves HTTPS with the local CA's certificate: botocore verifies it.
        os.environ["AWS_CA_BUNDLE"] = stack["ca_bundle"]
    tables = {key: value for key, value in outputs.items() if key.endswith("TableName")}
    for key, table in tables.items():
        service = re.sub(r"(?<!^)(?=[A-Z])", "_", key.removesuffix("TableName")).upper()
        os.environ[f"{service}_TABLE"] = table
    for key, variable in _OUTPUT_VARIABLES.items():
        os.environ[variable] = outputs[key]
    os.environ["HEALTH_TABLES"] = ",".join(tables.values())
    os.environ["HEALTH_QUEUES"] = ",".join(v for k, v in outputs.items() if k.endswith(("QueueUrl", "DLQUrl")))


if os.environ.get("SHOP_STACK_FILE"):
    _use_deployed_stack(os.environ["SHOP_STACK_FILE"])

from docs.routes import bp as docs  # noqa: E402
from health.routes import bp as health  # noqa: E402
from inventory.routes import bp as inventory  # noqa: E402
from orders.routes import bp as orders  # noqa: E402
from payments.routes import bp as payments  # noqa: E402
from products.routes import bp as products  # noqa: E402
from reference.routes import bp as reference  # noqa: E402
from users.routes import bp as users  # noqa: E402

app = Chalice(app_name="shop")
app.register_blueprint(docs)
app.register_blueprint(health)
app.register_blueprint(inventory)
app.register_blueprint(orders)
app.register_blueprint(payments)
app.register_blueprint(products)
app.register_blueprint(reference)
app.register_blueprint(users)

if os.environ.get("SHOP_STACK_FILE"):
    # API Gateway's keys, usage plans and throttles in front of the routes, as deployed
    # (plans from the template, keys from the emulator): docs/usage-plans.md.
    from infra.usage_plans import install_local_gateway  # noqa: E402

    install_local_gateway(app, Path(__file__).resolve().parent / os.environ["SHOP_STACK_FILE"])
