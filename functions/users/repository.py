"""Users table access: the port the service uses, and its DynamoDB adapter.

Table layout (one table for the service):
  pk = USER#<id>       the user (id: the person's `sub` in the user pool)
  pk = EMAIL#<email>   a claim on the case-folded email, written in the same
                       transaction as the user, so an email is registered once.
"""
from __future__ import annotations

import abc

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from shared.dynamodb import ClientSettings, add_with_claim, condition_failed, table_name_from_env, translate_outages
from users.domain import EmailAlreadyRegistered, User, UserAlreadyExists, UserNotFound

TABLE_NAME = table_name_from_env("USERS_TABLE")
DEPENDENCY = "users table"


class AbstractUserRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user: User) -> None:
        """Store a new user; raise UserAlreadyExists if the id is stored already, else
        EmailAlreadyRegistered if the email is taken."""

    @abc.abstractmethod
    def get(self, user_id: str) -> User:
        """Return the user or raise UserNotFound."""

    @abc.abstractmethod
    def replace(self, user: User) -> None:
        """Store a changed user (same id and email); raise UserNotFound if it is not stored."""


class UserEntry(Model):
    class Meta(ClientSettings):
        table_name = TABLE_NAME

    pk = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    def to_domain(self) -> User:
        return User(id=self.id, email=self.email, name=self.name, created_at=self.created_at)


class EmailClaim(Model):
    class Meta(ClientSettings):
        table_name = TABLE_NAME

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class DynamoDBUserRepository(AbstractUserRepository):
    def add(self, user: User) -> None:
        claim = EmailClaim(pk=f"EMAIL#{user.email_key}", user_id=user.id)
        # The same person's concurrent first request fails both conditions (its claim on
        # the email is the same as ours): the profile exists, the email is theirs.
        add_with_claim(_entry_of(user), claim, DEPENDENCY, claim_taken=EmailAlreadyRegistered(user.email),
                       entry_exists=UserAlreadyExists(user.id))

    def replace(self, user: User) -> None:
        # The email, and so its claim, never changes here: one conditional put of the user.
        try:
            with translate_outages(DEPENDENCY):
                _entry_of(user).save(condition=UserEntry.pk.exists())
        except PutError as error:
            if condition_failed(error):
                raise UserNotFound(user.id) from error
            raise

    def get(self, user_id: str) -> User:
        with translate_outages(DEPENDENCY):
            try:
                return UserEntry.get(f"USER#{user_id}", consistent_read=True).to_domain()
            except DoesNotExist:
                raise UserNotFound(user_id) from None


def _entry_of(user: User) -> UserEntry:
    return UserEntry(pk=f"USER#{user.id}", id=user.id, email=user.email, name=user.name, created_at=user.created_at)
