"""User use cases. They talk to the repository port, never to DynamoDB."""
from __future__ import annotations

from users.domain import User, UserNotFound
from users.repository import AbstractUserRepository


def register_user(users: AbstractUserRepository, *, email: str, name: str) -> User:
    user = User.register(email=email, name=name)
    users.add(user)
    return user


def get_user(users: AbstractUserRepository, user_id: str) -> User:
    return users.get(user_id)


def user_exists(users: AbstractUserRepository, user_id: str) -> bool:
    try:
        users.get(user_id)
    except UserNotFound:
        return False
    return True
