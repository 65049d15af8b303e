"""The DynamoDB adapter of the users service, against moto tables built from the template."""
from __future__ import annotations

import pytest

from tests.unit import stored
from users.domain import EmailAlreadyRegistered, User, UserAlreadyExists, UserNotFound
from users.repository import DynamoDBUserRepository


@pytest.fixture
def users(tables) -> DynamoDBUserRepository:
    return DynamoDBUserRepository()


def stored_items(tables) -> dict[str, dict]:
    return stored.stored_items(tables["UsersTable"])


def test_added_user_reads_back_unchanged(users):
    user = User.register("sub-1", email="Ada.Lovelace@Example.com", name="Ada Lovelace")

    users.add(user)

    assert users.get(user.id) == user


def test_add_writes_the_user_and_a_claim_on_the_case_folded_email(users, tables):
    user = User.register("sub-2", email="Ada@Example.com", name="Ada")

    users.add(user)

    items = stored_items(tables)
    assert set(items) == {f"USER#{user.id}", f"EMAIL#{user.email_key}"}
    assert user.email_key == "ada@example.com"
    assert items["EMAIL#ada@example.com"]["user_id"] == {"S": user.id}
    assert items[f"USER#{user.id}"]["email"] == {"S": user.email}


def test_get_unknown_user_raises_not_found(users):
    with pytest.raises(UserNotFound):
        users.get("nobody")


@pytest.mark.parametrize("second_email", ["ada@example.com", "ADA@EXAMPLE.COM", "Ada@example.COM"])
def test_duplicate_email_in_any_case_raises_and_writes_nothing(users, tables, second_email):
    first = User.register("sub-3", email="ada@Example.com", name="Ada")
    users.add(first)
    before = stored_items(tables)

    duplicate = User.register("sub-4", email=second_email, name="Impostor")
    with pytest.raises(EmailAlreadyRegistered):
        users.add(duplicate)

    assert stored_items(tables) == before
    assert len(before) == 2
    with pytest.raises(UserNotFound):
        users.get(duplicate.id)
    assert users.get(first.id) == first


def test_different_emails_are_both_stored(users, tables):
    ada = User.register("sub-5", email="ada@example.com", name="Ada")
    grace = User.register("sub-6", email="grace@example.com", name="Grace")

    users.add(ada)
    users.add(grace)

    assert (users.get(ada.id), users.get(grace.id)) == (ada, grace)
    assert len(stored_items(tables)) == 4


def test_a_second_profile_of_the_same_person_is_refused_as_existing_and_writes_nothing(users, tables):
    first = User.register("sub-1", email="ada@example.com", name="Ada")
    users.add(first)
    before = stored_items(tables)

    # The same person's concurrent first request: both conditions fail, the id tells.
    with pytest.raises(UserAlreadyExists):
        users.add(User.register("sub-1", email="ada@example.com", name="Other"))

    assert stored_items(tables) == before


def test_replace_stores_the_new_name_and_keeps_the_email_claim(users, tables):
    user = User.register("sub-1", email="ada@example.com", name="Ada")
    users.add(user)

    users.replace(user.renamed("Augusta Ada King"))

    assert users.get("sub-1") == user.renamed("Augusta Ada King")
    assert set(stored_items(tables)) == {"USER#sub-1", "EMAIL#ada@example.com"}


def test_replace_of_a_user_never_stored_is_not_found_and_writes_nothing(users, tables):
    with pytest.raises(UserNotFound):
        users.replace(User.register("sub-1", email="ada@example.com", name="Ada"))
    assert stored_items(tables) == {}
