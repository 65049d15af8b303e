"""User rules. Pure Python and pydantic: nothing here knows about AWS."""
from __future__ import annotations

from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict, EmailStr, TypeAdapter, ValidationError

from shared.errors import Conflict, NotFound
from shared.text import SingleLineText

UserName = SingleLineText(max_length=200)
_USER_NAME = TypeAdapter(UserName)


class UserNotFound(NotFound):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"User {user_id} not found")
        self.user_id = user_id


class EmailAlreadyRegistered(Conflict):
    def __init__(self, email: str) -> None:
        super().__init__(f"A user with email {email} already exists")
        self.email = email


class UserAlreadyExists(Conflict):
    """A profile with this id is stored already (a concurrent first request made it)."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"User {user_id} already exists")
        self.user_id = user_id


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str  # the person's `sub` in the user pool
    email: EmailStr
    name: UserName
    created_at: datetime

    @classmethod
    def register(cls, user_id: str, email: str, name: str | None = None) -> User:
        """A new profile; named `name` if that is a valid name, else after the email's local part."""
        return cls(id=user_id, email=email, name=_name_or_none(name) or email.partition("@")[0],
                   created_at=datetime.now(timezone.utc))

    def renamed(self, name: str) -> User:
        return self.model_validate({**self.model_dump(), "name": name})

    @property
    def email_key(self) -> str:
        """Emails are unique regardless of case: Alice@Example.com is alice@example.com."""
        return self.email.casefold()


def _name_or_none(name: str | None) -> str | None:
    # A `name` claim comes from the user pool, not from this API's rules: one that is not
    # a valid name here (a line break, 2,048 characters) leaves the default.
    if name is None:
        return None
    try:
        return _USER_NAME.validate_python(name)
    except ValidationError:
        return None
