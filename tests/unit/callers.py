"""Who calls, in the unit tier: a customer, another customer, staff (shared.caller)."""
from __future__ import annotations

import copy

from shared.caller import STAFF_GROUP, Caller

# The customer of the sample events (their `sub`).
CUSTOMER = Caller(user_id="7c9e6679-7425-40de-944b-e07fc1f90ae7", email="ada@example.com", name="Ada Lovelace")
OTHER_CUSTOMER = Caller(user_id="b1d9e0c4-5a7f-4e2b-8c3d-9f6a2e1b0c7d", email="grace@example.org")
STAFF = Caller(user_id="3f2b8c1e-9d4a-4e7b-b6c5-1a0f9e8d7c6b", email="grace@example.com",
               groups=frozenset({STAFF_GROUP}))


def as_caller(event: dict, caller: Caller) -> dict:
    """`event` as API Gateway passes it after the authorizer verified `caller`'s token."""
    event = copy.deepcopy(event)
    claims = {"sub": caller.user_id, "email": caller.email, "token_use": "id"}
    if caller.groups:
        claims["cognito:groups"] = ",".join(sorted(caller.groups))
    if caller.name:
        claims["name"] = caller.name
    event["requestContext"]["authorizer"] = {"claims": claims}
    return event
