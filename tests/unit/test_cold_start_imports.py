"""What each deployed handler module imports at cold start, in a fresh interpreter.

Import time is cold-start time (bench/harness.py `cold_start`): these pin the imports
that cost a handler tens of milliseconds for code it never runs.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.template import import_environment, resources_of_type

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
FUNCTIONS_BY_ID = resources_of_type("AWS::Serverless::Function")
# Heavy, and imported at cold start only by the functions whose layers carry them (each
# deployed function has an entry module of its own): boto3 (botocore clients do, see
# shared/aws_clients.py) and Powertools' idempotency (PlaceOrder, on boto3), the X-Ray SDK
# (the traced functions, see shared/tracing.py).
HEAVY_BY_LAYER = {
    "Boto3Layer": ("boto3", "aws_lambda_powertools.utilities.idempotency"),
    "XRayLayer": ("aws_xray_sdk",),
}
NOT_AT_IMPORT = {
    function["Properties"]["Handler"].rpartition(".")[0]: sorted(
        {name for layer, names in HEAVY_BY_LAYER.items()
         if layer not in [ref["Ref"] for ref in function["Properties"].get("Layers", [])] for name in names})
    for function in FUNCTIONS_BY_ID.values()
}


def imported_by(module: str) -> set[str]:
    probe = (f"import importlib, json, sys; sys.path.insert(0, {str(FUNCTIONS)!r}); "
             f"importlib.import_module({module!r}); print(json.dumps(sorted(sys.modules)))")
    finished = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(finished.stdout))


@pytest.mark.parametrize("module", sorted(NOT_AT_IMPORT))
def test_no_handler_imports_what_its_function_does_not_carry_at_cold_start(module):
    loaded = imported_by(module)

    heavy = [name for name in NOT_AT_IMPORT[module] if name in loaded]
    assert not heavy, f"{module} imports {heavy} at import"


@pytest.mark.parametrize("module", ["orders.get_order", "orders.list_my_orders", "orders.list_user_orders"])
def test_reading_orders_does_not_import_the_order_use_cases(module):
    assert not {"orders.service", "orders.adapters"} & imported_by(module)


# PlaceOrder's clients, made as its first request makes them: PynamoDB's for each of its
# models and for transactions, the idempotency store's, the Lambda and SQS clients. Counts
# the botocore sessions created in all.
_SESSIONS_PROBE = r"""
import json, sys
import botocore.session
made = []
_init = botocore.session.Session.__init__
def counting_init(self, *args, **kwargs):
    made.append(self)
    _init(self, *args, **kwargs)
botocore.session.Session.__init__ = counting_init
sys.path.insert(0, sys.argv[1])
import orders.place_order
from orders import idempotency, repository
from shared import aws_clients, dynamodb, invocation
from pynamodb.models import Model
models = [value for value in vars(repository).values()
          if isinstance(value, type) and issubclass(value, Model) and value is not Model]
for model in models:
    model._get_connection().connection.client
dynamodb.create_connection().client
invocation._lambda_client()
aws_clients.sqs_client()
print(json.dumps({"sessions": len(made), "models": len(models),
                  "store": idempotency._store.client._endpoint.host}))
"""


def test_a_cold_place_order_reads_botocore_s_data_once():
    """Each botocore session parses the endpoint data (1.2 MB of JSON) and each model again:
    PynamoDB's and Powertools' clients are made from the function's one session."""
    env = import_environment("PlaceOrderFunction")
    finished = subprocess.run([sys.executable, "-c", _SESSIONS_PROBE, str(FUNCTIONS)], env=env,
                              capture_output=True, text=True, check=True)
    made = json.loads(finished.stdout)
    assert made["models"] >= 1
    assert made["store"] == env["AWS_ENDPOINT_URL"]
    assert made["sessions"] == 1
