"""User use cases against the in-memory repository (tests/unit/fakes.py)."""
from __future__ import annotations

import dataclasses

import pytest

from shared.errors import Forbidden
from tests.unit.callers import CUSTOMER, OTHER_CUSTOMER, STAFF
from tests.unit.fakes import FakeUserRepository
from users import service
from users.domain import EmailAlreadyRegistered, User, UserAlreadyExists, UserNotFound


@pytest.fixture
def users() -> FakeUserRepository:
    return FakeUserRepository()


def test_first_call_makes_the_profile_of_the_tokens_subject(users):
    user = service.profile_of(users, CUSTOMER)

    assert (user.id, user.email, user.name) == (CUSTOMER.user_id, CUSTOMER.email, CUSTOMER.name)
    assert users.users == {CUSTOMER.user_id: user}


def test_a_profile_is_made_once_and_then_read(users):
    first = service.profile_of(users, CUSTOMER)

    again = service.profile_of(users, dataclasses.replace(CUSTOMER, name="Another name"))

    assert again == first
    assert list(users.users) == [CUSTOMER.user_id]


def test_without_a_name_claim_the_profile_is_named_after_the_email(users):
    assert service.profile_of(users, OTHER_CUSTOMER).name == "grace"


def test_an_email_another_profile_holds_in_any_case_is_409_and_makes_nothing(users):
    service.profile_of(users, CUSTOMER)
    same_email = dataclasses.replace(OTHER_CUSTOMER, email=CUSTOMER.email.upper())

    with pytest.raises(EmailAlreadyRegistered) as raised:
        service.profile_of(users, same_email)

    assert raised.value.code == "conflict"
    assert list(users.users) == [CUSTOMER.user_id]


class RacedUserRepository(FakeUserRepository):
    """The same person's other first call writes their profile between our read and our write."""

    def __init__(self, theirs: User) -> None:
        super().__init__()
        self.theirs = theirs

    def add(self, user: User) -> None:
        if self.theirs is not None:
            super().add(self.theirs)
            self.theirs = None
        super().add(user)


def test_concurrent_first_calls_answer_the_one_profile_that_won():
    theirs = User.register(CUSTOMER.user_id, CUSTOMER.email, "Won the race")
    users = RacedUserRepository(theirs)

    assert service.profile_of(users, CUSTOMER) == theirs
    assert users.users == {CUSTOMER.user_id: theirs}


def test_the_repository_refuses_a_second_profile_of_an_id(users):
    users.add(User.register(CUSTOMER.user_id, CUSTOMER.email))

    with pytest.raises(UserAlreadyExists):
        users.add(User.register(CUSTOMER.user_id, "other@example.com"))


def test_rename_changes_the_callers_name_only(users):
    before = service.profile_of(users, CUSTOMER)

    renamed = service.rename(users, CUSTOMER, "Augusta Ada King")

    assert renamed == before.model_copy(update={"name": "Augusta Ada King"})
    assert users.users == {CUSTOMER.user_id: renamed}


def test_rename_before_any_other_call_makes_the_profile_first(users):
    renamed = service.rename(users, OTHER_CUSTOMER, "Grace Hopper")

    assert (renamed.id, renamed.email, renamed.name) == (OTHER_CUSTOMER.user_id, OTHER_CUSTOMER.email, "Grace Hopper")
    assert users.users == {OTHER_CUSTOMER.user_id: renamed}


def test_staff_read_anyones_profile(users):
    user = service.profile_of(users, CUSTOMER)

    assert service.get_user(users, STAFF, CUSTOMER.user_id) == user


def test_a_customer_may_not_read_profiles_by_id_not_even_their_own(users):
    service.profile_of(users, CUSTOMER)

    for user_id in (CUSTOMER.user_id, OTHER_CUSTOMER.user_id, "nobody"):
        with pytest.raises(Forbidden):
            service.get_user(users, CUSTOMER, user_id)


def test_staff_reading_an_unknown_user_is_not_found(users):
    with pytest.raises(UserNotFound) as raised:
        service.get_user(users, STAFF, "nobody")
    assert raised.value.user_id == "nobody"
