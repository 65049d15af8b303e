"""Who is calling (shared.caller), from the claims API Gateway's authorizer passes a function."""
from __future__ import annotations

import pytest

from shared.caller import Caller, caller_from_claims, parse_groups
from shared.errors import Forbidden


@pytest.mark.parametrize(
    ("raw", "groups"),
    [
        ("[admin]", {"admin"}),  # MiniStack: a list's string form
        ("[admin staff]", {"admin", "staff"}),
        ("admin,staff", {"admin", "staff"}),  # AWS
        ("admin", {"admin"}),
        (["admin", "staff"], {"admin", "staff"}),  # a verifier that kept the list
        (("admin",), {"admin"}),
        ("", set()),
        ("[]", set()),
        ([], set()),
        (None, set()),
        (42, set()),
    ],
)
def test_parse_groups(raw, groups):
    assert parse_groups(raw) == frozenset(groups)


def test_caller_from_claims_as_api_gateway_passes_them():
    caller = caller_from_claims({"sub": "s-1", "email": "ada@example.com", "cognito:groups": "admin,x",
                                 "name": "Ada", "token_use": "id"})

    assert caller == Caller("s-1", "ada@example.com", frozenset({"admin", "x"}), name="Ada")
    assert caller.is_staff


@pytest.mark.parametrize("claims", [None, {}, {"email": "ada@example.com"}, {"sub": ""},
                                    {"sub": "s-1", "token_use": "access", "cognito:groups": "admin"}],
                         ids=["none", "empty", "no-sub", "blank-sub", "access-token"])
def test_no_subject_or_no_idtoken_is_no_caller(claims):
    assert caller_from_claims(claims) is None


def test_a_customer_acts_for_themselves_only_and_staff_for_anyone():
    customer = Caller("s-1", "ada@example.com")
    staff = Caller("s-2", "grace@example.com", frozenset({"admin"}))

    assert customer.may_act_for("s-1") and not customer.may_act_for("s-2")
    assert not customer.may_act_for(None)  # nobody's record is staff's only
    assert staff.may_act_for("s-1") and staff.may_act_for(None)
    staff.require_staff()
    with pytest.raises(Forbidden):
        customer.require_staff()
