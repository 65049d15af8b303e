"""Who is calling: the person the API's Cognito authorizer verified, as the functions see them.

API Gateway checks the token (signature against the user pool's keys, expiry, issuer)
before any function runs, and hands the function the token's claims, every value a
string (`requestContext.authorizer.claims`). chalice local verifies the same tokens and
passes the same claims (infra/cognito_local.py). Nothing here reads a token itself.

Rules, in the services that own the data (docs/security.md): a customer acts on their
own profile, orders and payments; staff (the `admin` group) on anyone's.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import Forbidden

STAFF_GROUP = "admin"


@dataclass(frozen=True)
class Caller:
    user_id: str  # the token's `sub`: the one id of a person across every service
    email: str
    groups: frozenset[str] = frozenset()
    # The token's `name` claim, if the user pool has one for them: a new profile's name.
    name: str | None = None

    @property
    def is_staff(self) -> bool:
        return STAFF_GROUP in self.groups

    def may_act_for(self, owner_id: str | None) -> bool:
        """Staff may act for anyone; a customer for themselves only."""
        return self.is_staff or (owner_id is not None and owner_id == self.user_id)

    def require_staff(self) -> None:
        if not self.is_staff:
            raise Forbidden("Only staff may do this")


def parse_groups(raw: Any) -> frozenset[str]:
    """`cognito:groups` as it reaches a function: API Gateway REST APIs pass a list's
    string form, "a,b" on AWS and "[a b]" on MiniStack; a list where a verifier kept it."""
    if isinstance(raw, (list, tuple)):
        return frozenset(str(group) for group in raw if group)
    if not isinstance(raw, str):
        return frozenset()
    return frozenset(group for group in re.split(r"[\s,]+", raw.strip().strip("[]")) if group)


def caller_from_claims(claims: Mapping[str, Any] | None) -> Caller | None:
    """The caller behind a verified IdToken's claims; None where there are none (a public
    route) or where they are an AccessToken's: the API takes IdTokens (AWS's authorizer
    wants one on a method without OAuth scopes; MiniStack's lets an AccessToken through,
    which carries no email), so a function treats one as no sign-in at all (401)."""
    if not claims or not claims.get("sub") or claims.get("token_use", "id") != "id":
        return None
    return Caller(user_id=str(claims["sub"]), email=str(claims.get("email") or ""),
                  groups=parse_groups(claims.get("cognito:groups")),
                  name=str(claims["name"]) if claims.get("name") else None)
