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
# serves four functions, and only these two need these modules (see the comments there);
# the saga's traced handlers create their Tracer, which imports the X-Ray SDK, on their
# first call (shared/tracing.py). The layer test and the bench's cold start import them
# with the handler module.
_TRACER = ("aws_xray_sdk.core",)
FIRST_CALL_IMPORTS = {
    "PlaceOrderFunction": ("orders.idempotency", "orders.service", "orders.bootstrap", *_TRACER),
    "CancelOrderFunction": ("orders.service", "orders.bootstrap"),
    "OrderProcessorFunction": _TRACER,
    "InventoryReservationsFunction": _TRACER,
    "PaymentCommandsFunction": _TRACER,
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
               AWS_ENDPOINT_URL="http://127.0.0.1:9",
               # Lambda's: the X-Ray SDK reads it at import (in Lambda it skips the sampling
               # client, 20 ms rather than 250 ms of botocore client creation).
               LAMBDA_TASK_ROOT=str(TEMPLATE_PATH.parent.parent / "functions"))
    variables = resources_of_type("AWS::Serverless::Function")[function]["Properties"] \
        .get("Environment", {}).get("Variables", {})
    for name, value in variables.items():
        env[name] = value if isinstance(value, str) else f"placeholder-{name.lower()}"
    return env


# ---------------------------------------------------------------- parameters and conditions
# What a deploy with one samconfig.toml environment gets: the template's defaults, with
# that environment's parameter_overrides on top ("default" is AWS). Enough of
# CloudFormation to read the template's own conditions (Equals, Not, And, Or, Condition)
# and the values that depend on them (Fn::If, Ref to a parameter); no more.

def parameters(config_env: str = "default") -> dict[str, str]:
    import shlex
    import tomllib

    values = {name: str(spec.get("Default", "")) for name, spec in load_template()["Parameters"].items()}
    config = tomllib.loads((TEMPLATE_PATH.parent.parent / "samconfig.toml").read_text())
    overrides = config.get(config_env, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
    for assignment in shlex.split(overrides):
        name, _, value = assignment.partition("=")
        assert name in values, f"samconfig.toml [{config_env}] overrides an unknown parameter {name}"
        values[name] = value
    return values


def condition_holds(name: str, params: dict[str, str]) -> bool:
    return bool(resolve(load_template()["Conditions"][name], params))


def resolve(value: Any, params: dict[str, str]) -> Any:
    """`value` with its conditions and parameter references worked out; other intrinsics stay."""
    if isinstance(value, list):
        return [resolve(item, params) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (function, argument), = value.items()
        if function == "Ref" and argument in params:
            return params[argument]
        if function == "Condition":
            return condition_holds(argument, params)
        if function == "Fn::Equals":
            left, right = (resolve(item, params) for item in argument)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not resolve(argument[0], params)
        if function == "Fn::And":
            return all(resolve(item, params) for item in argument)
        if function == "Fn::Or":
            return any(resolve(item, params) for item in argument)
        if function == "Fn::If":
            condition, when_true, when_false = argument
            return resolve(when_true if condition_holds(condition, params) else when_false, params)
    return {key: resolve(item, params) for key, item in value.items()}


def deployed_resources(config_env: str = "default") -> dict[str, dict[str, Any]]:
    """The resources a deploy with `config_env` creates (those whose condition holds), resolved."""
    params = parameters(config_env)
    return {name: resolve(dict(resource), params)
            for name, resource in load_template()["Resources"].items()
            if "Condition" not in resource or condition_holds(resource["Condition"], params)}
