"""User rules: valid emails, names, case-insensitive email identity. Pure Python, no AWS."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from users.domain import User


def error_fields(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in item["loc"]) for item in error.errors()}


def test_register_creates_the_profile_of_that_id_with_its_creation_time():
    before = datetime.now(timezone.utc)
    user = User.register("sub-1", email="ada@example.com", name="  Ada Lovelace ")
    after = datetime.now(timezone.utc)

    assert (user.id, user.email, user.name) == ("sub-1", "ada@example.com", "Ada Lovelace")
    assert before <= user.created_at <= after


@pytest.mark.parametrize("name", [None, "", "   ", "Ada\nLovelace", "x" * 201])
def test_without_a_valid_name_a_profile_is_named_after_the_email(name):
    assert User.register("sub-1", email="Ada.Lovelace@example.com", name=name).name == "Ada.Lovelace"


def test_renamed_keeps_everything_but_the_name():
    user = User.register("sub-1", email="ada@example.com")

    renamed = user.renamed(" Augusta Ada King ")

    assert renamed == user.model_copy(update={"name": "Augusta Ada King"})


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "Ada\u202eecalevoL", None])
def test_renamed_to_an_invalid_name_is_refused(name):
    with pytest.raises(ValidationError) as raised:
        User.register("sub-1", email="ada@example.com").renamed(name)
    assert error_fields(raised.value) == {"name"}


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@@example.com",
        "ada lovelace@example.com",
        "ada@example",  # no top-level domain
        "ada@exa mple.com",
        None,
        42,
    ],
)
def test_invalid_email_is_rejected(email):
    with pytest.raises(ValidationError) as raised:
        User(id="sub-1", email=email, name="Ada", created_at=datetime.now(timezone.utc))
    assert error_fields(raised.value) == {"email"}


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Ada.Lovelace@Example.COM", "ada.lovelace@example.com"),
        ("ADA@EXAMPLE.COM", "ada@example.com"),
    ],
)
def test_email_key_is_case_folded(email, key):
    assert User.register("sub-1", email=email, name="Ada").email_key == key


def test_emails_differing_only_in_case_share_a_key_but_keep_their_spelling():
    first = User.register("sub-1", email="Ada@Example.com", name="Ada")
    second = User.register("sub-1", email="aDA@eXAMPLE.COM", name="Ada")

    assert first.email_key == second.email_key
    assert first.email.split("@")[0] == "Ada"  # the local part is stored as given


def test_different_emails_have_different_keys():
    assert (User.register("sub-1", email="ada@example.com").email_key
            != User.register("sub-2", email="ada@example.org").email_key)
