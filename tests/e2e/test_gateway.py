"""API Gateway in front of the functions: keys and the open health check."""
import pytest


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


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/products"), ("POST", "/products"), ("GET", "/products/x"), ("PATCH", "/products/x"),
     ("DELETE", "/products/x"), ("POST", "/users"), ("GET", "/users/x")],
)
def test_every_route_but_health_needs_an_api_key(anonymous, method, path):
    answer = anonymous.request(method, path, json={})
    assert answer.status_code == 403
    assert answer.json() == {"message": "Forbidden"}


def test_an_unknown_api_key_is_forbidden(anonymous):
    answer = anonymous.get("/products", headers={"x-api-key": "not-a-key-of-this-api"})
    assert answer.status_code == 403
    assert answer.json() == {"message": "Forbidden"}
