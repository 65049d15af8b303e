"""The committed event schemas (docs/events/) are the ones the code publishes."""
import json

import pytest

from infra.event_schemas import SCHEMA_DIR, event_schemas, render


@pytest.mark.parametrize("name", sorted(event_schemas()))
def test_committed_schema_matches_the_model(name):
    committed = SCHEMA_DIR / f"{name}.v1.schema.json"
    assert committed.exists(), f"{committed} is missing: run `make event-schemas`"
    assert committed.read_text() == render(event_schemas()[name]), (
        f"{committed.name} is out of date with functions/orders/contracts.py: run `make event-schemas`"
    )


@pytest.mark.parametrize("name", sorted(event_schemas()))
def test_every_event_carries_its_type_version_and_ids(name):
    schema = json.loads((SCHEMA_DIR / f"{name}.v1.schema.json").read_text())
    assert {"type", "version", "event_id", "correlation_id", "order_id"} <= set(schema["properties"])
    assert schema["properties"]["version"]["const"] == 1
