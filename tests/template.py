"""What the layer test and the bench's cold start must import beside a handler module.

The template, its routes and its conditions are read by infra/template.py; this is the
one fact it cannot read: what a handler imports on its first call instead of at load.
orders.handlers serves four functions, and only these two need these modules (see the
comments there); the saga's traced handlers create their Tracer, which imports the X-Ray
SDK, on their first call (shared/tracing.py).
"""
from __future__ import annotations

_TRACER = ("aws_xray_sdk.core",)
FIRST_CALL_IMPORTS = {
    "PlaceOrderFunction": ("orders.idempotency", "orders.service", "orders.bootstrap", *_TRACER),
    "CancelOrderFunction": ("orders.service", "orders.bootstrap"),
    "OrderProcessorFunction": _TRACER,
    "InventoryReservationsFunction": _TRACER,
    "PaymentCommandsFunction": _TRACER,
}
