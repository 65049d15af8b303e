"""Field types every service-to-service contract shares: commands, results and events.

One definition each, so an order id valid for one service is valid for every other.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

# An order's id, as the orders service issues it and every command and event carries it.
OrderId = Annotated[str, Field(min_length=1, max_length=64)]
# Follows one order across services and queues. Optional on every command: the caller's
# correlation id, which the callee logs under (shared.invocation fills it in from the
# caller's log context); commands without it are as valid as before.
CorrelationId = Annotated[str, Field(min_length=1, max_length=128)]
