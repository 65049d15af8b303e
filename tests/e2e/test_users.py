"""Profiles through API Gateway, Lambda and DynamoDB on the emulator, for people signed
in with the stack's user pool: made on the person's first call, keyed by their token."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def test_the_first_call_makes_the_profile_from_the_token(customer):
    me = customer.get("/users/me")

    assert me.status_code == 200, me.text
    profile = me.json()
    assert profile["id"] == customer.user_id
    assert profile["email"] == customer.person.email
    assert profile["name"] == customer.person.email.split("@")[0]
    assert customer.get("/users/me").json() == profile  # made once, read since


def test_first_calls_at_once_make_one_profile(customer):
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: customer.copy().get("/users/me"), range(4)))

    assert [answer.status_code for answer in answers] == [200] * 4, [answer.text for answer in answers]
    assert len({answer.json()["created_at"] for answer in answers}) == 1


def test_a_customer_renames_themselves_and_staff_see_it(api, customer):
    renamed = customer.patch("/users/me", json={"name": "Ada Lovelace"})

    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Ada Lovelace"
    assert api.get(f"/users/{customer.user_id}").json()["name"] == "Ada Lovelace"


def test_an_invalid_rename_names_each_field_and_changes_nothing(customer):
    before = customer.get("/users/me").json()

    answer = customer.patch("/users/me", json={"name": "", "email": "other@example.com"})

    assert answer.status_code == 400
    assert {error["field"] for error in answer.json()["errors"]} == {"name", "email"}
    assert customer.get("/users/me").json() == before


def test_unknown_user_is_a_404_for_staff(api, unique):
    answer = api.get(f"/users/missing-{unique}")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
