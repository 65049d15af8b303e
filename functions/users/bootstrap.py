"""Wires the users service's use cases to their adapters, once per process, from the environment."""
from __future__ import annotations

from dataclasses import dataclass

from shared.bootstrap import Wiring
from users.repository import AbstractUserRepository, DynamoDBUserRepository


@dataclass(frozen=True)
class UserServices:
    users: AbstractUserRepository


def _services_from_environ() -> UserServices:
    # The table's name (USERS_TABLE) is read where its model is declared, at import.
    return UserServices(users=DynamoDBUserRepository())


_wiring = Wiring(_services_from_environ)
create_services = _wiring.create_services
override_services = _wiring.override_services
