"""User rules: valid emails, names, case-insensitive email identity. Pure Python, no AWS."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from users.domain import User


def error_fields(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in item["loc"]) for item in error.errors()}


def test_register_creates_a_user_with_id_and_creation_time():
    before = datetime.now(timezone.utc)
    user = User.register(email="ada@example.com", name="  Ada Lovelace ")
    after = datetime.now(timezone.utc)

    assert user.email == "ada@example.com"
    assert user.name == "Ada Lovelace"
    assert user.id
    assert before <= user.created_at <= after


def test_each_registration_gets_its_own_id():
    ids = {User.register(email=f"u{n}@example.com", name="U").id for n in range(20)}

    assert len(ids) == 20


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
        User.register(email=email, name="Ada")
    assert error_fields(raised.value) == {"email"}


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, None])
def test_invalid_name_is_rejected(name):
    with pytest.raises(ValidationError) as raised:
        User.register(email="ada@example.com", name=name)
    assert error_fields(raised.value) == {"name"}


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Ada.Lovelace@Example.COM", "ada.lovelace@example.com"),
        ("ADA@EXAMPLE.COM", "ada@example.com"),
    ],
)
def test_email_key_is_case_folded(email, key):
    assert User.register(email=email, name="Ada").email_key == key


def test_emails_differing_only_in_case_share_a_key_but_keep_their_spelling():
    first = User.register(email="Ada@Example.com", name="Ada")
    second = User.register(email="aDA@eXAMPLE.COM", name="Ada")

    assert first.email_key == second.email_key
    assert first.email.split("@")[0] == "Ada"  # the local part is stored as given


def test_different_emails_have_different_keys():
    assert User.register(email="ada@example.com", name="A").email_key != User.register(
        email="ada@example.org", name="A"
    ).email_key
