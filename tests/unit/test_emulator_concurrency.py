"""The local emulator's concurrency caps (infra/deploy.py) name functions the stack outputs."""
from pydantic import TypeAdapter

from infra.deploy import EMULATOR_CONCURRENCY, WARM_UP, WARM_WORKERS
from inventory.contracts import InventoryCommand, ReleaseStock
from products.contracts import LookupProducts
from shared.invocation import INVOKE_TIMEOUT_SECONDS, THROTTLED_RETRY_SECONDS
from infra.template import load_template, resources_of_type
from tests.unit.stored import stored_items


def test_every_capped_function_is_a_stack_output_naming_a_function():
    outputs = load_template()["Outputs"]
    functions = resources_of_type("AWS::Serverless::Function")
    for output, limit in EMULATOR_CONCURRENCY.items():
        assert outputs[output]["Value"]["Ref"] in functions
        assert limit >= 1  # 0 would disable the function


def test_placing_an_order_fits_the_capped_catalog_lookup_in_its_timeout():
    functions = resources_of_type("AWS::Serverless::Function")
    place_order = functions["PlaceOrderFunction"]["Properties"]["Timeout"]
    callees = [functions[name]["Properties"]["Timeout"] for name in (
        "ProductLookupFunction", "InventoryReservationsFunction", "PaymentCommandsFunction")]

    # A callee times out before its caller stops waiting: the caller gets a FunctionError.
    assert all(timeout < INVOKE_TIMEOUT_SECONDS for timeout in callees)
    # Throttled attempts happen only on the emulator; the catalog lookup's throttling and
    # wait stay below the function's limit (the customer is the token's: no user lookup).
    assert THROTTLED_RETRY_SECONDS + INVOKE_TIMEOUT_SECONDS <= place_order


def test_workers_warm_up_with_commands_their_contracts_accept():
    assert set(WARM_UP) == set(WARM_WORKERS) >= set(EMULATOR_CONCURRENCY)
    LookupProducts.model_validate(WARM_UP["ProductLookupFunctionName"])
    release = TypeAdapter(InventoryCommand).validate_python(WARM_UP["InventoryReservationsFunctionName"])
    assert isinstance(release, ReleaseStock)  # changes nothing for an order that holds nothing


def test_every_warmed_function_is_a_stack_output_naming_a_function():
    outputs = load_template()["Outputs"]
    functions = resources_of_type("AWS::Serverless::Function")
    assert all(outputs[output]["Value"]["Ref"] in functions for output in WARM_UP)


def test_payments_and_the_sqs_consumers_answer_their_warm_up_with_nothing_done(tables):
    from notifications.handlers import handle_order_updates
    from orders.processor import handle_order_events
    from payments.commands import handle_payment_command

    before = {name: stored_items(name) for name in tables.values()}

    assert handle_payment_command(WARM_UP["PaymentCommandsFunctionName"], None) == {"results": []}
    assert handle_order_events(WARM_UP["OrderProcessorFunctionName"], None) == {"batchItemFailures": []}
    assert handle_order_updates(WARM_UP["NotificationsFunctionName"], None) == {"batchItemFailures": []}
    assert {name: stored_items(name) for name in tables.values()} == before
