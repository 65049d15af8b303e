"""Write the JSON Schema of every published event to docs/events/ (`make event-schemas`).

The pydantic models in functions/orders/contracts.py are the source; the committed
schemas are what consumers read. tests/unit/test_event_contracts.py fails when the two
disagree.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "docs" / "events"


def event_schemas() -> dict[str, dict]:
    sys.path.insert(0, str(ROOT / "functions"))
    from orders.contracts import OrderCancelled, OrderCreated, OrderUpdated

    return {
        model.model_fields["type"].default: model.model_json_schema(mode="serialization")
        for model in (OrderCreated, OrderUpdated, OrderCancelled)
    }


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> int:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for name, schema in event_schemas().items():
        path = SCHEMA_DIR / f"{name}.v1.schema.json"
        path.write_text(render(schema))
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
