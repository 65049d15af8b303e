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
from collections.abc import Mapping
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

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


def routes() -> list[Route]:
    """Every Api event of the template's functions, with the API key rule that applies."""
    apis = resources_of_type("AWS::Serverless::Api")
    found = []
    for logical_id, function in resources_of_type(FUNCTION).items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            properties = event["Properties"]
            # An event's own Auth overrides the default of the API it is attached to.
            api_auth = apis[properties["RestApiId"]["Ref"]]["Properties"].get("Auth", {})
            key_required = properties.get("Auth", {}).get("ApiKeyRequired", api_auth.get("ApiKeyRequired", False))
            found.append(Route(properties["Method"].upper(), properties["Path"], bool(key_required),
                               logical_id, function["Properties"]["Handler"]))
    return sorted(found, key=lambda route: (route.path, route.method))


def variables(function: str) -> dict[str, Any]:
    """The environment the template gives `function`: Globals' variables, then its own,
    as SAM merges them; values are as written (intrinsic functions unresolved)."""
    template = load_template()
    merged = dict(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    merged.update(template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {}))
    return merged


class Unresolved(LookupError):
    pass


def _resolved(function: str, ref) -> dict[str, str]:
    def resolve(value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Ref" in value:
            return ref(value["Ref"])
        if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
            return re.sub(r"\$\{([\w:]+)\}", lambda match: ref(match.group(1)), value["Fn::Sub"])
        raise Unresolved(f"{function}: cannot resolve {value!r}")

    return {name: resolve(value) for name, value in variables(function).items()}


def _parameter_defaults() -> dict[str, str]:
    return {name: str(parameter.get("Default", "")) for name, parameter in
            load_template().get("Parameters", {}).items()}


def environment(function: str, outputs: Mapping[str, str]) -> dict[str, str]:
    """`function`'s environment as deployed, from the stack's outputs: a `!Ref X` (or
    `${X}` in a `!Sub`) is the value of the output whose value is `!Ref X`; a parameter
    not in the outputs takes its default. Fails naming what no output gives."""
    refs = _parameter_defaults()
    refs.update({output["Value"]["Ref"]: outputs[name]
                 for name, output in load_template().get("Outputs", {}).items()
                 if isinstance(output.get("Value"), dict) and "Ref" in output["Value"] and name in outputs})

    def ref(name: str) -> str:
        if name not in refs:
            raise Unresolved(f"{function}: no stack output gives !Ref {name} (add an output `Value: !Ref {name}`)")
        return refs[name]

    return _resolved(function, ref)


def import_environment(function: str) -> dict[str, str]:
    """What importing `function`'s handler needs: its own variables (parameters at their
    defaults, other resources as placeholders), dummy credentials and an endpoint nothing
    answers on, so a handler that called AWS at import would fail rather than reach it."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_ENDPOINT_URL="http://127.0.0.1:9")
    defaults = _parameter_defaults()
    env.update(_resolved(function, lambda name: defaults.get(name, f"placeholder-{name.lower()}")))
    return env
