"""User use cases against the in-memory repository (tests/unit/fakes.py)."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.unit.fakes import FakeUserRepository
from users import service
from users.domain import EmailAlreadyRegistered, UserNotFound


@pytest.fixture
def users() -> FakeUserRepository:
    return FakeUserRepository()


def test_register_user_stores_and_returns_the_user(users):
    user = service.register_user(users, email="ada@example.com", name="Ada")

    assert users.users == {user.id: user}
    assert (user.email, user.name) == ("ada@example.com", "Ada")


def test_registering_an_email_twice_in_another_case_fails_and_keeps_the_first(users):
    first = service.register_user(users, email="ada@example.com", name="Ada")

    with pytest.raises(EmailAlreadyRegistered) as raised:
        service.register_user(users, email="ADA@Example.com", name="Impostor")

    assert raised.value.code == "conflict"
    assert list(users.users.values()) == [first]


def test_different_emails_register_different_users(users):
    ada = service.register_user(users, email="ada@example.com", name="Ada")
    grace = service.register_user(users, email="grace@example.com", name="Grace")

    assert ada.id != grace.id
    assert set(users.users) == {ada.id, grace.id}


def test_register_user_with_invalid_email_stores_nothing(users):
    with pytest.raises(ValidationError):
        service.register_user(users, email="not-an-email", name="Ada")
    assert users.users == {}


def test_get_user_returns_the_stored_user(users):
    user = service.register_user(users, email="ada@example.com", name="Ada")

    assert service.get_user(users, user.id) == user


def test_get_unknown_user_raises_not_found(users):
    with pytest.raises(UserNotFound) as raised:
        service.get_user(users, "nobody")
    assert raised.value.user_id == "nobody"
