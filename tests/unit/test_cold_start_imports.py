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
HANDLER_MODULES = sorted({
    function["Properties"]["Handler"].rpartition(".")[0]
    for function in resources_of_type("AWS::Serverless::Function").values()
})
# Heavy and unused by every handler at import: boto3 (botocore clients do, see
# shared/aws_clients.py) and Powertools' idempotency (set up by PlaceOrderFunction's first
# call, see orders/idempotency.py), the X-Ray SDK (the traced handlers' first call, see
# shared/tracing.py).
NEVER_AT_IMPORT = ("boto3", "aws_lambda_powertools.utilities.idempotency", "aws_xray_sdk")
# The benchmark's floor uses a module-level boto3 client on purpose.
ALLOWED = {"reference.handler": {"boto3"}}


def imported_by(module: str) -> set[str]:
    probe = (f"import importlib, json, sys; sys.path.insert(0, {str(FUNCTIONS)!r}); "
             f"importlib.import_module({module!r}); print(json.dumps(sorted(sys.modules)))")
    finished = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(finished.stdout))


@pytest.mark.parametrize("module", HANDLER_MODULES)
def test_no_handler_imports_what_none_of_its_functions_use_at_cold_start(module):
    loaded = imported_by(module)

    heavy = {name for name in NEVER_AT_IMPORT if name in loaded} - ALLOWED.get(module, set())
    assert not heavy, f"{module} imports {sorted(heavy)} at import"


def test_reading_orders_does_not_import_the_order_use_cases():
    # GetOrder and ListUserOrders share orders.handlers with Place and Cancel.
    assert "orders.service" not in imported_by("orders.handlers")
