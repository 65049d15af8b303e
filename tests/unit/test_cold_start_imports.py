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

from infra.template import resources_of_type

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
