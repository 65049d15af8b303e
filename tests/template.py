"""The SAM template, read the way CloudFormation reads it (intrinsic tags included).

Tests take tables, routes and policies from here, so they test what is deployed.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "infra" / "template.yaml"

# What a function's handler imports on its first call instead of at load: orders.handlers
# serves four functions, and only these two need these modules (see the comments there).
# The layer test and the bench's cold start import them with the handler module.
FIRST_CALL_IMPORTS = {
    "PlaceOrderFunction": ("orders.idempotency", "orders.service", "orders.bootstrap"),
    "CancelOrderFunction": ("orders.service", "orders.bootstrap"),
}


@functools.cache
def load_template() -> dict[str, Any]:
    return cfn_yaml.load(str(TEMPLATE_PATH))


def resources_of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in load_template()["Resources"].items()
        if resource["Type"] == resource_type
    }


def import_environment(function: str) -> dict[str, str]:
    """What importing `function`'s handler needs: its own variables (references to other
    resources become placeholders), dummy credentials and an endpoint nothing answers on,
    so a handler that called AWS at import would fail rather than reach it."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_ENDPOINT_URL="http://127.0.0.1:9")
    variables = resources_of_type("AWS::Serverless::Function")[function]["Properties"] \
        .get("Environment", {}).get("Variables", {})
    for name, value in variables.items():
        env[name] = value if isinstance(value, str) else f"placeholder-{name.lower()}"
    return env
