"""How every service wires its use cases to adapters: once per process, from the environment.

Each service's `bootstrap` module builds its ports (tables, other services' functions,
queues) from its settings and exposes them as `create_services()`; handlers reach their
dependencies only through it. The unit tier wires in-memory storage instead, with
`override_services`, rather than patching modules.
"""
from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Services = TypeVar("Services")
SettingsT = TypeVar("SettingsT", bound="Settings")

# A setting the template must give: an empty value is as wrong as a missing one.
Setting = Annotated[str, Field(min_length=1)]


class Settings(BaseModel):
    """A service's environment, one field per variable (`orders_table` is ORDERS_TABLE).

    Validated when the services are first built, so a function the template wires
    wrongly fails on its first invocation, naming the variable.
    """

    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_environ(cls: type[SettingsT]) -> SettingsT:
        return cls.model_validate(
            {name: os.environ[name.upper()] for name in cls.model_fields if name.upper() in os.environ})


class Wiring(Generic[Services]):
    """`create_services()` and `override_services()` of one service, over its builder.

    A builder may take the function's settings (orders: each function's own model, see
    orders.settings); they are hashable (frozen), so each is built once per process."""

    def __init__(self, build: Callable[..., Services]) -> None:
        # Built on first use, not at import: a function that never needs its services
        # (a bad request) does not pay for them, and tests override them first.
        self._build = functools.cache(build)
        self._override: Services | None = None

    def create_services(self, *settings: Settings) -> Services:
        return self._override if self._override is not None else self._build(*settings)

    @contextlib.contextmanager
    def override_services(self, services: Services) -> Iterator[Services]:
        """Inside the block, `create_services()` answers `services` (the unit tier's fakes)."""
        previous, self._override = self._override, services
        try:
            yield services
        finally:
            self._override = previous
