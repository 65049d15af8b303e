"""Money as every service speaks it: in products' catalog, orders' totals and payments' charges.

One model, so an amount passes from one service's contract to another's as it is.
Amounts are integer minor units (cents): no float rounding.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# ISO 4217 alphabetic code (products' requests check it against the list itself).
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: int = Field(ge=0, strict=True, description="Integer minor units (cents)")
    currency: Currency
