"""infra/template.yaml, read the way CloudFormation reads it: the one route table.

The template deploys the API: each Api event of a function is a route. Everything else
that needs the routes or a function's environment reads them here — the Chalice app
(app.py), the OpenAPI document (infra/openapi.py), the unit tests and the bench — so
adding an endpoint is a template change and nothing else has a list to keep in step.
"""
from __future__ import annotations

import functools
import os
import re
import shlex
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

TEMPLATE_PATH = Path(__file__).resolve().parent / "template.yaml"
FUNCTION = "AWS::Serverless::Function"


@functools.cache
def load_template() -> dict[str, Any]:
    return cfn_yaml.load(str(TEMPLATE_PATH))


def resources_of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in load_template()["Resources"].items()
        if resource["Type"] == resource_type
    }


@dataclass(frozen=True)
class Route:
    method: str  # upper case, as API Gateway and Chalice name methods
    path: str
    api_key_required: bool
    function: str  # the logical id of the function the template deploys for it
    handler: str  # module.function, as the template names it
    # The API's authorizer that must accept the caller's token first (its name in the
    # Api's Auth.Authorizers); None: a public route.
    authorizer: str | None = None

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


def routes() -> list[Route]:
    """Every Api event of the template's functions, with the API key and authorizer rules
    that apply."""
    apis = resources_of_type("AWS::Serverless::Api")
    found = []
    for logical_id, function in resources_of_type(FUNCTION).items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            properties = event["Properties"]
            # An event's own Auth overrides the default of the API it is attached to, as SAM does.
            api_auth = apis[properties["RestApiId"]["Ref"]]["Properties"].get("Auth", {})
            auth = properties.get("Auth", {})
            key_required = auth.get("ApiKeyRequired", api_auth.get("ApiKeyRequired", False))
            authorizer = auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
            found.append(Route(properties["Method"].upper(), properties["Path"], bool(key_required),
                               logical_id, function["Properties"]["Handler"],
                               None if authorizer in (None, "NONE") else authorizer))
    return sorted(found, key=lambda route: (route.path, route.method))


def variables(function: str) -> dict[str, Any]:
    """The environment the template gives `function`: Globals' variables, then its own,
    as SAM merges them; values are as written (intrinsic functions unresolved)."""
    template = load_template()
    merged = dict(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    merged.update(template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {}))
    return merged


# ---------------------------------------------------------------- parameters and conditions
# What a deploy with one samconfig.toml environment gets: the template's defaults, with
# that environment's parameter_overrides on top ("default" is AWS). Enough of
# CloudFormation to read the template's own conditions (Equals, Not, And, Or, Condition)
# and the values that depend on them (Fn::If, Ref to a parameter); no more.

def parameters(config_env: str = "default") -> dict[str, str]:
    values = {name: str(spec.get("Default", "")) for name, spec in load_template()["Parameters"].items()}
    config = tomllib.loads((TEMPLATE_PATH.parent.parent / "samconfig.toml").read_text())
    overrides = config.get(config_env, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
    for assignment in shlex.split(overrides):
        name, _, value = assignment.partition("=")
        if name not in values:
            raise ValueError(f"samconfig.toml [{config_env}] overrides an unknown parameter {name}")
        values[name] = value
    return values


def condition_holds(name: str, params: Mapping[str, str]) -> bool:
    return bool(resolve(load_template()["Conditions"][name], params))


def resolve(value: Any, params: Mapping[str, str]) -> Any:
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


# ---------------------------------------------------------------- a function's environment

class Unresolved(LookupError):
    pass


def _resolved(function: str, config_env: str, ref: Callable[[str], str]) -> dict[str, str]:
    """`function`'s variables with parameters and conditions of `config_env` worked out,
    and every other `!Ref X` / `${X}` given by `ref`."""
    params = parameters(config_env)

    def value_of(value: Any) -> str:
        value = resolve(value, params)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Ref" in value:
            return ref(value["Ref"])
        if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
            return re.sub(r"\$\{([\w:]+)\}", lambda match: params[match.group(1)] if match.group(1) in params
                          else ref(match.group(1)), value["Fn::Sub"])
        raise Unresolved(f"{function}: cannot resolve {value!r}")

    return {name: value_of(value) for name, value in variables(function).items()}


def environment(function: str, outputs: Mapping[str, str], config_env: str = "local") -> dict[str, str]:
    """`function`'s environment as deployed with `config_env`, from the stack's outputs: a
    `!Ref X` (or `${X}` in a `!Sub`) is the value of the output whose value is `!Ref X`.
    Fails naming what no output gives."""
    refs = {output["Value"]["Ref"]: outputs[name]
            for name, output in load_template().get("Outputs", {}).items()
            if isinstance(output.get("Value"), dict) and "Ref" in output["Value"] and name in outputs}

    def ref(name: str) -> str:
        if name not in refs:
            raise Unresolved(f"{function}: no stack output gives !Ref {name} (add an output `Value: !Ref {name}`)")
        return refs[name]

    return _resolved(function, config_env, ref)


def import_environment(function: str) -> dict[str, str]:
    """What importing `function`'s handler needs: its variables as on AWS (other resources
    as placeholders), dummy credentials and an endpoint nothing answers on, so a handler
    that called AWS at import would fail rather than reach it."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_ENDPOINT_URL="http://127.0.0.1:9",
               # Lambda's: the X-Ray SDK reads it at import (in Lambda it skips the sampling
               # client, 20 ms rather than 250 ms of botocore client creation).
               LAMBDA_TASK_ROOT=str(TEMPLATE_PATH.parent.parent / "functions"))
    env.update(_resolved(function, "default", lambda name: f"placeholder-{name.lower()}"))
    return env
