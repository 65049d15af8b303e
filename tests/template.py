"""What the layer test and the bench's cold start must import beside a handler module.

The template and its routes are read by infra/template.py; this is the one fact it
cannot read: orders.handlers serves four functions and imports these modules on the
first call of the two that need them, not at load (see the comments there).
"""
from __future__ import annotations

FIRST_CALL_IMPORTS = {
    "PlaceOrderFunction": ("orders.idempotency", "orders.service", "orders.bootstrap"),
    "CancelOrderFunction": ("orders.service", "orders.bootstrap"),
}
