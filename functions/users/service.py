"""User use cases. They talk to the repository port, never to DynamoDB.

Sign-up and sign-in are the user pool's; a profile here is keyed by the token's `sub`
and made on the person's first authenticated call to GET or PATCH /users/me, not by a
PostConfirmation trigger. Every route that needs a profile leads through here, so no
one is ever without one when it matters; whereas a trigger would leave people without:
the local emulator never fires PostConfirmation, and users made with AdminCreateUser
(staff accounts, tests) never confirm a sign-up at all.
"""
from __future__ import annotations

from shared.caller import Caller
from users.domain import User, UserAlreadyExists, UserNotFound
from users.repository import AbstractUserRepository


def profile_of(users: AbstractUserRepository, caller: Caller) -> User:
    """The caller's profile, made on their first call: named after the token's `name`
    claim, or the email's local part. The email stays unique (EmailAlreadyRegistered, 409)."""
    try:
        return users.get(caller.user_id)
    except UserNotFound:
        pass
    user = User.register(caller.user_id, caller.email, caller.name)
    try:
        users.add(user)
    except UserAlreadyExists:
        # The same person's concurrent first call won the conditional write: theirs is the profile.
        return users.get(caller.user_id)
    return user


def rename(users: AbstractUserRepository, caller: Caller, name: str) -> User:
    renamed = profile_of(users, caller).renamed(name)
    users.replace(renamed)
    return renamed


def get_user(users: AbstractUserRepository, caller: Caller, user_id: str) -> User:
    """Anyone's profile: staff only."""
    caller.require_staff()
    return users.get(user_id)
