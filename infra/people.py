"""People in the stack's user pool, and a fresh token for any of them.

    python -m infra.people token customer          # the demo customer's IdToken (`make token AS=customer`)
    python -m infra.people token staff             # the demo staff member's
    python -m infra.people token ada@example.com --password '...'   # anyone's

People are made the way an operator makes them (AdminCreateUser with a permanent
password, no invitation mail; staff are added to the pool's staff group) and signed in
the way the shop's clients sign in (InitiateAuth with USER_PASSWORD_AUTH on the app
client). `make run` makes the demo customer and staff member; the e2e tier makes a
customer per test. The pool, its client and the staff group come from the stack's
outputs, never from names.

The demo people's passwords are made at random the first time and kept in
.local/people.json (readable by you only), beside the emulator's state that keeps the
people themselves.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import jwt

from infra.deploy import LOCAL_STATE, DeployedStack, aws_session

PEOPLE_FILE = LOCAL_STATE / "people.json"
# Who `make run` makes, by role; any address works, these never receive mail.
DEMO_PEOPLE = {"customer": "customer@example.com", "staff": "staff@example.com"}


@dataclass(frozen=True)
class Person:
    email: str
    password: str
    user_id: str  # the token's `sub`: the id the shop knows this person by
    id_token: str  # what the API's authorizer accepts (`Authorization: <token>`)
    refresh_token: str


def new_password() -> str:
    """Random, and within the pool's policy (12+ characters, lower, upper, digit)."""
    return f"{secrets.token_urlsafe(18)}aA1"


class UserPool:
    """The stack's user pool, through its admin API (an operator's credentials on AWS)."""

    def __init__(self, stack: DeployedStack) -> None:
        self.client = aws_session(stack.endpoint).client("cognito-idp")
        self.pool_id = stack.outputs["UserPoolId"]
        self.app_client_id = stack.outputs["UserPoolClientId"]
        self.staff_group = stack.outputs["StaffGroupName"]

    def enrol(self, email: str, password: str, *, staff: bool = False) -> None:
        """Make `email` a person with `password`, or set it again if they exist already."""
        try:
            self.client.admin_create_user(
                UserPoolId=self.pool_id, Username=email, MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
        except self.client.exceptions.UsernameExistsException:
            pass
        self.client.admin_set_user_password(UserPoolId=self.pool_id, Username=email, Password=password,
                                            Permanent=True)
        if staff:
            self.client.admin_add_user_to_group(UserPoolId=self.pool_id, Username=email, GroupName=self.staff_group)

    def sign_in(self, email: str, password: str) -> Person:
        result = self.client.initiate_auth(
            ClientId=self.app_client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password})["AuthenticationResult"]
        # The token's `sub`, read without verifying: it came straight from the pool we asked.
        subject = jwt.decode(result["IdToken"], options={"verify_signature": False})["sub"]
        return Person(email=email, password=password, user_id=subject,
                      id_token=result["IdToken"], refresh_token=result["RefreshToken"])

    def new_person(self, email: str, *, staff: bool = False) -> Person:
        password = new_password()
        self.enrol(email, password, staff=staff)
        return self.sign_in(email, password)


def saved_passwords(people_file: Path = PEOPLE_FILE) -> dict[str, str]:
    """The demo people's passwords by email, as `demo_people` kept them (none yet: empty)."""
    return json.loads(people_file.read_text()) if people_file.exists() else {}


def demo_people(stack: DeployedStack, people_file: Path = PEOPLE_FILE) -> dict[str, Person]:
    """The demo customer and staff member, made (or their passwords set again) and signed in."""
    saved = saved_passwords(people_file)
    pool = UserPool(stack)
    people = {}
    for role, email in DEMO_PEOPLE.items():
        password = saved.get(email) or new_password()
        pool.enrol(email, password, staff=role == "staff")
        people[role] = pool.sign_in(email, password)
    people_file.parent.mkdir(parents=True, exist_ok=True)
    people_file.write_text(json.dumps({person.email: person.password for person in people.values()}, indent=2))
    os.chmod(people_file, 0o600)
    return people


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a fresh IdToken")
    token.add_argument("who", help=f"{' or '.join(DEMO_PEOPLE)} (the demo people), or an email")
    token.add_argument("--password", help="the person's password (not needed for the demo people)")
    token.add_argument("--stack-file", type=Path, default=LOCAL_STATE / "stack.json")
    args = parser.parse_args(argv)

    if not args.stack_file.exists():
        print(f"error: {args.stack_file} not found: start the stack first with `make run`", file=sys.stderr)
        return 1
    stack = DeployedStack.load(args.stack_file)
    email = DEMO_PEOPLE.get(args.who, args.who)
    password = args.password
    if password is None:
        password = saved_passwords(PEOPLE_FILE).get(email)
    if password is None:
        print(f"error: no password for {email}: give --password (PASSWORD=... with make)", file=sys.stderr)
        return 1
    pool = UserPool(stack)
    try:
        person = pool.sign_in(email, password)
    except pool.client.exceptions.NotAuthorizedException:
        print(f"error: {email}: wrong email or password", file=sys.stderr)
        return 1
    print(person.id_token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
