"""API Gateway in front of the functions: keys and the open health check."""
import pytest

from tests.e2e.conftest import Api


def test_health_is_open_and_reports_each_table_and_queue(anonymous, stack):
    answer = anonymous.get("/health")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    tables = {f"table:{value}" for key, value in stack.outputs.items() if key.endswith("TableName")}
    queues = {f"queue:{value.rsplit('/', 1)[-1]}" for key, value in stack.outputs.items()
              if key.endswith(("QueueUrl", "DLQUrl"))}
    assert len(tables) == 6 and len(queues) == 4
    assert body["checks"] == {name: "ok" for name in tables | queues}


PUBLIC_READS = [("GET", "/products"), ("GET", "/products/x"), ("GET", "/inventory/x")]
SIGNED_IN = [("POST", "/products"), ("PATCH", "/products/x"), ("DELETE", "/products/x"), ("GET", "/users/me"),
             ("GET", "/users/x"), ("POST", "/orders"), ("GET", "/orders/x"), ("GET", "/payments/x")]


@pytest.mark.parametrize(("method", "path"), PUBLIC_READS)
def test_every_public_read_needs_an_api_key(anonymous, method, path):
    answer = anonymous.request(method, path)
    assert answer.status_code == 403
    assert answer.json() == {"message": "Forbidden"}


@pytest.mark.parametrize(("method", "path"), SIGNED_IN)
def test_a_signed_in_person_still_needs_an_api_key(customer, method, path):
    """A token names the person, the key the client application: both are needed."""
    keyless = Api(customer.stack, api_key=None, person=customer.person)
    answer = keyless.request(method, path, json={})
    assert answer.status_code == 403
    assert answer.json() == {"message": "Forbidden"}


def test_an_unknown_api_key_is_forbidden(anonymous):
    answer = anonymous.get("/products", headers={"x-api-key": "not-a-key-of-this-api"})
    assert answer.status_code == 403
    assert answer.json() == {"message": "Forbidden"}
