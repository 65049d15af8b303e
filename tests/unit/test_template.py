"""infra/template.py reads the routes and each function's environment from the template."""
from __future__ import annotations

import pytest

from infra.template import FUNCTION, Unresolved, environment, load_template, parameters, resources_of_type, routes, variables

OUTPUTS = {name: f"deployed-{name}" for name in load_template()["Outputs"]}


def test_every_route_is_an_api_event_with_its_key_rule():
    by_route = {(route.method, route.path): route for route in routes()}
    assert by_route[("GET", "/health")].api_key_required is False
    assert by_route[("POST", "/products")].api_key_required is True
    assert by_route[("POST", "/orders")].function == "PlaceOrderFunction"
    assert by_route[("GET", "/products/{product_id}")].path_parameters == ["product_id"]
    # The authorizer by default; `Authorizer: NONE` on the public reads and keyless pages.
    assert by_route[("POST", "/orders")].authorizer == "CognitoAuth"
    assert by_route[("GET", "/users/me")].authorizer == "CognitoAuth"
    assert {(method, path) for (method, path), route in by_route.items() if route.authorizer is None} >= {
        ("GET", "/health"), ("GET", "/docs"), ("GET", "/products"), ("GET", "/products/{product_id}"),
        ("GET", "/inventory/{product_id}")}
    assert all(route.authorizer == "CognitoAuth" for route in by_route.values()
               if route.method != "GET" or route.path.startswith(("/users", "/orders", "/payments")))
    events = sum(1 for function in resources_of_type(FUNCTION).values()
                 for event in function["Properties"].get("Events", {}).values() if event["Type"] == "Api")
    assert len(by_route) == events


@pytest.mark.parametrize("function", sorted(resources_of_type(FUNCTION)))
def test_every_function_environment_resolves_from_the_stack_outputs(function):
    """What chalice local runs with: every reference in a function's environment is a
    resource the stack outputs, so a local run gets the deployed names."""
    env = environment(function, OUTPUTS)
    assert env["POWERTOOLS_LOG_LEVEL"] == parameters("local")["LogLevel"]
    written = variables(function)
    references = [name for name, value in written.items() if isinstance(value, dict)
                  and value.get("Ref") in load_template()["Resources"]]
    assert all(env[name].startswith("deployed-") for name in references), env
    assert {name for name, value in written.items() if isinstance(value, str)} <= {
        name for name in env if env[name] == written[name]}


def test_a_reference_resolves_to_its_output_and_a_sub_to_each_of_them():
    env = environment("HealthFunction", OUTPUTS)
    assert environment("GetProductFunction", OUTPUTS)["PRODUCTS_TABLE"] == "deployed-ProductsTableName"
    assert env["HEALTH_TABLES"].split(",")[:2] == ["deployed-ProductsTableName", "deployed-UsersTableName"]


def test_a_reference_no_output_gives_is_named():
    outputs = {name: value for name, value in OUTPUTS.items() if name != "OrdersTableName"}
    with pytest.raises(Unresolved, match="GetOrderFunction: no stack output gives !Ref OrdersTable"):
        environment("GetOrderFunction", outputs)
