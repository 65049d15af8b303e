"""What other services may ask of users, through `UserLookupFunction`."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class LookupUser(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: Annotated[str, Field(min_length=1, max_length=64)]


class LookupUserResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    exists: bool
