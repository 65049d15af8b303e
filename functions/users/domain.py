"""User rules. Pure Python and pydantic: nothing here knows about AWS."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pydantic import BaseModel, ConfigDict, EmailStr

from shared.errors import Conflict, NotFound
from shared.text import SingleLineText

UserName = SingleLineText(max_length=200)


class UserNotFound(NotFound):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"User {user_id} not found")
        self.user_id = user_id


class EmailAlreadyRegistered(Conflict):
    def __init__(self, email: str) -> None:
        super().__init__(f"A user with email {email} already exists")
        self.email = email


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    email: EmailStr
    name: UserName
    created_at: datetime

    @classmethod
    def register(cls, email: str, name: str) -> User:
        return cls(id=str(uuid.uuid4()), email=email, name=name, created_at=datetime.now(timezone.utc))

    @property
    def email_key(self) -> str:
        """Emails are unique regardless of case: Alice@Example.com is alice@example.com."""
        return self.email.casefold()
