"""infra/people.py against moto's Cognito: the demo people `make run` makes, and `make token`."""
from __future__ import annotations

import json
import stat

import boto3
import jwt
import pytest

from infra import people
from infra.deploy import DeployedStack
from infra.template import load_template

POLICY = load_template()["Resources"]["UserPool"]["Properties"]["Policies"]["PasswordPolicy"]


@pytest.fixture
def stack(aws) -> DeployedStack:
    """A user pool, app client and staff group as the template makes them (`endpoint` '': AWS, here moto)."""
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="shop-people", UsernameAttributes=["email"],
                                Policies={"PasswordPolicy": POLICY})["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="shop", GenerateSecret=False,
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    idp.create_group(UserPoolId=pool, GroupName="admin")
    outputs = {"UserPoolId": pool, "UserPoolClientId": client["UserPoolClient"]["ClientId"], "StaffGroupName": "admin"}
    return DeployedStack(endpoint="", stack_name="shop", api_id="api", stage="v1", base_url="https://api",
                         api_key="key", outputs=outputs)


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def groups_of(stack: DeployedStack, email: str) -> list[str]:
    answer = boto3.client("cognito-idp").admin_list_groups_for_user(UserPoolId=stack.outputs["UserPoolId"],
                                                                  Username=email)
    return [group["GroupName"] for group in answer["Groups"]]


@pytest.mark.parametrize("attempt", range(20))
def test_a_new_password_meets_the_pools_policy(attempt):
    password = people.new_password()
    assert len(password) >= POLICY["MinimumLength"]
    assert any(c.islower() for c in password) and any(c.isupper() for c in password)
    assert any(c.isdigit() for c in password)


def test_the_demo_people_are_made_signed_in_and_only_staff_is_staff(stack, tmp_path):
    made = people.demo_people(stack, tmp_path / "people.json")

    assert {role: person.email for role, person in made.items()} == people.DEMO_PEOPLE
    for person in made.values():
        assert claims(person.id_token)["sub"] == person.user_id
        assert claims(person.id_token)["email"] == person.email
    assert groups_of(stack, made["staff"].email) == ["admin"]
    assert groups_of(stack, made["customer"].email) == []


def test_a_second_run_keeps_the_people_and_their_passwords(stack, tmp_path):
    first = people.demo_people(stack, tmp_path / "people.json")
    again = people.demo_people(stack, tmp_path / "people.json")

    assert {r: (p.user_id, p.password) for r, p in again.items()} == {r: (p.user_id, p.password) for r, p in first.items()}
    saved = tmp_path / "people.json"
    assert json.loads(saved.read_text()) == {p.email: p.password for p in first.values()}
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # passwords: readable by you only


def test_make_token_prints_a_fresh_token_of_a_demo_person(stack, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(people, "PEOPLE_FILE", tmp_path / "people.json")
    made = people.demo_people(stack, tmp_path / "people.json")
    stack_file = tmp_path / "stack.json"
    stack.save(stack_file)

    assert people.main(["token", "staff", "--stack-file", str(stack_file)]) == 0
    token = capsys.readouterr().out.strip()
    assert claims(token)["sub"] == made["staff"].user_id


def test_make_token_for_anyone_with_their_password(stack, tmp_path, capsys):
    pool = people.UserPool(stack)
    ada = pool.new_person("ada@example.com")
    stack_file = tmp_path / "stack.json"
    stack.save(stack_file)

    assert people.main(["token", "ada@example.com", "--password", ada.password, "--stack-file", str(stack_file)]) == 0
    assert claims(capsys.readouterr().out.strip())["sub"] == ada.user_id

    assert people.main(["token", "ada@example.com", "--password", "Wrong-password-1",
                        "--stack-file", str(stack_file)]) == 1
    assert "wrong email or password" in capsys.readouterr().err


def test_make_token_without_a_stack_says_to_start_one(tmp_path, capsys):
    assert people.main(["token", "customer", "--stack-file", str(tmp_path / "missing.json")]) == 1
    assert "make run" in capsys.readouterr().err
